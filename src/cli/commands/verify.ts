/**
 * `pypy-ready verify [PATH...] [--python PATH]`: the scan's prediction checked on a real PyPy —
 * pip's resolution, a temporary venv, an install per package and an import per module — shown as a
 * table per package beside the predicted verdict, or as any report format with the measurements
 * as evidence. Exit codes: 0 every package installs and imports as predicted, 1 some package fails
 * to install or import or pip chose another file than predicted, 2 usage or no usable PyPy,
 * 3 no index answered, 130 interrupted (the temporary environment is removed).
 */
import { escapeUnsafe } from '../../report/json.js';
import { RENDERERS } from '../../report/index.js';
import { DEFAULT_WIDTH, inline, lineWidth } from '../../report/terminal.js';
import { oneLine } from '../../safe-text.js';
import { probeInterpreter, VerifyInterpreterError } from '../../verify/interpreter.js';
import { measuredMarks, runVerify, type VerifyResult } from '../../verify/verify.js';
import { toolVersion } from '../../version.js';
import { seconds } from '../../verify/compare.js';
import { EXIT_FINDINGS, EXIT_OK, EXIT_UNREACHABLE, EXIT_USAGE, UsageError, type CliIO, type Command } from '../io.js';
import { EXIT_INTERRUPTED, parseScanArgs, writeAtomically } from './scan.js';

export const VERIFY_HELP = `Usage: pypy-ready verify [PATH...] [options]

Check the scan's prediction on a real PyPy: ask that PyPy's pip which file it installs for every
package, install each into a temporary virtual environment (removed afterwards; never yours), one
package at a time in dependency order, import each top-level module in a fresh interpreter, and
show per package what happened beside the predicted verdict, flagging every disagreement.

  --python PATH              the PyPy to measure on (default: pypy3, else pypy, on PATH); its
                             version, ABI tag and platform make the target
  --keep                     keep the environment for inspection (its path is printed)
  --timeout-per-package SEC  limit of each install, build included (default 600)
  --import-timeout SEC       limit of each module's import (default 60)
  --format FORMAT[=FILE]     as in scan: the report with the measurements as evidence ("measured on
                             PyPy 7.3.11: ..."); json adds a "verify" section with the logs' paths
  --interactive              after the measurements, the interactive audit (as scan's) on them:
                             each package's prediction beside what was measured
Index options (--index-url, --extra-index-url, --timeout, --cache-dir, --no-cache), pip's
(--only-binary, --no-binary, --prefer-binary, --pre), --exclude and --config are the scan's; pip gets
the index URLs (credentials included) in PIP_INDEX_URL / PIP_EXTRA_INDEX_URL, never on its command
line, and no message shows them; a requirements file's -i/--index-url/--extra-index-url lines count
as in scan, and a direct URL requirement (name @ URL) reaches pip with its URL.
Exit codes: 0 every package installed and imported, with the file predicted; 1 a package failed to
install or import, or pip chose another file; 2 usage error or no usable PyPy; 3 no index answered;
130 interrupted (the temporary environment is removed).
`;

/** verify's own options: name → takes a value. */
const OWN: Record<string, boolean> = { python: true, keep: false, 'timeout-per-package': true, 'import-timeout': true, interactive: false };
/** Scan options that do not apply: the target is the interpreter, the report is a measurement. */
const NOT_HERE = ['target', 'compare', 'platform', 'glibc', 'musl', 'macos', 'baseline', 'quiet', 'offline', 'if-unreachable', 'fail-on'];

function splitArgs(argv: readonly string[]): { own: Record<string, string | true>; rest: string[] } {
  const own: Record<string, string | true> = {};
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const match = /^--([a-z-]+)(?:=(.*))?$/s.exec(arg);
    const name = match?.[1];
    if (name !== undefined && NOT_HERE.includes(name)) throw new UsageError(`--${name} does not apply to verify (the target is the PyPy it runs on, and the report is a measurement)`);
    if (name === undefined || !(name in OWN)) {
      rest.push(arg);
      continue;
    }
    if (!OWN[name]) {
      if (match![2] !== undefined) throw new UsageError(`--${name} takes no value`);
      own[name] = true;
    } else if (match![2] !== undefined) {
      own[name] = match![2];
    } else {
      const value = argv[++i];
      if (value === undefined) throw new UsageError(`--${name} needs a value`);
      own[name] = value;
    }
  }
  return { own, rest };
}

function secondsOption(value: string | true | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback * 1000;
  const n = typeof value === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(value) ? Number(value) : NaN;
  if (!(n >= 1 && n <= 86_400)) throw new UsageError(`--${name} must be a number of seconds from 1 to 86400, not ${JSON.stringify(String(value).slice(0, 20))}`);
  return Math.round(n * 1000);
}

const pad = (text: string, width: number): string => (text.length >= width ? text : text + ' '.repeat(width - text.length));

/** The per-package table: predicted verdict and file, pip's file, what happened, and the agreement. */
export function verifyTable(verified: VerifyResult, interpreterLine: string): string {
  const lines: string[] = [interpreterLine];
  for (const setup of verified.projects) {
    const rows = verified.packages.filter((p) => p.project === setup.project);
    if (verified.projects.length > 1) lines.push('', `Project ${setup.project || '.'}`);
    if (setup.pipVersion) lines.push(`pip ${setup.pipVersion}'s resolution: ${rows.filter((r) => r.measurement.kind === 'installed').length} package(s)`);
    if (setup.error) lines.push(`not measured: ${setup.error}`);
    const table = rows.map((p) => [
      p.name,
      p.version ?? '-',
      p.prediction?.verdict ?? '(not predicted)',
      p.measurement.kind === 'installed' ? p.measurement.choice.file : p.measurement.kind === 'refused' ? '(none: pip refuses)' : '-',
      p.comparison.measured,
      p.comparison.agreement === 'agree' ? 'agrees' : p.comparison.agreement === 'better' ? 'BETTER' : 'DISAGREES',
    ]);
    const head = ['package', 'version', 'predicted', "pip's file", 'measured', ''];
    const widths = head.slice(0, 4).map((h, i) => Math.min(44, Math.max(h.length, ...table.map((r) => r[i]!.length))));
    const row = (r: string[]): string => `${r.slice(0, 4).map((c, i) => pad(c, widths[i]!)).join('  ')}  ${r[5] ? `${r[5]}: ` : ''}${r[4]}`.trimEnd();
    lines.push(row(head), ...table.map(row));
    const flagged = rows.filter((p) => p.comparison.agreement !== 'agree');
    if (flagged.length > 0) {
      lines.push('', 'Disagreements with the prediction:');
      for (const p of flagged) lines.push(`  ${p.name}: ${p.comparison.sentence}`);
    }
  }
  lines.push('', ...verifySummary(verified));
  return `${lines.map((l) => inline(l)).join('\n')}\n`;
}

/** The counts, the logs' directory and a kept environment: the table's last lines, and what the audit leaves after it. */
function verifySummary(verified: VerifyResult): string[] {
  const failed = verified.packages.filter((p) => p.comparison.failed).length;
  const disagree = verified.packages.filter((p) => p.comparison.agreement === 'disagree').length;
  const lines = [`${verified.packages.length} package(s) in ${seconds(verified.seconds)}: ${failed} failed, ${disagree} disagree with the prediction. Logs: ${verified.logsDir}`];
  for (const setup of verified.projects) if (setup.environment) lines.push(`Environment kept (--keep): ${setup.environment}`);
  return lines;
}

/** The JSON report plus a `verify` section: the interpreter, each package's measurement and the logs' paths. */
function jsonWithVerify(verified: VerifyResult, text: string, interpreter: Record<string, unknown>): string {
  const report = JSON.parse(text) as Record<string, unknown>;
  report['verify'] = {
    interpreter,
    seconds: verified.seconds,
    logs: verified.logsDir,
    projects: verified.projects.map((p) => ({ project: p.project, pip: p.pipVersion, error: p.error, environment: p.environment, resolutionLog: p.resolutionLog })),
    packages: verified.packages.map((p) => ({
      project: p.project,
      name: p.name,
      version: p.version,
      predicted: p.prediction,
      file: p.measurement.kind === 'installed' ? p.measurement.choice.file : null,
      status: p.comparison.status,
      measured: p.comparison.measured,
      agreement: p.comparison.agreement,
      sentence: p.comparison.sentence,
      failed: p.comparison.failed,
      ...(p.measurement.kind === 'installed'
        ? { install: p.measurement.install, imports: p.measurement.imports }
        : {}),
      log: p.log,
    })),
  };
  return `${escapeUnsafe(JSON.stringify(report, null, 2))}\n`;
}

export const verifyCommand: Command = async (argv, io: CliIO) => {
  const { own, rest } = splitArgs(argv);
  const parsed = parseScanArgs([...rest, '--no-interactive'], io);
  if (parsed.help) {
    io.stdout(VERIFY_HELP);
    return EXIT_OK;
  }
  const timeoutPerPackageMs = secondsOption(own['timeout-per-package'], 'timeout-per-package', 600);
  const importTimeoutMs = secondsOption(own['import-timeout'], 'import-timeout', 60);
  if (own['python'] === true) throw new UsageError('--python needs a path');
  const formats = rest.some((a) => a === '--format' || a.startsWith('--format='));
  const interactive = own['interactive'] === true;
  // Checked before the measurements, which take minutes.
  if (interactive && formats) throw new UsageError('--interactive cannot be combined with --format (it asks for a plain report)');
  if (interactive && !(io.stdoutIsTTY && io.stdinIsTTY === true)) throw new UsageError('--interactive needs a terminal on stdin and stdout');
  let interpreter;
  try {
    interpreter = probeInterpreter(own['python'] as string | undefined, io.env, io.cwd);
  } catch (error) {
    if (error instanceof VerifyInterpreterError) {
      io.stderr(`pypy-ready: ${inline(error.message)}\n`);
      return EXIT_USAGE;
    }
    throw error;
  }
  const f = interpreter.facts;
  const interpreterLine = `Measured on PyPy ${f.implementationVersion} (Python ${f.pythonVersion}, ${interpreter.abi}, ${f.platform}${f.libc[0] ? ` ${f.libc[0]} ${f.libc[1]}` : ''}) at ${interpreter.path}: target ${interpreter.targetId}-${interpreter.platform}`;

  // Ctrl-C: the children are ended, the temporary environment removed, then exit 130.
  const controller = new AbortController();
  const onSigint = (): void => controller.abort();
  process.on('SIGINT', onSigint);
  let verified: VerifyResult;
  try {
    verified = await runVerify({
      scan: parsed.options,
      interpreter,
      keep: own['keep'] === true,
      timeoutPerPackageMs,
      importTimeoutMs,
      signal: controller.signal,
      onProgress: (line) => io.stderr(`${inline(line)}\n`),
    });
  } finally {
    process.off('SIGINT', onSigint);
  }
  if (verified.interrupted) {
    io.stderr('pypy-ready: interrupted; the temporary environment was removed\n');
    return EXIT_INTERRUPTED;
  }
  const { result } = verified;
  if (!result.indexReachable) {
    io.stderr(`pypy-ready: ${oneLine(result.errors.find((e) => e.kind === 'index' && e.severity === 'error')?.message ?? 'the index could not be reached')}\n`);
    return EXIT_UNREACHABLE;
  }
  const bad = verified.packages.some((p) => p.comparison.failed || p.comparison.agreement === 'disagree') || verified.projects.some((p) => p.error !== null);
  if (interactive) {
    const { runAudit } = await import('../../tui/run.js');
    const outcome = await runAudit({ ...parsed.options, version: toolVersion(), cwd: io.cwd, env: io.env, produce: async () => result, measured: measuredMarks(verified.packages), measuredOn: interpreter.label });
    if (outcome.kind === 'interrupted') return EXIT_INTERRUPTED;
    // The audit leaves the bottom line on the screen; under it, the counts and where the logs are.
    io.stdout(`${verifySummary(verified).map((l) => inline(l)).join('\n')}\n`);
    return bad ? EXIT_FINDINGS : EXIT_OK;
  }
  const table = verifyTable(verified, interpreterLine);
  if (!formats) {
    io.stdout(table);
  } else {
    io.stderr(table);
    const facts = { path: interpreter.path, implementationVersion: f.implementationVersion, pythonVersion: f.pythonVersion, abi: interpreter.abi, platform: f.platform, libc: f.libc, target: `${interpreter.targetId}-${interpreter.platform}` };
    for (const { format, file } of parsed.outputs) {
      const context = { color: false, verbose: parsed.verbose, width: file === null ? lineWidth(io.stdoutColumns) : DEFAULT_WIDTH };
      const rendered = RENDERERS[format](result, context);
      const text = format === 'json' ? jsonWithVerify(verified, rendered, facts) : rendered;
      if (file === null) io.stdout(text);
      else {
        await writeAtomically(file, text);
        io.stderr(`report written to ${file}\n`);
      }
    }
  }
  return bad ? EXIT_FINDINGS : EXIT_OK;
};
