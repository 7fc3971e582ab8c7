/**
 * `pypy-ready [scan] [PATH...]`: the full audit. Parses options, calls `scan()`, renders, writes, and
 * turns the result into an exit code. Nothing here decides a verdict.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { appendFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { oneLine } from '../../safe-text.js';
import { poetryToPep440 } from '../../manifests/poetry-constraint.js';
import { readToml, tableAt } from '../../manifests/toml-document.js';
import { cpythonBaseline } from '../../targets/compare.js';
import { parseArgs } from 'node:util';
import { SEVERITY_RANK } from '../../assess/types.js';
import { renderJobSummary, SUMMARY_LIMIT_BYTES } from '../../report/github.js';
import { isReportFormat, REPORT_FORMATS, RENDERERS, type ReportFormat } from '../../report/index.js';
import { blockersByChain, bottomLine, formatBlockerChains, formatBottomLine } from '../../report/bottom-line.js';
import { colorEnabled, DEFAULT_WIDTH, inline, lineWidth, neutraliseWorkflowCommands } from '../../report/terminal.js';
import { DEFAULT_TARGETS, scan, type ScanOptions, type ScanProgress } from '../../scan/index.js';
import { toolVersion } from '../../version.js';
import { compareWithBaseline } from '../../scan/baseline.js';
import { counts as countsTowardsExit, today } from '../../scan/ignores.js';
import { findConfig, loadConfig, type Config } from '../../config/config.js';
import type { ScanResult } from '../../scan/types.js';
import { PLATFORM_IDS } from '../../targets/platforms.js';
import { EXIT_FINDINGS, EXIT_OK, EXIT_UNREACHABLE, EXIT_USAGE, UsageError, type CliIO, type Command } from '../io.js';
import { TARGET_OPTION_SPEC, targetOptionsFrom } from './tags.js';
import { compileExcludes } from '../../manifests/ignore-rules.js';

export const SCAN_HELP = `Usage: pypy-ready [scan] [PATH...] [options]

Scan the Python manifests under each PATH (default: .) and tell, for each dependency, whether it
installs and runs well on the target PyPy, with the evidence and a fix.

Targets:
  --target ID             repeatable; default ${DEFAULT_TARGETS.join(' and ')} (see \`pypy-ready targets\`)
  --compare               the targets (default: the PyPy lines above) side by side with the CPython
                          baseline the project's requires-python allows (CPython 3.11 by default)
  --platform P            ${PLATFORM_IDS.join(' | ')}
  --glibc X.Y             glibc baseline for manylinux (default 2.28); --musl X.Y, --macos X.Y likewise
Scanning:
  --exclude GLOB          repeatable: leave out paths that match (gitignore syntax, relative to
                          each PATH: \`tools/legacy\`, \`**/fixtures/\`, \`/build\`); also a config key
  --no-gitignore          walk what .gitignore files ignore too (honoured by default); a PATH
                          named on the command line is scanned either way
  --no-usage              do not read the project's Python files for where each package is
                          imported (read by default: web, workers, commands, tests, scripts)
  --venv PATH             the virtual environment whose dist-info maps import names to
                          distributions (default: .venv or venv in the project)
Index:
  --index-url URL         primary index (default https://pypi.org/simple/, or PIP_INDEX_URL)
  --extra-index-url URL   repeatable; also PIP_EXTRA_INDEX_URL
  --offline               answer from the cache only; the rest is "unknown"
  --cache-dir DIR         cache location: index answers, and the imports read from the code
                          (default: the user cache directory)
  --no-cache              do not read or write the cache
  --concurrency N         parallel requests (default 16)
  --timeout SECONDS       deadline of each request, body and retries included (default 30)
pip's file choice (as in pip; requirements files' own lines apply after these):
  --only-binary NAMES     :all:, :none: or package names: wheels only for those
  --no-binary NAMES       :all:, :none: or package names: sdists only for those
  --prefer-binary         an older release with a wheel beats a newer sdist-only one
  --pre                   allow pre-releases
Output:
  --interactive           the interactive audit (the default on a terminal, outside CI)
  --no-interactive        the plain report even on a terminal
  --format FORMAT[=FILE]  repeatable: ${REPORT_FORMATS.join(', ')}; default text (a plain report).
                          With =FILE the report goes to FILE (written whole or not at all)
  --output FILE           write the one report without =FILE to FILE instead of stdout
  --fail-on LEVEL         error (default) | warning | never: exit 1 when a finding is at least LEVEL
  --baseline REF_OR_FILE  PR mode: compare with a git ref (its manifests, scanned the same way) or a
                          saved JSON report; list and fail on only what is new or worse
  --quiet                 print nothing when nothing reaches --fail-on; else only the bottom line
                          and the blockers (a commit hook's output)
  --if-unreachable WHAT   fail (default: exit 3) | warn: when no index answers, warn and exit 0
                          (a hook where the network is blocked)
  --verbose               show evidence for packages that are fine too
Configuration:
  --config FILE           read options and ignores from FILE (default: the nearest pypy-ready.toml,
                          or pyproject.toml with [tool.pypy-ready], above the first PATH)
  --no-config             read no configuration file
Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage error or a manifest that could not be
read (the report of the rest is still printed), 3 no index answered (every package unknown),
130 the interactive audit was interrupted (Ctrl-C).
`;

const FAIL_ON = ['error', 'warning', 'never'] as const;

/** Write the whole report or nothing: a temp file beside the target, then rename. */
export async function writeAtomically(path: string, text: string): Promise<void> {
  const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(temp, text, { flag: 'wx' });
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw new UsageError(`cannot write ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

function useColor(io: CliIO): boolean {
  return colorEnabled({ isTTY: io.stdoutIsTTY, hasColors: io.stdoutHasColors?.bind(io), env: io.env });
}

export function exitCodeFor(result: ScanResult, failOn: (typeof FAIL_ON)[number]): number {
  // Part of the input was not read: the report is incomplete, whatever it says.
  if (result.errors.some((e) => e.kind === 'manifest' && e.severity === 'error')) return EXIT_USAGE;
  if (!result.indexReachable) return EXIT_UNREACHABLE;
  if (failOn === 'never') return EXIT_OK;
  const threshold = SEVERITY_RANK[failOn];
  // An ignored finding is still reported, but the team decided it does not fail the run.
  return result.findings.some((f) => countsTowardsExit(f) && SEVERITY_RANK[f.severity] >= threshold) ? EXIT_FINDINGS : EXIT_OK;
}

/** One report to produce: its format, and the file it goes to (null: stdout). */
export interface ReportOutput {
  format: ReportFormat;
  file: string | null;
}

/**
 * `--format` values (`text`, `sarif=pypy.sarif`) and `--output`: the reports to write. At most one
 * goes to stdout; `--output` takes the one given without a file (or the default text report).
 */
export function reportOutputs(formats: readonly string[], output: string | undefined, cwd: string): ReportOutput[] {
  const outputs = (formats.length > 0 ? formats : ['text']).map((value): ReportOutput => {
    const at = value.indexOf('=');
    const name = (at === -1 ? value : value.slice(0, at)).trim();
    if (!isReportFormat(name)) throw new UsageError(`unknown --format ${JSON.stringify(name.slice(0, 30))}; use ${REPORT_FORMATS.join(', ')}`);
    if (at !== -1 && value.slice(at + 1).trim() === '') throw new UsageError(`--format ${name}= needs a file name after "="`);
    return { format: name, file: at === -1 ? null : resolve(cwd, value.slice(at + 1)) };
  });
  const toStdout = outputs.filter((o) => o.file === null);
  if (toStdout.length > 1) throw new UsageError(`only one report can go to stdout (${toStdout.map((o) => o.format).join(', ')}): give the others a file with FORMAT=FILE`);
  if (output !== undefined) {
    if (toStdout.length === 0) throw new UsageError('--output names the file of the report given without =FILE, and every --format has its own file');
    toStdout[0]!.file = output;
  }
  const files = outputs.flatMap((o) => (o.file === null ? [] : [o.file]));
  const repeated = files.find((f, i) => files.indexOf(f) !== i);
  if (repeated !== undefined) throw new UsageError(`two reports would be written to ${repeated}`);
  return outputs;
}

/** The scan command's options, as `node:util` parseArgs reads them; the configuration's keys are the same names. */
export const SCAN_OPTIONS = {
  ...TARGET_OPTION_SPEC,
  target: { type: 'string', multiple: true },
  'index-url': { type: 'string', short: 'i' },
  'extra-index-url': { type: 'string', multiple: true },
  offline: { type: 'boolean' },
  'cache-dir': { type: 'string' },
  'no-cache': { type: 'boolean' },
  concurrency: { type: 'string' },
  timeout: { type: 'string' },
  format: { type: 'string', multiple: true },
  output: { type: 'string', short: 'o' },
  'fail-on': { type: 'string' },
  verbose: { type: 'boolean', short: 'v' },
  'only-binary': { type: 'string', multiple: true },
  'no-binary': { type: 'string', multiple: true },
  'prefer-binary': { type: 'boolean' },
  pre: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  interactive: { type: 'boolean' },
  'no-interactive': { type: 'boolean' },
  baseline: { type: 'string' },
  quiet: { type: 'boolean', short: 'q' },
  'if-unreachable': { type: 'string' },
  config: { type: 'string' },
  'no-config': { type: 'boolean' },
  compare: { type: 'boolean' },
  exclude: { type: 'string', multiple: true },
  'no-gitignore': { type: 'boolean' },
  'no-usage': { type: 'boolean' },
  venv: { type: 'string' },
} as const satisfies Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }>;

/** Options that only make sense on the command line. */
const NOT_IN_CONFIG: ReadonlySet<string> = new Set(['help', 'config', 'no-config', 'interactive']);

/**
 * The project's `requires-python` (PEP 621, or Poetry's `python` dependency), from the pyproject.toml
 * at `path` (or in it, when a directory); null when there is none or it cannot be read: the
 * comparison then uses the PyPy targets' Python.
 */
function requiresPythonAt(path: string): string | null {
  const file = path.endsWith('pyproject.toml') ? path : join(path, 'pyproject.toml');
  let text: string;
  try {
    if (!statSync(file).isFile() || statSync(file).size > 4 * 1024 * 1024) return null;
    text = readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  const document = readToml(text, file);
  if (!document.ok) return null;
  const pep621 = tableAt(document.data, 'project')?.['requires-python'];
  if (typeof pep621 === 'string') return pep621;
  const poetry = tableAt(document.data, 'tool', 'poetry', 'dependencies')?.['python'];
  if (typeof poetry !== 'string') return null;
  const converted = poetryToPep440(poetry);
  return converted.ok ? converted.specifier : null;
}

/** parseArgs leaves an option it did not see undefined; only the ones given override the configuration. */
function definedOnly<T extends Record<string, unknown>>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** The configuration: `--config FILE`, else the nearest one above the first path; none with `--no-config`. */
function configFor(values: { config?: string | undefined; 'no-config'?: boolean | undefined }, positionals: readonly string[], io: CliIO): Config | null {
  if (values['no-config'] && values.config !== undefined) throw new UsageError('--config and --no-config cannot be combined');
  if (values['no-config']) return null;
  const file = values.config !== undefined ? resolve(io.cwd, values.config) : findConfig(resolve(io.cwd, positionals[0] ?? '.'));
  return file === null ? null : loadConfig(file, SCAN_OPTIONS, io.cwd, NOT_IN_CONFIG);
}

export function parseScanArgs(argv: string[], io: CliIO): ReturnType<typeof parseMergedArgs> {
  const { values: cliValues, positionals } = parseArgs({ args: argv, allowPositionals: true, strict: true, options: SCAN_OPTIONS });
  // The command line beats the configuration, which beats the defaults.
  const config = cliValues.help ? null : configFor(cliValues, positionals, io);
  const values = { ...(config?.values ?? {}), ...definedOnly(cliValues) } as typeof cliValues;
  if (cliValues['interactive'] !== undefined || cliValues['no-interactive'] !== undefined) {
    values['no-interactive'] = cliValues['no-interactive'];
    values.interactive = cliValues.interactive;
  }
  try {
    return parseMergedArgs(values, positionals, config, io);
  } catch (error) {
    // A bad value that came from the configuration is named by its file and line there.
    const option = error instanceof UsageError ? /--([a-z-]+)/.exec(error.message)?.[1] : undefined;
    if (config && option !== undefined && config.lines[option] !== undefined && (cliValues as Record<string, unknown>)[option] === undefined) {
      throw new UsageError(`${config.file}:${config.lines[option]}: ${(error as Error).message}`);
    }
    throw error;
  }
}

type ScanValues = ReturnType<typeof parseArgs<{ args: string[]; allowPositionals: true; strict: true; options: typeof SCAN_OPTIONS }>>['values'];

function parseMergedArgs(values: ScanValues, positionals: string[], config: Config | null, io: CliIO): { options: ScanOptions; outputs: ReportOutput[]; failOn: (typeof FAIL_ON)[number]; verbose: boolean; help: boolean; interactive: boolean; baseline: string | null; quiet: boolean; ifUnreachable: 'fail' | 'warn' } {
  const outputs = reportOutputs(values.format ?? [], values.output === undefined ? undefined : resolve(io.cwd, values.output), io.cwd);
  const failOn = values['fail-on'] ?? 'error';
  if (!(FAIL_ON as readonly string[]).includes(failOn)) throw new UsageError(`unknown --fail-on ${JSON.stringify(failOn.slice(0, 30))}; use error, warning or never`);
  let concurrency: number | undefined;
  if (values.concurrency !== undefined) {
    concurrency = Number(values.concurrency);
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256) throw new UsageError(`--concurrency must be an integer from 1 to 256, not ${JSON.stringify(values.concurrency.slice(0, 20))}`);
  }
  let timeoutMs: number | undefined;
  if (values.timeout !== undefined) {
    const seconds = /^\s*\d+(\.\d+)?\s*$/.test(values.timeout) ? Number(values.timeout) : NaN;
    if (!(seconds >= 0.1 && seconds <= 3600)) throw new UsageError(`--timeout must be a number of seconds from 0.1 to 3600, not ${JSON.stringify(values.timeout.slice(0, 20))}`);
    timeoutMs = Math.round(seconds * 1000);
  }
  if (values['no-cache'] && values.offline) throw new UsageError('--offline needs the cache; it cannot be combined with --no-cache');

  const index: NonNullable<ScanOptions['index']> = {};
  if (values['index-url'] !== undefined) index.indexUrl = values['index-url'];
  if (values['extra-index-url'] !== undefined) index.extraIndexUrls = values['extra-index-url'];
  if (values.offline) index.offline = true;
  if (values['no-cache']) index.cacheDir = null;
  else if (values['cache-dir'] !== undefined) index.cacheDir = resolve(io.cwd, values['cache-dir']);
  if (concurrency !== undefined) index.concurrency = concurrency;
  // The deadline of a whole request; each attempt's silence limit is derived from it (pypi/client.ts).
  if (timeoutMs !== undefined) index.totalTimeoutMs = timeoutMs;

  const options: ScanOptions = {
    paths: positionals.length > 0 ? positionals : ['.'],
    cwd: io.cwd,
    env: io.env,
    targetOptions: targetOptionsFrom(values),
    index,
  };
  if (config && config.ignores.length > 0) {
    options.ignores = config.ignores;
    if (io.now) options.today = today(io.now());
  }
  if (values.target) options.targets = values.target;
  if (values.compare) {
    // The PyPy lines (given, or the defaults) beside the CPython the project runs today.
    const pypy = options.targets ?? [...DEFAULT_TARGETS];
    const baseline = cpythonBaseline(pypy, requiresPythonAt(resolve(io.cwd, positionals[0] ?? '.')));
    options.targets = pypy.includes(baseline.id) ? pypy : [...pypy, baseline.id];
  }
  if (values.exclude !== undefined) {
    const excludes = compileExcludes(values.exclude);
    if (!excludes.ok) throw new UsageError(excludes.problem);
    options.exclude = values.exclude;
  }
  if (values['no-gitignore']) options.gitignore = false;
  if (values['no-usage']) options.usage = false;
  if (values.venv !== undefined) {
    // Named on purpose: a typo must not quietly fall back to the name table.
    let isDirectory = false;
    try {
      isDirectory = statSync(resolve(io.cwd, values.venv)).isDirectory();
    } catch {
      throw new UsageError(`--venv ${oneLine(values.venv, 200)}: no such directory`);
    }
    if (!isDirectory) throw new UsageError(`--venv ${oneLine(values.venv, 200)}: not a directory`);
    options.venv = values.venv;
  }
  options.pip = {
    onlyBinary: values['only-binary'] ?? [],
    noBinary: values['no-binary'] ?? [],
    preferBinary: values['prefer-binary'] === true,
    pre: values.pre === true,
  };
  // The interactive audit: asked for, or by default on a terminal (stdin and stdout) outside CI when
  // no plain output was asked for. Exit codes are the same either way.
  if (values.interactive && values['no-interactive']) throw new UsageError('--interactive and --no-interactive cannot be combined');
  if (values.interactive && (values.format !== undefined || values.output !== undefined || values.baseline !== undefined)) throw new UsageError('--interactive cannot be combined with --format, --output or --baseline (they ask for a plain report)');
  if (values.baseline !== undefined && values.baseline.trim() === '') throw new UsageError('--baseline needs a git ref or a report file');
  const onTerminal = io.stdoutIsTTY && io.stdinIsTTY === true;
  if (values.interactive && !onTerminal) throw new UsageError('--interactive needs a terminal on stdin and stdout');
  const interactive =
    values.interactive === true ||
    (onTerminal && values['no-interactive'] !== true && values.format === undefined && values.output === undefined && values.baseline === undefined && values.quiet !== true && !isCI(io.env) && values.help !== true);
  const ifUnreachable = values['if-unreachable'] ?? 'fail';
  if (ifUnreachable !== 'fail' && ifUnreachable !== 'warn') throw new UsageError(`unknown --if-unreachable ${JSON.stringify(ifUnreachable.slice(0, 30))}; use fail or warn`);
  if (values.quiet && outputs.some((o) => o.format !== 'text' && o.file === null)) throw new UsageError('--quiet shortens the text report; the report on stdout is not text');
  return {
    options,
    outputs,
    interactive,
    baseline: values.baseline ?? null,
    quiet: values.quiet === true,
    ifUnreachable,
    failOn: failOn as (typeof FAIL_ON)[number],
    verbose: values.verbose === true,
    help: values.help === true,
  };
}

/**
 * GitHub reads an annotation's `file=` relative to the workspace: the report's paths (relative to
 * where the tool ran) are rebased onto `GITHUB_WORKSPACE` when it is set and elsewhere.
 */
function forWorkspace(result: ScanResult, io: CliIO): ScanResult {
  const rebase = workspacePath(io);
  if (rebase === null) return result;
  return {
    ...result,
    findings: result.findings.map((f) => ({ ...f, locations: f.locations.map((l) => ({ ...l, file: rebase(l.file) })) })),
    errors: result.errors.map((e) => (e.file === undefined ? e : { ...e, file: rebase(e.file) })),
  };
}

/** A report path (relative to where the tool ran) as GitHub reads it, or null when no rebasing is needed. */
function workspacePath(io: CliIO): ((file: string) => string) | null {
  const workspace = io.env['GITHUB_WORKSPACE'];
  if (!workspace || resolve(workspace) === resolve(io.cwd)) return null;
  return (file) => relative(resolve(workspace), resolve(io.cwd, file)).split(sep).join('/');
}

/**
 * The job summary for `--format github`: appended (other steps write there too) to
 * `$GITHUB_STEP_SUMMARY` when it is set, within what is left of GitHub's 1 MiB. A failure is a
 * warning: the annotations and the exit code stand.
 */
async function appendJobSummary(result: ScanResult, io: CliIO): Promise<void> {
  const path = io.env['GITHUB_STEP_SUMMARY'];
  if (!path) return;
  try {
    const used = await stat(path).then((s) => s.size, () => 0);
    const room = SUMMARY_LIMIT_BYTES - used;
    if (room < 1024) {
      io.stderr('pypy-ready: the job summary is already full (1 MiB); nothing added\n');
      return;
    }
    await appendFile(path, renderJobSummary(result, { maxBytes: room }));
  } catch (error) {
    io.stderr(`pypy-ready: could not write the job summary: ${inline((error as NodeJS.ErrnoException).code ?? (error as Error).message)}\n`);
  }
}

/**
 * PR mode's changed lines, as `file:line` keys in the form the GitHub annotations carry (rebased
 * onto the workspace like them): the manifest lines of the findings that differ from the baseline.
 */
async function changedLinesOf(result: ScanResult, commit: string, io: CliIO): Promise<Set<string>> {
  const { changedSince } = await import('../changed-lines.js');
  const locations = result.findings.flatMap((f) => f.locations);
  const changed = changedSince(commit, io.cwd, locations.map((l) => l.file));
  const rebase = workspacePath(io) ?? ((file: string) => file);
  return new Set(locations.filter((l) => changed(l.file, l.line)).map((l) => `${rebase(l.file)}:${l.line}`));
}

/** `CI` set to anything but an empty string or `false`, as CI services and `is-in-ci` read it. */
function isCI(env: Readonly<Record<string, string | undefined>>): boolean {
  const value = env['CI'];
  return value !== undefined && value !== '' && value !== 'false' && value !== '0';
}

/** Exit code of an audit the user interrupted with Ctrl-C (128 + SIGINT), as shells report it. */
export const EXIT_INTERRUPTED = 130;

/** The one-line progress a plain report shows on a terminal's stderr while it scans. */
function progressLine(io: CliIO): { onProgress: (p: ScanProgress) => void; done: () => void } {
  // A dumb terminal gets no escape sequence: the line is overwritten with spaces instead.
  const dumb = io.env['TERM'] === 'dumb';
  let shown = 0;
  const erase = (): string => (dumb ? `\r${' '.repeat(shown)}\r` : '\r\x1b[K');
  return {
    onProgress: (p) => {
      if (p.stage === 'done') return;
      const line = p.stage === 'manifests' ? 'pypy-ready: reading manifests...' : `pypy-ready: ${p.resolved}/${p.total} packages resolved, ${p.inFlight} requests in flight, ${p.cacheHits} from the cache${p.current ? ` (${inline(p.current).slice(0, 40)})` : ''}`;
      const width = Math.max(20, (io.stdoutColumns ?? 80) - 1);
      const text = line.slice(0, width);
      io.stderr(`${shown > 0 ? erase() : '\r'}${text}`);
      shown = text.length;
    },
    done: () => {
      if (shown > 0) io.stderr(erase());
    },
  };
}

export const scanCommand: Command = async (argv, io) => {
  const parsed = parseScanArgs(argv, io);
  if (parsed.help) {
    io.stdout(SCAN_HELP);
    return EXIT_OK;
  }
  if (parsed.interactive) {
    const { runAudit } = await import('../../tui/run.js');
    const outcome = await runAudit({ ...parsed.options, version: toolVersion(), cwd: io.cwd, env: io.env });
    if (outcome.kind === 'interrupted') return EXIT_INTERRUPTED;
    return exitCodeFor(outcome.result, parsed.failOn);
  }
  const progress = io.stderrIsTTY === true ? progressLine(io) : null;
  let result: ScanResult;
  try {
    result = await scan(progress ? { ...parsed.options, onProgress: progress.onProgress } : parsed.options);
  } finally {
    progress?.done();
  }
  let changedLines: ReadonlySet<string> | undefined;
  if (parsed.baseline !== null) {
    const { loadBaseline } = await import('../baseline-source.js');
    const baseline = await loadBaseline(parsed.baseline, { ...parsed.options, cwd: io.cwd });
    result = compareWithBaseline(result, baseline, baseline.label);
    if (baseline.commit !== undefined && parsed.outputs.some((o) => o.format === 'github')) changedLines = await changedLinesOf(result, baseline.commit, io);
  }
  // Every report is rendered before any is written, so a renderer's failure leaves no file behind.
  const reports = parsed.outputs.map(({ format, file }) => ({
    file,
    text:
      format === 'github'
        ? RENDERERS.github(forWorkspace(result, io), { color: false, verbose: parsed.verbose, width: DEFAULT_WIDTH, ...(changedLines ? { changedLines } : {}) })
        : RENDERERS[format](result, { color: file === null && useColor(io), verbose: parsed.verbose, width: file === null ? lineWidth(io.stdoutColumns) : DEFAULT_WIDTH }),
  }));
  if (parsed.outputs.some((o) => o.format === 'github')) await appendJobSummary(forWorkspace(result, io), io);
  const code = exitCodeFor(result, parsed.failOn);
  const unreachableOk = !result.indexReachable && parsed.ifUnreachable === 'warn';
  for (const { file, text } of reports) {
    if (file === null) {
      if (parsed.quiet) {
        // Nothing to say when the run passes; else the answer and the blockers, not every package.
        if (code !== EXIT_OK && !unreachableOk) io.stdout(quietReport(result));
        continue;
      }
      io.stdout(text);
    } else {
      await writeAtomically(file, text);
      io.stderr(`report written to ${file}\n`);
    }
  }
  const unread = result.errors.filter((e) => e.kind === 'manifest' && e.severity === 'error');
  if (unread.length > 0) io.stderr(`pypy-ready: ${unread.length} manifest problem(s) left part of the input unread (first: ${unread[0]!.message}); the report above covers the rest\n`);
  if (!result.indexReachable) io.stderr(`pypy-ready: ${unreachableOk ? 'warning: nothing was checked: ' : ''}${result.errors.find((e) => e.kind === 'index' && e.severity === 'error')?.message ?? 'the index could not be reached'}\n`);
  return unreachableOk ? EXIT_OK : code;
};

/** `--quiet`'s report: the bottom line of each target, the blockers by chain, and where the rest is. */
function quietReport(result: ScanResult): string {
  const lines = formatBottomLine(bottomLine(result));
  const chains = blockersByChain(result);
  // Targets by interpreter when they share a platform, as the text report names them.
  const onePlatform = new Set(result.targets.map((t) => t.platform)).size === 1;
  const label = (id: string): string => (onePlatform ? (result.targets.find((t) => t.id === id)?.interpreter ?? id) : id);
  if (chains.length > 0) lines.push(...formatBlockerChains(chains, { label, projects: result.projects.length > 1 }).map((l) => `  ${l}`));
  lines.push('Run pypy-ready without --quiet for the evidence and the fixes.');
  return `${lines.map((l) => neutraliseWorkflowCommands(inline(l))).join('\n')}\n`;
}
