import type { CliIO } from '../../src/cli/io.js';
import { REPO_ROOT } from './shared.js';

/** A CliIO that records what a command prints, for in-process CLI tests. */
export function captureIO(overrides: Partial<CliIO> = {}): CliIO & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    stdout(text: string) {
      io.out += text;
    },
    stderr(text: string) {
      io.err += text;
    },
    cwd: REPO_ROOT,
    env: {},
    stdoutIsTTY: false,
    ...overrides,
  };
  return io;
}
