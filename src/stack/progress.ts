/**
 * Progress lines for `logwire dev up`, written to stderr so stdout stays
 * parseable. On a TTY, Maven downloads collapse into one updating counter
 * line; otherwise each transfer is printed as Maven reports it, with no
 * colour and no carriage returns.
 */
export interface Progress {
  /** A step the user waits for: "fetching kafka 4.4.0 (first run, ~45 MB)". */
  phase(text: string): void;
  /** A detail under the current step. */
  detail(text: string): void;
  /** One line of Maven output; transfers are counted, other lines dropped. */
  maven(line: string): void;
  /** Maven has been quiet for `seconds` (a large file is downloading). */
  quiet(seconds: number): void;
  /** Ends an updating line, if any. */
  flush(): void;
}

export interface ProgressOptions {
  readonly stream?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Default: the stream is a TTY and NO_COLOR is unset. */
  readonly interactive?: boolean;
  /** Drop all output (for `--json` callers). */
  readonly silent?: boolean;
}

export function createProgress(options: ProgressOptions = {}): Progress {
  const stream = options.stream ?? process.stderr;
  const interactive = options.interactive ?? (stream.isTTY === true && process.env["NO_COLOR"] === undefined);
  const silent = options.silent ?? false;
  let files = 0;
  let bytes = 0;
  let live = false;
  const write = (text: string) => {
    if (!silent) {
      stream.write(text);
    }
  };
  const endLive = () => {
    if (live) {
      write("\n");
      live = false;
    }
  };
  return {
    phase(text) {
      endLive();
      write(interactive ? `\x1b[1m==> ${text}\x1b[0m\n` : `==> ${text}\n`);
    },
    detail(text) {
      endLive();
      write(`    ${text}\n`);
    },
    maven(line) {
      const transfer = parseMavenTransfer(line);
      if (transfer === undefined) {
        if (/^\[(ERROR|WARNING)\]/.test(line)) {
          endLive();
          write(`    mvn: ${line}\n`);
        }
        return;
      }
      files += 1;
      bytes += transfer.bytes;
      if (interactive) {
        write(`\r\x1b[K    downloaded ${files} files, ${formatBytes(bytes)}  ${transfer.name}`);
        live = true;
      } else {
        write(`    mvn: downloaded ${transfer.name} (${formatBytes(transfer.bytes)}; ${files} files, ${formatBytes(bytes)} so far)\n`);
      }
    },
    quiet(seconds) {
      if (interactive) {
        write(`\r\x1b[K    downloaded ${files} files, ${formatBytes(bytes)}; working on a large file ${"|/-\\"[seconds % 4]} ${seconds} s`);
        live = true;
      } else if (seconds % 10 === 0) {
        write(`    mvn: still downloading (${seconds} s since the last finished file)\n`);
      }
    },
    flush: endLive,
  };
}

/** Parses Maven's `Downloaded from central: https://…/x-1.jar (1.2 MB at 3.4 MB/s)`. */
export function parseMavenTransfer(line: string): { name: string; bytes: number } | undefined {
  const match = /Downloaded from [^:]+: (\S+) \(([\d.,]+) (B|kB|KB|MB|GB)/.exec(line);
  if (match === null) {
    return undefined;
  }
  const unit = { B: 1, kB: 1e3, KB: 1e3, MB: 1e6, GB: 1e9 }[match[3] as "B" | "kB" | "KB" | "MB" | "GB"];
  const name = (match[1] ?? "").split("/").pop() ?? "";
  return { name, bytes: Math.round(Number((match[2] ?? "0").replace(",", "")) * unit) };
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1e6) {
    return `${(bytes / 1e6).toFixed(1)} MB`;
  }
  return bytes >= 1e3 ? `${(bytes / 1e3).toFixed(0)} kB` : `${bytes} B`;
}
