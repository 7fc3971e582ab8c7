/**
 * What a CLI command may touch. Commands receive this instead of reaching for `process`, so tests
 * can run them in-process and capture everything they print.
 */
export interface CliIO {
  stdout(text: string): void;
  stderr(text: string): void;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdoutIsTTY: boolean;
  /** Whether stdin and stderr are terminals (the interactive audit needs both stdin and stdout; progress goes to a terminal's stderr). */
  readonly stdinIsTTY?: boolean;
  readonly stderrIsTTY?: boolean;
  /** The terminal's width in columns; undefined when stdout is not a terminal (or not known). */
  readonly stdoutColumns?: number | undefined;
  /** Whether the stdout terminal shows colour under `env` (Node's `hasColors`); false when not a terminal. */
  stdoutHasColors?(env: Readonly<Record<string, string | undefined>>): boolean;
  /** The clock (ignores lapse by date); the real one when absent. Tests inject one. */
  now?(): Date;
}

/** A command's result is its exit code: 0 clean, 1 findings, 2 usage or input error, 3 index unreachable. */
export type Command = (argv: string[], io: CliIO) => Promise<number>;

export const EXIT_OK = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_USAGE = 2;
export const EXIT_UNREACHABLE = 3;

/** A mistake in how the tool was called: shown as one line, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export function processIO(): CliIO {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    cwd: process.cwd(),
    env: process.env,
    stdoutIsTTY: process.stdout.isTTY === true,
    stdinIsTTY: process.stdin.isTTY === true,
    stderrIsTTY: process.stderr.isTTY === true,
    // Read when asked: the window may have been resized while the scan ran.
    get stdoutColumns() {
      return process.stdout.isTTY === true ? process.stdout.columns : undefined;
    },
    stdoutHasColors: (env) => process.stdout.isTTY === true && process.stdout.hasColors(env),
  };
}
