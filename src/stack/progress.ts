/**
 * Progress lines for `logwire dev up`, written to stderr so stdout stays
 * parseable. A first run has Maven fetch some 400 files; listing each one
 * buries everything else, so downloads are summarised the way npm and cargo
 * do: on a TTY one status line redrawn in place, elsewhere (CI, pipes) an
 * occasional plain line, and in both a closing totals line. Maven's [ERROR]
 * and [WARNING] lines are always printed in full.
 */
export interface Progress {
  /** A step the user waits for: "fetching kafka 4.4.0 (first run, ~45 MB)". */
  phase(text: string): void;
  /** A detail under the current step. */
  detail(text: string): void;
  /** Maven was just started: downloads and time are counted from here. */
  mavenStart(): void;
  /** One line of Maven output; transfers are counted, other lines dropped. */
  maven(line: string): void;
  /** Called about once a second while Maven runs, so a quiet spell (one large file) still shows signs of life. */
  tick(): void;
  /** Maven exited: prints the totals line (how far it got, if it failed). */
  mavenEnd(ok: boolean): void;
  /** Ends an updating line, if any. */
  flush(): void;
}

export interface ProgressOptions {
  readonly stream?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** Redraw one status line in place. Default: the stream is a TTY. */
  readonly interactive?: boolean;
  /** Bold phase lines. Default: the stream is a TTY and NO_COLOR is unset. */
  readonly color?: boolean;
  /** Drop all output (for `--json` callers). */
  readonly silent?: boolean;
  /** Milliseconds clock; tests pass a fake one. */
  readonly now?: () => number;
}

export function createProgress(options: ProgressOptions = {}): Progress {
  const stream = options.stream ?? process.stderr;
  const tty = stream.isTTY === true;
  // NO_COLOR asks for no colour, not for a scrolling log, so it only affects `color`.
  const interactive = options.interactive ?? tty;
  const color = options.color ?? (tty && process.env["NO_COLOR"] === undefined);
  const silent = options.silent ?? false;
  const now = options.now ?? Date.now;
  let meter: MavenMeter | undefined;
  const write = (text: string) => {
    if (!silent && text !== "") {
      stream.write(text);
    }
  };
  const start = () => {
    meter = new MavenMeter({ interactive, startedAt: now(), columns: () => stream.columns });
    return meter;
  };
  return {
    phase(text) {
      write(meter?.interrupt() ?? "");
      write(color ? `\x1b[1m==> ${text}\x1b[0m\n` : `==> ${text}\n`);
    },
    detail(text) {
      write(meter?.interrupt() ?? "");
      write(`    ${text}\n`);
    },
    mavenStart() {
      write(meter?.interrupt() ?? "");
      start();
    },
    maven(line) {
      write((meter ?? start()).line(line, now()));
    },
    tick() {
      write(meter?.tick(now()) ?? "");
    },
    mavenEnd(ok) {
      write(meter?.finish(now(), ok) ?? "");
      meter = undefined;
    },
    flush() {
      write(meter?.interrupt() ?? "");
    },
  };
}

export interface MavenMeterOptions {
  /** Redraw one status line in place (a TTY) instead of printing occasional plain lines. */
  readonly interactive: boolean;
  /** When Maven was started (ms, same clock as the `now` arguments). */
  readonly startedAt: number;
  /** Terminal width, read at each redraw: a line that wraps can no longer be erased with `\r`. */
  readonly columns?: () => number | undefined;
}

/** TTY: redraws closer together than this are folded into one (a burst of small poms). */
const REDRAW_MS = 100;
/** Quiet this long, the status names the file still downloading and for how long. */
const QUIET_MS = 5_000;
/** No TTY: a "so far" line at most this often... */
const REPORT_MS = 5_000;
/** ...or once this much more has arrived, whichever comes first. */
const REPORT_BYTES = 10e6;
/** No TTY: while Maven is quiet, a "still downloading" line this often. */
const QUIET_REPORT_MS = 10_000;

/**
 * Turns Maven's output into progress text, without I/O or a clock of its
 * own: each method takes the time and returns what to write ("" for
 * nothing), so the whole behaviour can be replayed in tests.
 */
export class MavenMeter {
  private files = 0;
  private bytes = 0;
  private lastFile: string | undefined;
  /** Started, unfinished downloads by URL (Maven fetches several at once), oldest first. */
  private readonly inFlight = new Map<string, { name: string; since: number }>();
  private lastLineAt: number;
  /** TTY: a status line is on screen without its newline. */
  private live = false;
  private drawnAt = Number.NEGATIVE_INFINITY;
  /** TTY: counts changed since the last redraw. */
  private stale = false;
  private reportedAt: number;
  private reportedFiles = 0;
  private reportedBytes = 0;

  constructor(private readonly options: MavenMeterOptions) {
    this.lastLineAt = options.startedAt;
    this.reportedAt = options.startedAt;
  }

  line(raw: string, now: number): string {
    this.lastLineAt = now;
    // Maven's launcher emits colour resets ahead of its first line even with -B.
    const line = stripAnsi(raw);
    const started = parseMavenDownloadStart(line);
    if (started !== undefined) {
      this.inFlight.set(started.url, { name: started.name, since: now });
      return "";
    }
    const transfer = parseMavenTransfer(line);
    if (transfer === undefined) {
      return /^\[(ERROR|WARNING)\]/.test(line) ? `${this.interrupt()}    mvn: ${line}\n` : "";
    }
    this.inFlight.delete(transfer.url);
    this.files += 1;
    this.bytes += transfer.bytes;
    this.lastFile = transfer.name;
    if (this.options.interactive) {
      this.stale = true;
      return now - this.drawnAt >= REDRAW_MS ? this.draw(now) : "";
    }
    const due = now - this.reportedAt >= REPORT_MS || this.bytes - this.reportedBytes >= REPORT_BYTES;
    return due ? this.report(now) : "";
  }

  tick(now: number): string {
    const quietFor = now - this.lastLineAt;
    if (this.options.interactive) {
      // While quiet the seconds counter moves, so redraw even with no new file.
      return quietFor >= QUIET_MS || this.stale ? this.draw(now) : "";
    }
    if (quietFor >= QUIET_REPORT_MS && now - this.reportedAt >= QUIET_REPORT_MS) {
      return this.report(now);
    }
    // Files that arrived just before a lull would otherwise wait for the totals line.
    const pending = this.files !== this.reportedFiles && now - this.reportedAt >= REPORT_MS;
    return pending ? this.report(now) : "";
  }

  /** Ends the status line so other output starts on a line of its own. */
  interrupt(): string {
    if (!this.live) {
      return "";
    }
    this.live = false;
    return "\n";
  }

  /** The totals line; on a TTY it replaces the status line. */
  finish(now: number, ok: boolean): string {
    const took = formatDuration(now - this.options.startedAt);
    const size = formatBytes(this.bytes);
    let text: string;
    if (!ok) {
      text = `mvn: failed after ${took} (${count(this.files, "file")}, ${size} downloaded)`;
    } else if (this.files === 0) {
      text = `mvn: nothing to download (all in the local Maven repository), ${took}`;
    } else {
      text = `mvn: downloaded ${count(this.files, "file")}, ${size} in ${took}`;
    }
    const erase = this.live ? "\r\x1b[K" : "";
    this.live = false;
    return `${erase}    ${text}\n`;
  }

  private draw(now: number): string {
    this.drawnAt = now;
    this.stale = false;
    this.live = true;
    const text = `    mvn: ${count(this.files, "file")}, ${formatBytes(this.bytes)} downloaded (${this.activity(now)})`;
    const columns = this.options.columns?.();
    // One column spare: writing into the last one makes some terminals wrap early.
    const fitted = columns !== undefined && columns > 1 && text.length >= columns ? text.slice(0, columns - 1) : text;
    return `\r\x1b[K${fitted}`;
  }

  private report(now: number): string {
    this.reportedAt = now;
    this.reportedFiles = this.files;
    this.reportedBytes = this.bytes;
    const quiet = now - this.lastLineAt >= QUIET_MS;
    const detail = quiet ? this.activity(now) : formatDuration(now - this.options.startedAt);
    return `    mvn: ${count(this.files, "file")}, ${formatBytes(this.bytes)} so far (${detail})\n`;
  }

  /** What Maven is doing: the file it just finished, or, when quiet, the oldest one still coming. */
  private activity(now: number): string {
    if (now - this.lastLineAt < QUIET_MS && this.lastFile !== undefined) {
      return this.lastFile;
    }
    const oldest = this.inFlight.values().next();
    if (!oldest.done) {
      return `still downloading ${oldest.value.name}, ${formatDuration(now - oldest.value.since)}`;
    }
    return `waiting on maven, ${formatDuration(now - this.lastLineAt)}`;
  }
}

/** Parses Maven's `Downloaded from central: https://…/x-1.jar (1.2 MB at 3.4 MB/s)`. */
export function parseMavenTransfer(line: string): { url: string; name: string; bytes: number } | undefined {
  const match = /Downloaded from [^:]+: (\S+) \(([\d.,]+) (B|kB|KB|MB|GB)/.exec(line);
  if (match === null) {
    return undefined;
  }
  const unit = { B: 1, kB: 1e3, KB: 1e3, MB: 1e6, GB: 1e9 }[match[3] as "B" | "kB" | "KB" | "MB" | "GB"];
  const url = match[1] ?? "";
  return { url, name: fileName(url), bytes: Math.round(Number((match[2] ?? "0").replace(",", "")) * unit) };
}

/** Parses Maven's `Downloading from central: https://…/x-1.jar`. */
export function parseMavenDownloadStart(line: string): { url: string; name: string } | undefined {
  const match = /Downloading from [^:]+: (\S+)/.exec(line);
  return match === null ? undefined : { url: match[1] ?? "", name: fileName(match[1] ?? "") };
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

function fileName(url: string): string {
  return url.split("/").pop() ?? "";
}

function stripAnsi(line: string): string {
  return line.replace(/\x1b\[[0-9;]*[A-Za-z]/g, "");
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1e6) {
    return `${(bytes / 1e6).toFixed(1)} MB`;
  }
  return bytes >= 1e3 ? `${(bytes / 1e3).toFixed(0)} kB` : `${bytes} B`;
}

export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  return seconds < 60 ? `${seconds} s` : `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}
