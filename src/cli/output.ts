/**
 * Terminal output for `check`, `register` and `tail`: results on stdout,
 * progress on stderr, colour only when the stream is a TTY and `NO_COLOR` is
 * unset (https://no-color.org), so piped output and CI logs stay plain.
 */
export interface Style {
  readonly red: (text: string) => string;
  readonly green: (text: string) => string;
  readonly yellow: (text: string) => string;
  readonly dim: (text: string) => string;
  readonly bold: (text: string) => string;
}

export function createStyle(stream: NodeJS.WriteStream = process.stdout): Style {
  const on = stream.isTTY === true && process.env["NO_COLOR"] === undefined;
  const wrap = (open: number, close: number) => (text: string) => (on ? `\x1b[${open}m${text}\x1b[${close}m` : text);
  return {
    red: wrap(31, 39),
    green: wrap(32, 39),
    yellow: wrap(33, 39),
    dim: wrap(2, 22),
    bold: wrap(1, 22),
  };
}

export interface Progress {
  /** One line on stderr; suppressed with `--quiet` (and with `--json`, so machine output stays alone on stdout). */
  step(text: string): void;
}

export function createProgress(quiet: boolean): Progress {
  return {
    step(text) {
      if (!quiet) {
        process.stderr.write(`logwire: ${text}\n`);
      }
    },
  };
}

/** Writes one line to stdout. */
export function printLine(text: string): void {
  process.stdout.write(`${text}\n`);
}

/** Environment defaults shared by the commands, the same names the tests and the dev stack use; empty counts as unset. */
export function defaultRegistryUrl(): string {
  return process.env["LOGWIRE_REGISTRY_URL"] || "http://127.0.0.1:18081/apis/ccompat/v7";
}

export function defaultBrokers(): string {
  return process.env["LOGWIRE_BROKERS"] || "127.0.0.1:19092";
}
