/**
 * The suite's progress on stderr. On a TTY: one bar redrawn in place with
 * `\r` (overall share, current step, elapsed). Otherwise (CI, pipes): one
 * line per step started and finished, no control characters.
 */
export interface ProgressBar {
  step(index: number, total: number, label: string): void;
  /** Fraction of the whole suite done, 0..1. */
  update(fraction: number): void;
  /** A line printed above the bar (a step's outcome). */
  note(text: string): void;
  done(): void;
}

const WIDTH = 28;

export function createProgressBar(stream: NodeJS.WriteStream = process.stderr): ProgressBar {
  const tty = stream.isTTY === true;
  const started = Date.now();
  let label = "";
  let fraction = 0;
  let lastDraw = 0;
  let drawn = false;
  const draw = (force = false) => {
    if (!tty) return;
    const now = Date.now();
    if (!force && now - lastDraw < 100) return;
    lastDraw = now;
    const filled = Math.round(fraction * WIDTH);
    const secs = Math.round((now - started) / 1000);
    const line = `[${"#".repeat(filled)}${"-".repeat(WIDTH - filled)}] ${(100 * fraction).toFixed(0).padStart(3)}%  ${secs}s  ${label}`;
    const cols = stream.columns ?? 100;
    stream.write(`\r\x1b[2K${line.slice(0, cols - 1)}`);
    drawn = true;
  };
  const clear = () => {
    if (tty && drawn) stream.write("\r\x1b[2K");
    drawn = false;
  };
  return {
    step(index, total, text) {
      label = `[${index + 1}/${total}] ${text}`;
      if (tty) draw(true);
      else stream.write(`==> ${label}\n`);
    },
    update(f) {
      fraction = Math.max(fraction, Math.min(1, f));
      draw();
    },
    note(text) {
      clear();
      stream.write(`    ${text}\n`);
      draw(true);
    },
    done() {
      fraction = 1;
      clear();
    },
  };
}
