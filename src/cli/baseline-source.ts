/**
 * Where PR mode's baseline comes from (`--baseline REF_OR_FILE`): a saved JSON report, or a git
 * ref whose files are taken with `git archive` (no checkout, the working tree is not touched)
 * and scanned the same way, with the same index and cache.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { SEVERITIES } from '../assess/types.js';
import { oneLine } from '../safe-text.js';
import { NoManifestError, scan, type ScanOptions } from '../scan/scan.js';
import type { Finding } from '../scan/types.js';
import { UsageError } from './io.js';

export interface Baseline {
  label: string;
  /** The commit scanned, when the baseline is a git ref (PR mode then knows which lines changed). */
  commit?: string;
  findings: Pick<Finding, 'project' | 'name' | 'target' | 'severity'>[];
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A JSON report of this tool: only what the comparison reads is checked. */
function readReport(path: string, shown: string): Baseline {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new UsageError(`--baseline ${shown}: not a JSON report (${oneLine((error as Error).message, 120)})`);
  }
  const findings = isRecord(doc) ? doc['findings'] : undefined;
  if (!Array.isArray(findings)) throw new UsageError(`--baseline ${shown}: not a pypy-ready JSON report (no "findings" array)`);
  const severities = new Set<string>(SEVERITIES);
  return {
    label: shown,
    findings: findings.map((f, i) => {
      if (!isRecord(f) || typeof f['project'] !== 'string' || typeof f['name'] !== 'string' || typeof f['target'] !== 'string' || !severities.has(String(f['severity']))) {
        throw new UsageError(`--baseline ${shown}: findings[${i}] is not a finding (project, name, target, severity)`);
      }
      return { project: f['project'], name: f['name'], target: f['target'], severity: f['severity'] as Finding['severity'] };
    }),
  };
}

function git(cwd: string, ...args: string[]): { ok: boolean; out: string; err: string } {
  const run = spawnSync('git', ['-C', cwd, ...args], { encoding: 'utf8' });
  return { ok: run.status === 0, out: (run.stdout ?? '').trim(), err: oneLine(run.stderr ?? run.error?.message ?? '', 200) };
}

/** The baseline's findings: from a report file, or from scanning a git ref's manifests. */
export async function loadBaseline(value: string, options: ScanOptions & { cwd: string }): Promise<Baseline> {
  // A full commit id (the Action passes the pull request's base) reads better abbreviated, as git shows it.
  const shown = /^[0-9a-f]{40}([0-9a-f]{24})?$/.test(value) ? value.slice(0, 12) : oneLine(value, 100);
  const asFile = resolve(options.cwd, value);
  if (existsSync(asFile) && statSync(asFile).isFile()) return readReport(asFile, shown);

  const root = git(options.cwd, 'rev-parse', '--show-toplevel');
  if (!root.ok) throw new UsageError(`--baseline ${shown}: not a file, and ${options.cwd} is not in a git repository`);
  // `--end-of-options` keeps a ref that starts with "-" from being read as an option.
  const commit = git(options.cwd, 'rev-parse', '--verify', '--quiet', '--end-of-options', `${value}^{commit}`);
  if (!commit.ok) {
    // The first commit of a repository: HEAD names nothing yet, so everything is new.
    if (value === 'HEAD' && !git(options.cwd, 'rev-parse', '--verify', '--quiet', 'HEAD').ok && git(options.cwd, 'rev-list', '-n', '1', '--all').out === '') return { label: shown, findings: [] };
    throw new UsageError(`--baseline ${shown}: neither a file nor a git ref of this repository`);
  }

  const tree = mkdtempSync(join(tmpdir(), 'pypy-ready-baseline-'));
  try {
    const extract = spawnSync('sh', ['-c', 'git -C "$1" archive --format=tar "$2" | tar -x -C "$3"', 'sh', root.out, commit.out, tree], { encoding: 'utf8' });
    if (extract.status !== 0) throw new UsageError(`--baseline ${shown}: could not read the files of that ref (${oneLine(extract.stderr ?? '', 160)})`);
    // The same paths, relative to the same place in the ref's tree, so findings compare by project and file.
    const cwdInTree = join(tree, relative(root.out, options.cwd));
    const paths = (options.paths ?? ['.']).flatMap((p) => {
      const absolute = isAbsolute(p) ? p : resolve(options.cwd, p);
      const inTree = join(tree, relative(root.out, absolute));
      return existsSync(inTree) ? [relative(cwdInTree, inTree) || '.'] : [];
    });
    if (paths.length === 0) return { label: shown, commit: commit.out, findings: [] };
    try {
      // Only findings are compared: the base's code is not read (its temporary tree would not hit the usage cache either).
      const result = await scan({ ...options, cwd: cwdInTree, paths, onProgress: undefined, usage: false });
      return { label: shown, commit: commit.out, findings: result.findings };
    } catch (error) {
      // The base has no manifest there yet: everything the change adds is new.
      if (error instanceof NoManifestError) return { label: shown, commit: commit.out, findings: [] };
      throw error;
    }
  } finally {
    rmSync(tree, { recursive: true, force: true });
  }
}
