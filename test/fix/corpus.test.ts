/**
 * `fix` round-trips on real files: every requirement of every requirements file and every PEP 508
 * string of every pyproject.toml in ../shared/corpus gets a synthetic edit (a marker, an upper
 * bound, a pin or a replacement, in turn), and then
 * (a) the edited file reads back with the project's own parser, and with pip's: pip's
 *     parse_requirements (or tomllib) sees the same file except the edited entries, and pip's
 *     packaging reads each new requirement as the change intends (test/support/fix-check.py);
 * (b) only the lines of the edits changed;
 * (c) the same edits on a CRLF copy give the CRLF of the LF result;
 * (d) the printed diff applies to a copy of the originals with `git apply --check`.
 */
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatOfPath } from '../../src/manifests/discovery.js';
import { parsePyproject } from '../../src/manifests/pyproject.js';
import { parseRequirementsFile } from '../../src/manifests/requirements-file.js';
import { readToml } from '../../src/manifests/toml-document.js';
import { splitLines, unifiedDiff } from '../../src/fix/diff.js';
import { editRequirementsFile, type EditRequest, type FileEdits } from '../../src/fix/edit-requirements.js';
import { editPyprojectFile } from '../../src/fix/edit-toml.js';
import { NOT_ON_PYPY } from '../../src/fix/plan.js';
import type { Change } from '../../src/fix/pep508-edit.js';
import { CORPUS, hasCorpus, REPO_ROOT, walkFiles } from '../support/shared.js';

const MANIFESTS = join(CORPUS, 'manifests');
const CHANGES: Change[] = [
  { kind: 'marker', marker: NOT_ON_PYPY },
  { kind: 'upper-bound', bound: { op: '<', version: '9999' } },
  { kind: 'pin', version: '1.0' },
  { kind: 'replace', name: 'replacement-pkg', extras: ['extra'] },
];

const scratch = mkdtempSync(join(tmpdir(), 'pypy-ready-fix-corpus-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface PipVerdict {
  errors: string[];
  /** pip cannot read the file as upstream wrote it (a missing include, an option pip 23 lacks). */
  originalUnreadable?: string;
}

/** Runs the pip-side checks on a batch (asynchronously: pip takes a while over the whole corpus). */
async function pipCheck(items: unknown[]): Promise<PipVerdict[]> {
  const child = promisify(execFile)('python3', [join(REPO_ROOT, 'test/support/fix-check.py')], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  child.child.stdin!.end(JSON.stringify(items));
  return JSON.parse((await child).stdout) as PipVerdict[];
}

/** The line numbers (1-based) whose text differs; the line count must not change. */
function changedLines(before: string, after: string): number[] {
  const a = splitLines(before);
  const b = splitLines(after);
  expect(b.length).toBe(a.length);
  return a.flatMap((line, i) => (line === b[i] ? [] : [i + 1]));
}

const toCrlf = (text: string): string => text.replace(/\r?\n/g, '\r\n');

/** `git apply --check` of every file's diff, against a copy of the originals. */
function gitApplies(files: { rel: string; before: string; after: string }[]): void {
  const root = join(scratch, `apply-${Math.random().toString(36).slice(2)}`);
  for (const f of files) {
    mkdirSync(dirname(join(root, f.rel)), { recursive: true });
    writeFileSync(join(root, f.rel), f.before);
  }
  const patch = files.map((f) => unifiedDiff(f.rel, f.before, f.after)).join('');
  writeFileSync(join(root, 'fix.patch'), patch);
  execFileSync('git', ['apply', '--check', '--unsafe-paths', 'fix.patch'], { cwd: root, stdio: 'pipe' });
}

describe.skipIf(!hasCorpus)('fix on the real requirements files of ../shared/corpus', () => {
  const files = hasCorpus ? walkFiles(MANIFESTS, (f) => formatOfPath(f) === 'requirements') : [];
  // A copy of the whole corpus, so pip follows each edited file's -r includes as upstream wrote them.
  const mirror = join(scratch, 'mirror');
  if (hasCorpus) cpSync(MANIFESTS, mirror, { recursive: true });

  const runs = files.map((path) => {
    const rel = relative(MANIFESTS, path);
    const text = readFileSync(path, 'utf8');
    const parsed = parseRequirementsFile(text, rel);
    const requests: EditRequest[] = parsed.requirements.map((r, i) => ({ line: r.location.line, column: r.location.column, name: r.normalizedName, change: CHANGES[i % CHANGES.length]! }));
    const result = editRequirementsFile(text, rel, requests, { allowGenerated: true });
    return { path, rel, text, parsed, requests, result };
  });

  it('edits most requirements, and refuses the rest only for the reasons it states', () => {
    const applied = runs.reduce((n, r) => n + r.result.applied.length, 0);
    const refused = runs.flatMap((r) => r.result.refused.map((x) => x.reason));
    expect(files.length).toBeGreaterThan(100);
    expect(applied).toBeGreaterThan(1500);
    for (const reason of refused) {
      expect(reason).toMatch(/--hash|URL or path|editable|continued over several lines|\$\{VARIABLE\}|already excludes|no automatic|would not read back/);
    }
    expect(refused.filter((r) => r.includes('would not read back'))).toEqual([]);
  });

  it('(a) the edited files read back with our parser: the same requirements, the edited ones as intended', () => {
    for (const { rel, parsed, result } of runs) {
      const again = parseRequirementsFile(result.text, rel);
      expect(again.requirements.length, rel).toBe(parsed.requirements.length);
      for (const edit of result.applied) {
        const now = again.requirements.find((r) => r.location.line === edit.line && r.location.column === edit.column)!;
        expect(now, `${rel}:${edit.line}`).toBeDefined();
        const change = runs.find((r) => r.rel === rel)!.requests.find((q) => q.line === edit.line && q.column === edit.column)!.change;
        if (change.kind === 'replace') expect(now.normalizedName).toBe('replacement-pkg');
        if (change.kind === 'pin') expect(now.specifier).toBe('==1.0');
        if (change.kind === 'upper-bound') expect(now.specifier).toMatch(/<9999$/);
        if (change.kind === 'marker') expect(now.markerText).toMatch(/platform_python_implementation != "PyPy"$/);
      }
    }
  });

  it("(a) pip's parse_requirements and packaging agree with every edit", async () => {
    const items = runs
      .filter((r) => r.result.applied.length > 0)
      .map((r) => {
        const edited = join(mirror, r.rel);
        const changeAt = (line: number, column: number) => r.requests.find((q) => q.line === line && q.column === column)!.change;
        return { kind: 'requirements', original: r.path, edited, text: r.result.text, edits: r.result.applied.map((e) => ({ old: e.from, new: e.to, change: changeAt(e.line, e.column) })) };
      });
    const verdicts = await pipCheck(items);
    expect(verdicts.flatMap((v, i) => v.errors.map((m) => `${items[i]!.original}: ${m}`))).toEqual([]);
    // Files pip 23 cannot read as upstream wrote them are compared by our parser only (above).
    expect(verdicts.filter((v) => v.originalUnreadable === undefined).length).toBeGreaterThan(150);
  }, 120_000);

  it('(b) only the lines of the edits change', () => {
    for (const { rel, text, result } of runs) {
      expect(changedLines(text, result.text), rel).toEqual([...new Set(result.applied.map((e) => e.line))].sort((a, b) => a - b));
    }
  });

  it('(c) a CRLF file stays CRLF: the same edits give the LF result with CRLF line endings', () => {
    for (const { rel, text, requests, result } of runs) {
      const crlf = editRequirementsFile(toCrlf(text), rel, requests, { allowGenerated: true });
      expect(crlf.text === toCrlf(result.text), rel).toBe(true);
      expect(crlf.applied.length).toBe(result.applied.length);
    }
  });

  it('(d) the diffs apply with git apply --check, LF and CRLF', () => {
    const edited = runs.filter((r) => r.result.applied.length > 0);
    gitApplies(edited.map((r) => ({ rel: r.rel, before: r.text, after: r.result.text })));
    gitApplies(edited.map((r) => ({ rel: r.rel, before: toCrlf(r.text), after: toCrlf(r.result.text) })));
  });
});

/** Every PEP 508 string our pyproject parser reads, with its TOML path, found through the positions. */
function pep508Paths(text: string, rel: string): { path: (string | number)[]; value: string; line: number; column: number; name: string }[] {
  const doc = readToml(text, rel);
  if (!doc.ok) return [];
  const out: { path: (string | number)[]; value: string; line: number; column: number; name: string }[] = [];
  const lists: (string | number)[][] = [['project', 'dependencies']];
  const data = doc.data as Record<string, Record<string, unknown>>;
  for (const extra of Object.keys((data['project']?.['optional-dependencies'] as object) ?? {})) lists.push(['project', 'optional-dependencies', extra]);
  for (const group of Object.keys(data['dependency-groups'] ?? {})) lists.push(['dependency-groups', group]);
  const pdm = (data['tool']?.['pdm'] as Record<string, object> | undefined)?.['dev-dependencies'];
  for (const group of Object.keys(pdm ?? {})) lists.push(['tool', 'pdm', 'dev-dependencies', group]);
  const records = parsePyproject(text, rel).requirements;
  for (const list of lists) {
    const value = list.reduce<unknown>((v, k) => (v as Record<string | number, unknown> | undefined)?.[k], data);
    if (!Array.isArray(value)) continue;
    value.forEach((item, i) => {
      if (typeof item !== 'string') return;
      const at = doc.positions.value([...list, i]);
      const record = records.find((r) => r.location.line === at.line && r.location.column === at.column);
      if (record && !record.url && !record.editable) out.push({ path: [...list, i], value: item, line: at.line, column: at.column, name: record.normalizedName });
    });
  }
  return out;
}

describe.skipIf(!hasCorpus)('fix on the real pyproject.toml files of ../shared/corpus', () => {
  const files = hasCorpus ? walkFiles(MANIFESTS, (f) => formatOfPath(f) === 'pyproject' || (/\.toml$/.test(f) && /pyproject/.test(f))) : [];
  const runs = files.map((path) => {
    const rel = relative(MANIFESTS, path);
    const text = readFileSync(path, 'utf8');
    const slots = pep508Paths(text, rel);
    const requests: EditRequest[] = slots.map((s, i) => ({ line: s.line, column: s.column, name: s.name, change: CHANGES[i % CHANGES.length]! }));
    const result: FileEdits = editPyprojectFile(text, rel, requests);
    return { path, rel, text, slots, requests, result };
  });

  it('edits the PEP 508 strings, refusing only for the reasons it states', () => {
    expect(files.length).toBeGreaterThan(20);
    expect(runs.reduce((n, r) => n + r.result.applied.length, 0)).toBeGreaterThan(150);
    for (const reason of runs.flatMap((r) => r.result.refused.map((x) => x.reason))) expect(reason).toMatch(/already excludes|escapes|multi-line|URL/);
  });

  it('(a) tomllib and packaging read the edited files as the edits intend; so does our parser', async () => {
    const items = runs
      .filter((r) => r.result.applied.length > 0)
      .map((r) => {
        const edited = join(scratch, `${r.rel.replace(/\//g, '__')}`);
        writeFileSync(edited, r.result.text);
        const edits = r.result.applied.map((e) => {
          const slot = r.slots.find((s) => s.line === e.line && s.column === e.column)!;
          const change = r.requests.find((q) => q.line === e.line && q.column === e.column)!.change;
          return { old: e.from, new: e.to, change, path: slot.path };
        });
        expect(parsePyproject(r.result.text, r.rel).requirements.length, r.rel).toBe(parsePyproject(r.text, r.rel).requirements.length);
        return { kind: 'toml', original: r.path, edited, edits };
      });
    const problems = (await pipCheck(items)).flatMap((v, i) => v.errors.map((m) => `${items[i]!.original}: ${m}`));
    expect(problems).toEqual([]);
  }, 60_000);

  it('(b) only the lines of the edits change, (c) CRLF stays CRLF, (d) the diffs apply', () => {
    for (const { rel, text, requests, result } of runs) {
      expect(changedLines(text, result.text), rel).toEqual([...new Set(result.applied.map((e) => e.line))].sort((a, b) => a - b));
      const crlf = editPyprojectFile(toCrlf(text), rel, requests);
      expect(crlf.text === toCrlf(result.text), rel).toBe(true);
    }
    const edited = runs.filter((r) => r.result.applied.length > 0);
    gitApplies(edited.map((r) => ({ rel: r.rel, before: r.text, after: r.result.text })));
    gitApplies(edited.map((r) => ({ rel: r.rel, before: toCrlf(r.text), after: toCrlf(r.result.text) })));
  });
});
