/**
 * PR mode: `--baseline REF_OR_FILE` lists, and fails on, only what a change made new or worse, and
 * says what the whole picture is. Against a real git repository (the ref's manifests read with
 * `git archive`, the working tree untouched) and a saved JSON report, over the local index.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { loadFixtureDir, startIndexServer, type IndexServer } from '../../src/devserver/index-server.js';
import { compareWithBaseline } from '../../src/scan/baseline.js';
import type { Finding, ScanResult } from '../../src/scan/types.js';
import { captureIO } from '../support/cli.js';
import { REPO_ROOT } from '../support/shared.js';

const finding = (name: string, severity: Finding['severity'], target = 't1', project = '.'): Finding =>
  ({ name, severity, target, project, version: '1', verdict: 'pure', file: null, evidence: [], suggestion: null, groups: ['main'], locations: [], via: [], unchecked: [] }) as Finding;
const result = (findings: Finding[]): ScanResult => ({ schemaVersion: 1, tool: { name: 'pypy-ready', version: '0' }, targets: [], projects: ['.'], requirements: [], findings, notInstalled: [], errors: [], indexReachable: true });

describe('comparing with a baseline', () => {
  it('keeps new and worse findings; fine ones are never new; counts the whole picture and what was resolved', () => {
    const base = [finding('same', 'error'), finding('better', 'error'), finding('gone', 'warning'), finding('worse', 'info'), finding('was-fine', 'ok')];
    const now = [finding('same', 'error'), finding('better', 'warning'), finding('worse', 'error'), finding('new', 'warning'), finding('new-fine', 'ok'), finding('same', 'error', 't2')];
    const compared = compareWithBaseline(result(now), { findings: base }, 'main');
    expect(compared.findings.map((f) => `${f.name}@${f.target}`)).toEqual(['worse@t1', 'new@t1', 'same@t2']);
    expect(compared.comparison).toEqual({
      baseline: 'main',
      all: { ok: 1, info: 0, warning: 2, error: 3, unknown: 0 },
      newOrWorse: { ok: 0, info: 0, warning: 1, error: 2, unknown: 0 },
      resolved: 2, // better (error → warning) and gone
    });
  });

  it('compares by project too: the same package in another project is new there', () => {
    const compared = compareWithBaseline(result([finding('x', 'error', 't1', 'a'), finding('x', 'error', 't1', 'b')]), { findings: [finding('x', 'error', 't1', 'a')] }, 'f.json');
    expect(compared.findings.map((f) => f.project)).toEqual(['b']);
  });
});

describe('--baseline on a real repository', () => {
  let server: IndexServer;
  let repo: string;
  const git = (...args: string[]) => execFileSync('git', ['-C', repo, '-c', 'user.email=t@example.invalid', '-c', 'user.name=t', ...args], { encoding: 'utf8' });
  beforeAll(async () => {
    server = await startIndexServer({ packages: loadFixtureDir(resolve(REPO_ROOT, 'fixtures/demo-index')) });
    repo = mkdtempSync(join(tmpdir(), 'pypy-ready-pr-'));
    git('init', '-q');
    writeFileSync(join(repo, 'requirements.txt'), 'django>=5.2\norjson\n');
    git('add', '.');
    git('commit', '-q', '-m', 'base');
    // The change: a new blocker, the old one kept.
    writeFileSync(join(repo, 'requirements.txt'), 'django>=5.2\norjson\npsycopg2-binary\n');
  });
  afterAll(async () => {
    await server.close();
  });
  const run = async (...args: string[]) => {
    const io = captureIO({ cwd: repo });
    const code = await main(['.', '--index-url', server.simpleUrl, '--no-cache', ...args], io);
    return { code, io };
  };

  it('against HEAD: only the blocker the change adds, on each target; the whole picture in counts; exit 1', async () => {
    const { code, io } = await run('--baseline', 'HEAD', '--format', 'json');
    expect(code).toBe(1);
    const report = JSON.parse(io.out) as ScanResult & { comparison: { all: Record<string, number>; newOrWorse: Record<string, number>; resolved: number; baseline: string } };
    expect([...new Set(report.findings.map((f) => f.name))]).toEqual(['psycopg2-binary']);
    expect(report.findings).toHaveLength(2); // both default targets
    expect(report.comparison).toMatchObject({ baseline: 'HEAD', newOrWorse: { error: 2 }, all: { error: 4 }, resolved: 0 });
    expect(readFileSync(join(repo, 'requirements.txt'), 'utf8')).toContain('psycopg2-binary'); // working tree untouched
    expect(git('status', '--porcelain')).toBe(' M requirements.txt\n');
  });

  it("reads the change's code, not the base's: one project in the usage cache, the working tree's", async () => {
    const cache = mkdtempSync(join(tmpdir(), 'pypy-ready-pr-cache-'));
    // Code in the base too (a commit taken back afterwards; the working tree's change stays).
    writeFileSync(join(repo, 'app.py'), 'import psycopg2\n');
    git('add', 'app.py');
    git('commit', '-q', '-m', 'code');
    try {
      const io = captureIO({ cwd: repo });
      await main(['.', '--index-url', server.simpleUrl, '--cache-dir', cache, '--baseline', 'HEAD', '--format', 'json'], io);
      const report = JSON.parse(io.out) as ScanResult;
      expect(report.findings.find((f) => f.name === 'psycopg2-binary')?.usedIn).toEqual([{ file: 'app.py', line: 1, role: 'other', optional: false }]);
      // The base's temporary tree would be a project of its own there, parsed for nothing and never read again.
      expect(readdirSync(join(cache, 'usage-v1'))).toHaveLength(1);
    } finally {
      git('reset', '-q', 'HEAD~1');
      rmSync(join(repo, 'app.py'));
      rmSync(cache, { recursive: true, force: true });
    }
  });

  it('the text report says so first, and lists only the new blocker', async () => {
    const { io } = await run('--baseline', 'HEAD', '--no-interactive');
    const lines = io.out.split('\n');
    expect(lines[0]).toBe('Compared with HEAD: 2 of 4 blockers, 0 of 0 warnings are new or worse in this change; 0 resolved. Only those are listed below.');
    expect(io.out).toContain('psycopg2-binary');
    expect(io.out).not.toMatch(/orjson/);
  });

  it('a saved report as the baseline: the same answer; with the change committed, nothing is new (exit 0)', async () => {
    const saved = join(repo, '..', `${repo.split('/').pop()}-base.json`);
    git('stash', '-q');
    const before = await run('--format', `json=${saved}`, '--fail-on', 'never');
    expect(before.code).toBe(0);
    git('stash', 'pop', '-q');
    const fromFile = await run('--baseline', saved, '--format', 'json');
    expect(fromFile.code).toBe(1);
    expect([...new Set((JSON.parse(fromFile.io.out) as ScanResult).findings.map((f) => f.name))]).toEqual(['psycopg2-binary']);
    git('commit', '-q', '-am', 'change');
    const clean = await run('--baseline', 'HEAD', '--format', 'json');
    expect(clean.code).toBe(0);
    expect((JSON.parse(clean.io.out) as ScanResult).findings).toEqual([]);
  });

  it('a baseline that is neither a file nor a ref, or not a report, is a usage error (exit 2)', async () => {
    const missing = await run('--baseline', 'no-such-branch');
    expect(missing.code).toBe(2);
    expect(missing.io.err).toBe('pypy-ready: --baseline no-such-branch: neither a file nor a git ref of this repository\n');
    writeFileSync(join(repo, 'notes.json'), '{"hello": 1}');
    const wrong = await run('--baseline', 'notes.json');
    expect(wrong.code).toBe(2);
    expect(wrong.io.err).toBe('pypy-ready: --baseline notes.json: not a pypy-ready JSON report (no "findings" array)\n');
  });
});
