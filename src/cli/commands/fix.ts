/**
 * `pypy-ready fix [PATH...] [--write]`: the scan's fixes as edits to the manifests. Prints a unified
 * diff (stdout) and what was and was not fixed (stderr); `--write` writes each edited file whole or
 * not at all. Which fix applies is decided in `fix/plan.ts`, how a file is edited in `fix/edit-*.ts`;
 * this module reads, prints, writes and picks the exit code.
 */
import { lstatSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { chmod } from 'node:fs/promises';
import { resolve } from 'node:path';
import { loadKnowledgeBase } from '../../assess/knowledge.js';
import { applyPlan, type FileResult } from '../../fix/apply.js';
import { unifiedDiff } from '../../fix/diff.js';
import { describeChange, planFixes, type NotFixed } from '../../fix/plan.js';
import { inline, stripControl } from '../../report/terminal.js';
import { redactUrlsIn } from '../../safe-text.js';
import { scan } from '../../scan/index.js';
import { EXIT_FINDINGS, EXIT_OK, EXIT_UNREACHABLE, EXIT_USAGE, UsageError, type CliIO, type Command } from '../io.js';
import { parseScanArgs, writeAtomically } from './scan.js';

export const FIX_HELP = `Usage: pypy-ready fix [PATH...] [--write] [options]

Scan like \`pypy-ready scan\`, then turn the fixes into edits of the manifests, printed as a unified
diff (a dry run): apply it with --write, or with \`git apply\`.

  --write                 apply the edits: each file is written whole or not at all
  -h, --help              this help

The edits, at most one per requirement line:
  replace      a package known not to work on PyPy, by its drop-in alternative
               (psycopg2-binary → psycopg[binary]); markers are kept, version clauses dropped
  marker       an optional speed-up whose fallback is already there (hiredis beside redis):
               "; platform_python_implementation != "PyPy"" keeps it off PyPy only
  pin          the last release with wheels for the target's ABI
  upper-bound  releases that need a newer Python than the target's (Django<6 on PyPy 3.11)
Requirements files and pyproject.toml (PEP 621, dependency groups, Poetry, PDM, uv, Hatch) are
edited in place: comments, order, quoting and line endings stay. Lock files never are: fix says
which command re-locks. Transitive dependencies and lines with --hash pins get a note instead.

Targets, index and pip options: as for scan (see \`pypy-ready scan --help\`).
Exit codes: 0 nothing to fix, or the edits were written; 1 edits proposed (dry run); 2 usage error
or a manifest that could not be read (nothing is written then); 3 no index answered.
`;

/** Scan options that shape a report, which fix does not print. */
const REPORT_ONLY = new Set(['--format', '--output', '-o', '--interactive', '--no-interactive', '--baseline', '--quiet', '-q', '--fail-on', '--if-unreachable', '--verbose', '-v']);

/** `--write` taken out (before a `--`), the rest checked for report options. */
function splitArgs(argv: string[]): { write: boolean; scanArgs: string[] } {
  const end = argv.indexOf('--');
  const options = end === -1 ? argv : argv.slice(0, end);
  for (const arg of options) {
    const name = arg.startsWith('--') ? arg.split('=', 1)[0]! : arg;
    if (REPORT_ONLY.has(name)) throw new UsageError(`fix prints a diff, not a report: ${name} is a scan option (see \`pypy-ready fix --help\`)`);
  }
  const write = options.includes('--write');
  const rest = options.filter((a) => a !== '--write');
  return { write, scanArgs: end === -1 ? rest : [...rest, ...argv.slice(end)] };
}

/** A manifest as the scan read it: UTF-8 (a BOM is kept aside, as the scan's decoder dropped it). */
function readManifest(path: string): { text: string; bom: string } | Error {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    return new Error(`cannot read it (${(error as NodeJS.ErrnoException).code ?? 'read error'})`);
  }
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) return new Error('a UTF-16 file is not edited');
  const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bom ? bytes.subarray(3) : bytes), bom: bom ? '\ufeff' : '' };
  } catch {
    return new Error('not valid UTF-8');
  }
}

/**
 * The diff as it may be shown: control characters (but a CRLF's CR) stripped and credentials in
 * URLs redacted. `exact` is false when that changed a line: the printed patch then does not apply.
 */
function printable(diff: string): { text: string; exact: boolean } {
  const text = diff
    .split('\n')
    .map((line, i, all) => {
      const cr = i < all.length - 1 && line.endsWith('\r') ? '\r' : '';
      return `${redactUrlsIn(stripControl(cr ? line.slice(0, -1) : line))}${cr}`;
    })
    .join('\n');
  return { text, exact: text === diff };
}

const shortTarget = (id: string): string => id.replace(/-(manylinux|musllinux|macos|win|linux).*$/, '');

function notFixedLine(n: NotFixed): string {
  const where = n.location ? `${n.location.file}:${n.location.line}` : `${n.project} (transitive)`;
  return `  ${where}  ${n.name} (${n.targets.map(shortTarget).join(', ')}): ${n.reason}`;
}

export const fixCommand: Command = async (argv, io) => {
  const { write, scanArgs } = splitArgs(argv);
  // Not a terminal as far as the scan options go: fix never opens the interactive audit.
  const parsed = parseScanArgs(scanArgs, { ...io, stdoutIsTTY: false, stdinIsTTY: false });
  if (parsed.help) {
    io.stdout(FIX_HELP);
    return EXIT_OK;
  }
  const knowledgeBase = loadKnowledgeBase();
  // The plan reads verdicts and the knowledge base, not where the code imports a package.
  const result = await scan({ ...parsed.options, knowledgeBase, usage: false });
  const say = (line: string): void => io.stderr(`${inline(redactUrlsIn(line))}\n`);
  if (!result.indexReachable) {
    say(`pypy-ready: ${result.errors.find((e) => e.kind === 'index' && e.severity === 'error')?.message ?? 'the index could not be reached'}; nothing to fix from`);
    return EXIT_UNREACHABLE;
  }
  const plan = planFixes(result, knowledgeBase);
  const boms = new Map<string, string>();
  const applied = applyPlan(plan, (file) => {
    const read = readManifest(resolve(io.cwd, file));
    if (read instanceof Error) return read;
    boms.set(file, read.bom);
    return read.text;
  });
  const unread = result.errors.filter((e) => e.kind === 'manifest' && e.severity === 'error');

  let exact = true;
  for (const f of applied.files) {
    const bom = boms.get(f.file) ?? '';
    // The BOM is part of the file's first line, so the patch must carry it to apply.
    const shown = printable(bom ? unifiedDiff(f.file, bom + f.before, bom + f.after) : f.diff);
    exact &&= shown.exact;
    io.stdout(shown.text);
  }

  const edits = applied.files.flatMap((f) => f.applied);
  if (edits.length > 0) {
    say(`pypy-ready fix: ${edits.length} edit(s) in ${applied.files.length} file(s)${write && unread.length === 0 ? '' : ' (dry run; --write applies them)'}:`);
    for (const e of edits) say(`  ${e.edit.file}:${e.line}  ${e.name}: ${describeChange(e.edit.change)}: ${e.edit.why}`);
  } else {
    say('pypy-ready fix: nothing to fix automatically');
  }
  if (applied.notFixed.length > 0) {
    say(`Not fixed (${applied.notFixed.length}):`);
    for (const n of applied.notFixed) say(notFixedLine(n));
  }
  const relock = plan.relock.filter((r) => applied.files.some((f) => f.applied.some((a) => a.edit.project === r.project)));
  for (const r of relock) say(`Re-lock: ${r.lockFile} is not edited; after these edits re-lock with ${r.command.startsWith('the tool') ? r.command : `\`${r.command}\``}`);
  if (!exact) say('pypy-ready fix: the diff above has control characters stripped or credentials redacted, so it does not apply as printed; --write edits the files themselves');

  if (unread.length > 0) {
    say(`pypy-ready: ${unread.length} manifest problem(s) left part of the input unread (first: ${unread[0]!.message}); ${write ? 'nothing was written' : 'the edits above cover the rest'}`);
    return EXIT_USAGE;
  }
  if (edits.length === 0) return EXIT_OK;
  if (!write) return EXIT_FINDINGS;
  await writeAll(applied.files, boms, io);
  say(`pypy-ready fix: wrote ${applied.files.length} file(s)`);
  return EXIT_OK;
};

/**
 * Every edited file written atomically (a temp file beside it, then rename), each checked first to
 * be what the edits were made from: a file changed since it was read is not overwritten.
 */
async function writeAll(files: FileResult[], boms: Map<string, string>, io: CliIO): Promise<void> {
  const targets = files.map((f) => {
    const path = resolve(io.cwd, f.file);
    const now = readManifest(path);
    if (now instanceof Error || now.text !== f.before) throw new UsageError(`${f.file} changed while fix ran; nothing was written`);
    // A symbolic link keeps pointing at the file it names, which gets the edit.
    const real = lstatSync(path).isSymbolicLink() ? realpathSync(path) : path;
    return { real, text: `${boms.get(f.file) ?? ''}${f.after}`, mode: statSync(real).mode & 0o7777 };
  });
  for (const t of targets) {
    await writeAtomically(t.real, t.text);
    await chmod(t.real, t.mode);
  }
}
