/**
 * What a commit hook needs from the CLI: `--quiet` (nothing when the run passes, the bottom line
 * and the blockers when it does not), `--if-unreachable warn` (no index: a warning, exit 0), and
 * `--baseline HEAD` in a repository with no commit yet (everything is new). The hook definition in
 * .pre-commit-hooks.yaml uses exactly these.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { closedPort, loadFixtureDir, startIndexServer, type IndexServer } from '../support/index-server.js';
import { captureIO } from '../support/cli.js';
import { REPO_ROOT } from '../support/shared.js';

let server: IndexServer;
beforeAll(async () => {
  server = await startIndexServer({ packages: loadFixtureDir(resolve(REPO_ROOT, 'fixtures/demo-index')) });
});
afterAll(async () => {
  await server.close();
});

function project(requirements: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'pypy-ready-hook-'));
  writeFileSync(join(dir, 'requirements.txt'), requirements);
  return dir;
}


describe('--quiet', () => {
  it('prints nothing when nothing reaches --fail-on (exit 0)', async () => {
    const io = captureIO({ cwd: project('django>=5.2\n') });
    expect(await main(['.', '--index-url', server.simpleUrl, '--no-cache', '--quiet'], io)).toBe(0);
    expect(io.out).toBe('');
    expect(io.err).toBe('');
  });

  it('prints the bottom line and the blockers, not every package, when it fails (exit 1)', async () => {
    const io = captureIO({ cwd: project('django>=5.2\npsycopg2-binary\n') });
    expect(await main(['.', '--index-url', server.simpleUrl, '--no-cache', '--quiet'], io)).toBe(1);
    const lines = io.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^PyPy 3\.11 \(7\.3\): 1 blocker \(psycopg2-binary\)/);
    expect(lines).toContain('  psycopg2-binary blocks you directly (pypy3.11-7.3, pypy3.11-8.0)');
    expect(lines.at(-1)).toBe('Run pypy-ready without --quiet for the evidence and the fixes.');
    expect(io.out).not.toContain('django');
  });

  it('with a report on stdout that is not text, is a usage error', async () => {
    const io = captureIO();
    expect(await main(['.', '--quiet', '--format', 'json'], io)).toBe(2);
    expect(io.err).toBe('pypy-ready: --quiet shortens the text report; the report on stdout is not text\n');
  });
});

describe('--if-unreachable', () => {
  it('warn: no index answered, so nothing was checked: a warning on stderr, exit 0; the default fails with 3', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/simple/`;
    const dir = project('psycopg2-binary\n');
    const warned = captureIO({ cwd: dir });
    expect(await main(['.', '--index-url', url, '--no-cache', '--quiet', '--if-unreachable', 'warn', '--timeout', '2'], warned)).toBe(0);
    expect(warned.out).toBe('');
    expect(warned.err).toMatch(/^pypy-ready: warning: nothing was checked: no index could be reached/);
    const failed = captureIO({ cwd: dir });
    expect(await main(['.', '--index-url', url, '--no-cache', '--quiet', '--timeout', '2'], failed)).toBe(3);
  }, 30_000);
});

describe('the hook definition', () => {
  it('runs only what a change adds, quietly, and passes when the network is blocked', () => {
    const hook = readFileSync(resolve(REPO_ROOT, '.pre-commit-hooks.yaml'), 'utf8');
    expect(hook).toContain('entry: pypy-ready --no-interactive --quiet --baseline HEAD --if-unreachable warn');
    const files = new RegExp(/files: '(.*)'/.exec(hook)![1]!);
    for (const f of ['requirements.txt', 'requirements/base.txt', 'requirements-dev.in', 'pyproject.toml', 'sub/poetry.lock', 'uv.lock', 'Pipfile', 'Pipfile.lock', 'pylock.toml', 'setup.cfg']) expect(files.test(f), f).toBe(true);
    for (const f of ['README.md', 'src/app.py', 'requirements.txt.bak']) expect(files.test(f), f).toBe(false);
  });

  it('--baseline HEAD before the first commit: everything is new', async () => {
    const dir = project('psycopg2-binary\n');
    execFileSync('git', ['-C', dir, 'init', '-q']);
    const io = captureIO({ cwd: dir });
    expect(await main(['.', '--index-url', server.simpleUrl, '--no-cache', '--quiet', '--baseline', 'HEAD'], io)).toBe(1);
    expect(io.out).toContain('psycopg2-binary blocks you directly');
  });
});
