/**
 * One subprocess of `verify`: its own process group (a timeout or Ctrl-C ends pip and the compilers
 * it started, not only pip), a deadline, output kept in memory up to a cap and optionally in a log
 * file (URLs' credentials removed), and the wall time it took.
 */
import { spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { redactUrlsIn } from '../safe-text.js';

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** Ended by the abort signal (Ctrl-C). */
  aborted: boolean;
  /** The command could not be started (ENOENT …). */
  spawnError: string | null;
  seconds: number;
}

export interface RunOptions {
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  timeoutMs: number;
  /**
   * Appended with the command's output line by line as it comes (stderr and stdout interleaved),
   * URLs redacted: pip 23.0.1 prints a direct URL's password ("Collecting x@ https://u:p@...").
   */
  logFile?: string;
  signal?: AbortSignal;
  input?: string;
  /** The log file's limit (default `MAX_LOG`). */
  maxLogBytes?: number;
}

const CAP = 8 * 1024 * 1024;
/** A log longer than this is cut, with a line saying so (a build can print without end). */
export const MAX_LOG = 64 * 1024 * 1024;
/** A partial line longer than this is written up to its last space, keeping `KEEP_PARTIAL` characters open. */
export const MAX_PARTIAL = 64 * 1024;
const KEEP_PARTIAL = 2 * 1024;

export function runProcess(command: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
  const started = process.hrtime.bigint();
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    let aborted = false;
    let settled = false;
    const child = spawn(command, args, { cwd: options.cwd, env: options.env as NodeJS.ProcessEnv, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    const killGroup = (): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, options.timeoutMs);
    const onAbort = (): void => {
      aborted = true;
      killGroup();
    };
    if (options.signal?.aborted) onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    // Whole lines only, so that no URL is cut in two before it is redacted; each stream has its own
    // partial line. A build's output is a stranger's: a line that never ends is written up to its
    // last space (a URL has none) once it passes MAX_PARTIAL, and the log stops at its limit.
    const partial = { stdout: '', stderr: '' };
    let logged = 0;
    const maxLog = options.maxLogBytes ?? MAX_LOG;
    const write = (text: string): void => {
      if (!options.logFile || logged >= maxLog || text.length === 0) return;
      const clean = redactUrlsIn(text);
      const room = maxLog - logged;
      appendFileSync(options.logFile, clean.length <= room ? clean : `${clean.slice(0, clean.lastIndexOf('\n', room) + 1)}[log cut at ${maxLog} characters]\n`);
      logged += clean.length <= room ? clean.length : room;
    };
    const log = (stream: 'stdout' | 'stderr', chunk: string, last = false): void => {
      if (!options.logFile) return;
      const end = chunk.lastIndexOf('\n');
      if (last || end !== -1) {
        const upTo = last ? chunk.length : end + 1;
        write(partial[stream] + chunk.slice(0, upTo));
        partial[stream] = chunk.slice(upTo);
      } else {
        partial[stream] += chunk;
      }
      const open = partial[stream];
      if (open.length > MAX_PARTIAL) {
        const space = open.lastIndexOf(' ', open.length - KEEP_PARTIAL);
        if (space > 0) {
          write(open.slice(0, space + 1));
          partial[stream] = open.slice(space + 1);
        } else {
          write(`[${open.length - KEEP_PARTIAL} characters with no space or line end left out]\n`);
          partial[stream] = open.slice(-KEEP_PARTIAL);
        }
      }
    };
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      if (stdout.length < CAP) stdout += chunk;
      log('stdout', chunk);
    });
    child.stderr.on('data', (chunk: string) => {
      if (stderr.length < CAP) stderr += chunk;
      log('stderr', chunk);
    });
    const finish = (code: number | null, signal: NodeJS.Signals | null, spawnError: string | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      log('stdout', '', true);
      log('stderr', '', true);
      // The group may hold compilers pip left behind when it was killed.
      if (timedOut || aborted) killGroup();
      resolve({ code, signal, stdout, stderr, timedOut, aborted, spawnError, seconds: Number(process.hrtime.bigint() - started) / 1e9 });
    };
    child.on('error', (error: NodeJS.ErrnoException) => finish(null, null, error.code ?? error.message));
    child.on('close', (code, signal) => finish(code, signal, null));
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}
