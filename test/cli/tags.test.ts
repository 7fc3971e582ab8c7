import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { captureIO } from '../support/cli.js';
import { REPO_ROOT } from '../support/shared.js';

describe('pypy-ready tags', () => {
  it('prints the accepted tags one per line, best first', async () => {
    const io = captureIO();
    expect(await main(['tags', '--target', 'pypy3.11-8.0'], io)).toBe(0);
    const lines = io.out.trimEnd().split('\n');
    expect(lines[0]).toBe('pp311-pypy311_pp80-manylinux_2_28_x86_64');
    expect(lines).toContain('pp311-none-any');
    expect(lines.at(-1)).toBe('py30-none-any');
    expect(io.err).toBe('');
  });

  it('takes --platform and --glibc', async () => {
    const io = captureIO();
    expect(await main(['tags', '--target', 'pypy3.10-7.3', '--platform', 'manylinux_aarch64', '--glibc', '2.31'], io)).toBe(0);
    expect(io.out.split('\n')[0]).toBe('pp310-pypy310_pp73-manylinux_2_31_aarch64');
  });

  it.each([
    [['tags', '--target', 'pypy2.7'], /unknown target "pypy2.7"; valid targets: pypy3\.9-7\.3, /],
    [['tags'], /needs --target/],
    [['tags', '--target', 'pypy3.11-8.0', '--platform', 'solaris'], /unknown platform "solaris"; valid platforms: manylinux_x86_64/],
    [['tags', '--target', 'pypy3.11-8.0', '--glibc', 'new'], /invalid glibc version "new"/],
    [['tags', '--target', 'pypy3.11-8.0', '--bogus'], /Unknown option '--bogus'/],
    [['frobnicate'], /path not found: frobnicate/],
  ])('%j fails with one line and exit code 2', async (argv, message) => {
    const io = captureIO();
    expect(await main(argv, io)).toBe(2);
    expect(io.err).toMatch(message);
    expect(io.err.trimEnd().split('\n')).toHaveLength(1);
    expect(io.out).toBe('');
  });
});

describe('pypy-ready targets', () => {
  it('lists every interpreter with its ABI and every platform', async () => {
    const io = captureIO();
    expect(await main(['targets'], io)).toBe(0);
    expect(io.out).toMatch(/pypy3\.11-8\.0\s+pypy311_pp80/);
    expect(io.out).toMatch(/pypy3\.12-8\.0\s+pypy312_pp80.*\[beta\]/);
    expect(io.out).toContain('win_amd64');
  });

  it('has a JSON form', async () => {
    const io = captureIO();
    expect(await main(['targets', '--json'], io)).toBe(0);
    const parsed = JSON.parse(io.out) as { interpreters: { id: string }[]; platforms: string[] };
    expect(parsed.interpreters.map((i) => i.id)).toContain('cpython3.13');
    expect(parsed.platforms).toContain('macos_arm64');
  });
});

// The built binary, as a user runs it (npm test builds dist/ first).
const BIN = resolve(REPO_ROOT, 'bin/pypy-ready.js');
describe.skipIf(!existsSync(resolve(REPO_ROOT, 'dist/cli/main.js')))('the installed binary', () => {
  const run = promisify(execFile);

  it('prints tags and exits 0', async () => {
    const { stdout } = await run(process.execPath, [BIN, 'tags', '--target', 'pypy3.9-7.3']);
    expect(stdout.split('\n')[0]).toBe('pp39-pypy39_pp73-manylinux_2_28_x86_64');
  });

  it('exits 2 with one line and no stack trace for an unknown target', async () => {
    const failure = await run(process.execPath, [BIN, 'tags', '--target', 'nope']).catch((e: { code: number; stderr: string }) => e);
    expect(failure).toMatchObject({ code: 2 });
    const { stderr } = failure as { stderr: string };
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(stderr).not.toMatch(/\bat .*\.js:\d+/);
  });

  it('answers --version and --help', async () => {
    expect((await run(process.execPath, [BIN, '--version'])).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    expect((await run(process.execPath, [BIN, '--help'])).stdout).toContain('Usage: pypy-ready');
  });
});
