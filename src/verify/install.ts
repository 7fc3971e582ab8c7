/**
 * The temporary environment `verify` installs into: a venv of the PyPy being measured (never the
 * user's environment), then one `pip install --no-deps` per package in dependency order, so that one
 * failure does not hide the others, each with its timeout and its log kept. Reading a build log
 * (the first compiler error, "no C compiler") is pure and tested on recorded logs.
 */
import { writeFileSync } from 'node:fs';
import { devNull } from 'node:os';
import { join } from 'node:path';
import { oneLine, redactUrlsIn } from '../safe-text.js';
import type { PipChoice } from './pip-report.js';
import { runProcess, type RunResult } from './run.js';

export type InstallOutcome =
  | { kind: 'wheel'; seconds: number }
  | { kind: 'built'; seconds: number }
  | { kind: 'build-failed'; seconds: number; reason: string }
  | { kind: 'install-failed'; seconds: number; reason: string }
  | { kind: 'timed-out'; seconds: number };

export interface VenvPaths {
  dir: string;
  python: string;
  /** purelib and platlib (the same directory on Linux). */
  sitePackages: string[];
}

/** Environment given to every pip run, besides the index settings. */
export function pipEnv(base: Readonly<Record<string, string | undefined>>, work: string): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...base };
  // A venv's pip must not see another environment's settings.
  delete env['VIRTUAL_ENV'];
  delete env['PYTHONPATH'];
  delete env['PYTHONHOME'];
  delete env['PIP_REQUIRE_VIRTUALENV'];
  delete env['PIP_USER'];
  delete env['PIP_TARGET'];
  delete env['PIP_PREFIX'];
  // pip sees the scan's indexes and nothing else: no configuration file (its index-url,
  // extra-index-url and find-links would make pip look where the scan did not), no find-links.
  delete env['PIP_FIND_LINKS'];
  delete env['PIP_NO_INDEX'];
  return {
    ...env,
    PIP_CONFIG_FILE: devNull,
    PIP_DISABLE_PIP_VERSION_CHECK: '1',
    PIP_NO_INPUT: '1',
    PIP_NO_COLOR: '1',
    PIP_PROGRESS_BAR: 'off',
    // Builds are measured from scratch, and the user's cache is left alone.
    PIP_CACHE_DIR: join(work, 'pip-cache'),
    PYTHONIOENCODING: 'utf-8',
    LC_ALL: 'C.UTF-8',
  };
}

/** The last non-empty line of some output, redacted and on one line. */
export function lastLine(text: string): string {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  return oneLine(redactUrlsIn(lines[lines.length - 1] ?? ''), 240);
}

/** A compiler that could not be started (gcc/cc/clang not installed), as setuptools and the shell say it. */
const NO_COMPILER = [
  /\b(?:gcc|cc|clang|x86_64-linux-gnu-gcc|aarch64-linux-gnu-gcc): (?:command )?not found/,
  /error: Microsoft Visual C\+\+ [\d.]+ or greater is required/,
];

/**
 * setuptools' words for a command that is not there: "error: command 'cc' failed: No such file
 * or directory" (setuptools 66 on Debian's PyPy 7.3.11 with no cc on PATH), "unable to execute
 * 'gcc': ..." (older ones).
 */
const MISSING_COMMAND = /(?:command|unable to execute) '([^'\n]+)'(?: failed)?: No such file or directory/g;
const COMPILER_NAME = /(?:^|[/-])(?:gcc|cc|clang|c\+\+|g\+\+)(?:-[\d.]+)?$/;

/** Is a missing command the C compiler: named like one, or the command of the log's compile line (`$CC ... -c file.c`)? */
function isMissingCompiler(log: string): boolean {
  const missing = new Set<string>();
  for (const [, command] of log.matchAll(MISSING_COMMAND)) {
    if (COMPILER_NAME.test(command!)) return true;
    missing.add(command!);
  }
  if (missing.size === 0) return false;
  // One pass over the lines, whatever the number of missing commands: the log is a build's output.
  for (const line of log.split('\n')) {
    if (!COMPILE_STEP.test(line)) continue;
    if (missing.has(line.trimStart().split(/[ \t]/, 1)[0]!)) return true;
  }
  return false;
}
/** A compile line: `<command> ... -c file.c` (or .cc, .cpp, .cxx). */
const COMPILE_STEP = / -c \S+\.(?:c|cc|cpp|cxx)\b/;

/** gcc's and clang's error lines: `file.c:1:10: fatal error: x.h: No such file or directory`. */
const COMPILER_ERROR = /^[ \t]*([^\s:][^:\n]*:\d+(?::\d+)?: (?:fatal )?error: .*)$/m;

/** Why a build failed, from its log: "no C compiler", the first compiler error line, or pip's last error. */
export function buildFailureReason(log: string): string {
  if (isMissingCompiler(log) || NO_COMPILER.some((re) => re.test(log))) return 'no C compiler';
  const compiler = COMPILER_ERROR.exec(log);
  if (compiler) return oneLine(redactUrlsIn(compiler[1]!.trim()), 240);
  // A linker or other tool: the first "error:" line that is not pip's own summary.
  const other = log.split('\n').map((l) => l.trim()).find((l) => /\berror:/.test(l) && !/subprocess-exited-with-error|metadata-generation-failed|failed-wheel-build|legacy-install-failure|^error: command '.*' failed with exit code/.test(l));
  return other ? oneLine(redactUrlsIn(other), 240) : lastLine(log);
}

/** Did pip fail while building (rather than downloading or installing)? */
export function isBuildFailure(log: string): boolean {
  return /Failed building wheel for|Failed to build |error: subprocess-exited-with-error|metadata-generation-failed|legacy-install-failure|Running setup\.py install for .* error/.test(log);
}

/** The outcome of one `pip install --no-deps` run. */
export function installOutcome(choice: Pick<PipChoice, 'wheel'>, run: Pick<RunResult, 'code' | 'timedOut' | 'stdout' | 'stderr' | 'seconds' | 'spawnError'>): InstallOutcome {
  const seconds = run.seconds;
  if (run.timedOut) return { kind: 'timed-out', seconds };
  if (run.spawnError !== null) return { kind: 'install-failed', seconds, reason: `could not start pip: ${run.spawnError}` };
  const log = `${run.stdout}\n${run.stderr}`;
  if (run.code === 0) return { kind: choice.wheel ? 'wheel' : 'built', seconds };
  if (!choice.wheel && isBuildFailure(log)) return { kind: 'build-failed', seconds, reason: buildFailureReason(log) };
  if (/\b401\b|\b403\b/.test(log) && /(Unauthorized|Forbidden|credentials|User for)/i.test(log)) return { kind: 'install-failed', seconds, reason: 'the index asked for credentials: give them in the index URL or in ~/.netrc' };
  return { kind: 'install-failed', seconds, reason: lastLine(run.stderr || run.stdout) };
}

/** Create the venv with pip (ensurepip) and read its site-packages. */
export async function createVenv(python: string, dir: string, env: Readonly<Record<string, string | undefined>>, signal: AbortSignal, logFile: string): Promise<VenvPaths | { error: string }> {
  const created = await runProcess(python, ['-m', 'venv', dir], { env, cwd: dir.replace(/\/[^/]+$/, ''), timeoutMs: 300_000, signal, logFile });
  if (created.aborted) return { error: 'interrupted' };
  if (created.code !== 0) {
    const text = `${created.stdout}\n${created.stderr}`;
    const ensurepip = /ensurepip/.test(text) ? ' (ensurepip is missing: on Debian and Ubuntu install pypy3-venv)' : '';
    return { error: `${python} -m venv failed${ensurepip}: ${lastLine(text)}` };
  }
  const venvPython = join(dir, 'bin', 'python');
  const paths = await runProcess(venvPython, ['-I', '-c', 'import json, sysconfig; p = sysconfig.get_paths(); print(json.dumps(sorted({p["purelib"], p["platlib"]})))'], { env, cwd: dir, timeoutMs: 60_000, signal });
  if (paths.code !== 0) return { error: `the new environment's python does not run: ${lastLine(paths.stderr)}` };
  return { dir, python: venvPython, sitePackages: JSON.parse(paths.stdout.trim().split('\n').pop() ?? '[]') as string[] };
}

/**
 * Install one package, without its dependencies (they come before it), from the same file pip's
 * report chose: `name==version` (or the direct URL) in a requirements file, so that nothing of the
 * index or a URL's credentials appears on a command line.
 */
export async function installOne(
  venv: VenvPaths,
  choice: PipChoice,
  requirement: string,
  options: { env: Readonly<Record<string, string | undefined>>; work: string; pipArgs: readonly string[]; timeoutMs: number; logFile: string; signal: AbortSignal },
): Promise<InstallOutcome> {
  const reqFile = join(options.work, `req-${choice.name}.txt`);
  writeFileSync(reqFile, `${requirement}\n`, { mode: 0o600 });
  const run = await runProcess(venv.python, ['-m', 'pip', 'install', '--no-deps', ...options.pipArgs, '-r', reqFile], {
    env: options.env,
    cwd: options.work,
    timeoutMs: options.timeoutMs,
    logFile: options.logFile,
    signal: options.signal,
  });
  if (run.aborted) return { kind: 'install-failed', seconds: run.seconds, reason: 'interrupted' };
  return installOutcome(choice, run);
}
