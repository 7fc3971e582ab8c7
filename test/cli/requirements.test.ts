import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requirementsCommand } from '../../src/cli/commands/requirements.js';
import type { CliIO } from '../../src/cli/io.js';

const repoRoot = path.resolve(import.meta.dirname, '../..');

function fakeIO(cwd: string, env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIO = { stdout: (t) => void out.push(t), stderr: (t) => void err.push(t), cwd, env, stdoutIsTTY: false };
  return { io, out: () => out.join(''), err: () => err.join('') };
}

describe('pypy-ready requirements', () => {
  it('lists one line per requirement with file:line:col, group and locked version', async () => {
    const f = fakeIO(repoRoot);
    const code = await requirementsCommand(['fixtures/manifests/pyproject/uv'], f.io);
    expect(code).toBe(0);
    const lines = f.out().trimEnd().split('\n');
    expect(lines).toContain('fixtures/manifests/pyproject/uv/pyproject.toml:11:6  django >=4.2,<5 [main] (locked 4.2.16)');
    expect(lines).toContain('fixtures/manifests/pyproject/uv/uv.lock:15:9  asgiref ==3.8.1 [main] (locked 3.8.1) (transitive)');
    expect(f.err()).toBe('');
  });

  it('prints issues on stderr, one line each, and still exits 0', async () => {
    const f = fakeIO(repoRoot);
    const code = await requirementsCommand(['fixtures/manifests/requirements/invalid.txt'], f.io);
    expect(code).toBe(0);
    expect(f.out().split('\n').filter(Boolean)).toHaveLength(2);
    const err = f.err().trimEnd().split('\n');
    expect(err).toHaveLength(2);
    expect(err[0]).toMatch(/^fixtures\/manifests\/requirements\/invalid\.txt:2:\d+: invalid requirement: /);
  });

  it('writes JSON with credentials masked', async () => {
    const f = fakeIO(repoRoot, { INDEX_USER: 'me', INDEX_TOKEN: 's3cret', PKG_VERSION: '1' });
    const code = await requirementsCommand(['fixtures/manifests/requirements/options.txt', '--format', 'json'], f.io);
    expect(code).toBe(0);
    const doc = JSON.parse(f.out());
    expect(doc.projects).toHaveLength(1);
    expect(doc.projects[0].indexOptions.indexUrl).toBe('https://***@pypi.example.com/simple');
    expect(doc.projects[0].requirements[0]).toMatchObject({ name: 'private-pkg', specifier: '==1', group: 'main' });
    expect(f.out()).not.toContain('s3cret');
  });

  it('exits 2 for a path that does not exist', async () => {
    const f = fakeIO(repoRoot);
    expect(await requirementsCommand(['no/such/dir'], f.io)).toBe(2);
    expect(f.err()).toBe('path not found: no/such/dir\n');
  });

  it('exits 2 for an unknown --format', async () => {
    const f = fakeIO(repoRoot);
    expect(await requirementsCommand(['--format', 'xml'], f.io)).toBe(2);
  });

  describe('with unreadable files', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(path.join(tmpdir(), 'pypy-ready-cli-'));
      writeFileSync(path.join(dir, 'pyproject.toml'), '[project\n');
      writeFileSync(path.join(dir, 'requirements.txt'), Buffer.from([0, 1, 2, 0x1b, 0x5b, 0x32, 0x4a]));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('exits 2 when nothing at all could be read', async () => {
      const f = fakeIO(dir);
      expect(await requirementsCommand([], f.io)).toBe(2);
      expect(f.err().trimEnd().split('\n')).toHaveLength(2);
    });

    it('exits 0 when something could be read, and strips control characters from what it prints', async () => {
      writeFileSync(path.join(dir, 'requirements-dev.txt'), 'evil==1 ; sys_platform == "\u001b[2Jlinux"\n');
      const f = fakeIO(dir);
      expect(await requirementsCommand([], f.io)).toBe(0);
      expect(f.out()).toContain('requirements-dev.txt:1:1  evil ==1 ; sys_platform == "[2Jlinux" [main]');
      expect(f.out()).not.toContain('\u001b');
    });
  });
});
