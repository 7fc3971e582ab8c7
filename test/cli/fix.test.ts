/**
 * `pypy-ready fix` end to end, in process, on a copy of the demo project scanned against the local
 * demo index: the dry run prints a diff that `git apply` accepts and exits 1; `--write` makes the
 * same edits (a CRLF file stays CRLF) and exits 0; a second run finds nothing left to edit.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { loadFixtureDir, startIndexServer, type IndexServer } from '../../src/devserver/index-server.js';
import { captureIO } from '../support/cli.js';
import { REPO_ROOT } from '../support/shared.js';

let server: IndexServer;
const dirs: string[] = [];
beforeAll(async () => {
  server = await startIndexServer({ packages: loadFixtureDir(resolve(REPO_ROOT, 'fixtures/demo-index')) });
});
afterAll(async () => {
  await server.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A git repository holding a copy of the demo project. */
function demoCopy(crlf = false): string {
  const dir = mkdtempSync(join(tmpdir(), 'pypy-ready-fix-cli-'));
  dirs.push(dir);
  cpSync(resolve(REPO_ROOT, 'fixtures/demo-django'), dir, { recursive: true });
  if (crlf) writeFileSync(join(dir, 'requirements/base.txt'), readFileSync(join(dir, 'requirements/base.txt'), 'utf8').replace(/\n/g, '\r\n'));
  execFileSync('git', ['init', '-q'], { cwd: dir });
  return dir;
}

async function fix(dir: string, ...args: string[]) {
  const io = captureIO({ cwd: dir });
  const code = await main(['fix', '.', '--index-url', server.simpleUrl, '--no-cache', ...args], io);
  return { code, out: io.out, err: io.err };
}

const BASE = readFileSync(resolve(REPO_ROOT, 'fixtures/demo-django/requirements/base.txt'), 'utf8');
const FIXED = BASE.replace('Django>=4.2,<7', 'Django>=4.2,<6')
  .replace('psycopg2-binary==2.9.11', 'psycopg[binary]')
  .replace('hiredis>=3.1                # C parser', 'hiredis>=3.1; platform_python_implementation != "PyPy"  # C parser')
  .replace('numpy>=2.1,<3', 'numpy>=2.1,<2.5');

describe('pypy-ready fix', () => {
  it('dry run: a diff on stdout that git apply accepts, the summary on stderr, exit 1', async () => {
    const dir = demoCopy();
    const { code, out, err } = await fix(dir);
    expect(code).toBe(1);
    expect(out.startsWith('--- a/requirements/base.txt\n+++ b/requirements/base.txt\n@@ -1,16 +1,16 @@\n')).toBe(true);
    expect(out.split('\n').filter((l) => /^[-+][^-+]/.test(l))).toEqual([
      '-Django>=4.2,<7', '+Django>=4.2,<6',
      '-psycopg2-binary==2.9.11', '+psycopg[binary]',
      '-hiredis>=3.1                # C parser for redis-py', '+hiredis>=3.1; platform_python_implementation != "PyPy"  # C parser for redis-py',
      '-numpy>=2.1,<3', '+numpy>=2.1,<2.5',
    ]);
    expect(err).toMatch(/^pypy-ready fix: 4 edit\(s\) in 1 file\(s\) \(dry run; --write applies them\):/);
    expect(err).toMatch(/Not fixed \(5\):\n.*orjson \(pypy3.11-7.3, pypy3.11-8.0\): no automatic fix: json \(standard library\) is not a drop-in/s);
    // Nothing was written, and the printed patch applies.
    expect(readFileSync(join(dir, 'requirements/base.txt'), 'utf8')).toBe(BASE);
    writeFileSync(join(dir, 'fix.patch'), out);
    execFileSync('git', ['apply', '--check', 'fix.patch'], { cwd: dir });
    execFileSync('git', ['apply', 'fix.patch'], { cwd: dir });
    expect(readFileSync(join(dir, 'requirements/base.txt'), 'utf8')).toBe(FIXED);
  });

  it('--write makes the same edits, keeps CRLF, exits 0; a second run has nothing left to edit', async () => {
    const dir = demoCopy(true);
    const dry = await fix(dir);
    writeFileSync(join(dir, 'fix.patch'), dry.out);
    execFileSync('git', ['apply', '--check', 'fix.patch'], { cwd: dir });
    const written = await fix(dir, '--write');
    expect(written.code).toBe(0);
    expect(written.out).toBe(dry.out);
    expect(written.err).toMatch(/wrote 1 file\(s\)\n$/);
    expect(readFileSync(join(dir, 'requirements/base.txt'), 'utf8')).toBe(FIXED.replace(/\n/g, '\r\n'));
    const again = await fix(dir);
    expect(again.code).toBe(0);
    expect(again.out).toBe('');
    expect(again.err).toMatch(/^pypy-ready fix: nothing to fix automatically\n/);
  });

  it("does not read the project's code: the plan needs verdicts only (nothing in the usage cache)", async () => {
    const dir = demoCopy();
    const cache = join(dir, '.cache-for-test');
    const io = captureIO({ cwd: dir });
    expect(await main(['fix', '.', '--index-url', server.simpleUrl, '--cache-dir', cache], io)).toBe(1);
    expect(existsSync(join(cache, 'http-v1'))).toBe(true);
    expect(existsSync(join(cache, 'usage-v1'))).toBe(false);
  });

  it('refuses the report options of scan, with one line and exit 2', async () => {
    const dir = demoCopy();
    for (const option of ['--format=json', '--baseline', '-q', '--fail-on']) {
      const { code, err } = await fix(dir, option);
      expect(code, option).toBe(2);
      expect(err, option).toMatch(/^pypy-ready: fix prints a diff, not a report: .* is a scan option/);
    }
  });

  it('--help says what it edits, what it never edits, and the exit codes', async () => {
    const io = captureIO();
    expect(await main(['fix', '--help'], io)).toBe(0);
    expect(io.out).toMatch(/^Usage: pypy-ready fix \[PATH\.\.\.\] \[--write\]/);
    expect(io.out).toMatch(/Lock files never are/);
    expect(io.out).toMatch(/Exit codes: 0 nothing to fix, or the edits were written; 1 edits proposed/);
    const top = captureIO();
    await main(['--help'], top);
    expect(top.out).toMatch(/\n {2}fix +the fixes as edits of the manifests/);
  });

  it('shows a hostile manifest line without its control characters, and says the patch then does not apply as printed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pypy-ready-fix-cli-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'requirements.txt'), 'redis>=5\n# \u001b]0;owned\u0007 title\nhiredis>=3.1\n');
    const { code, out, err } = await fix(dir);
    expect(code).toBe(1);
    expect(out).not.toMatch(/[\u001b\u0007]/);
    expect(out).toContain('+hiredis>=3.1; platform_python_implementation != "PyPy"\n');
    expect(err).toMatch(/control characters stripped or credentials redacted/);
  });
});
