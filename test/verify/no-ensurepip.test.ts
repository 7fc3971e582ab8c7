/**
 * `pypy-ready verify` on a real PyPy without pypy3-venv. Debian ships ensurepip in pypy3-lib, but
 * the pip and setuptools wheels it installs come from /usr/share/python-wheels, which only
 * pypy3-venv brings (through python3-pip-whl): without them `ensurepip.version()` is None and
 * `-m venv` cannot give the environment a pip. The test takes those wheels away for real, for one
 * process only — a private mount namespace (`unshare -rm`) with an empty directory mounted over
 * /usr/share/python-wheels — and runs the CLI (from the sources) there: one line naming
 * pypy3-venv, exit 2, no stack trace, nothing measured. Skipped, with the reason printed, without
 * Debian's pypy3 and its wheels, or where mount namespaces are not allowed.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/shared.js';

const WHEELS = '/usr/share/python-wheels';
const PYPY = '/usr/bin/pypy3';
const quote = (arg: string): string => `'${arg.replace(/'/g, `'\\''`)}'`;

/** `script` run by sh in a mount namespace of its own where WHEELS is an empty directory. */
function withoutWheels(script: string, empty: string, options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  return spawnSync('unshare', ['-rm', 'sh', '-c', `mount --bind ${quote(empty)} ${WHEELS} && ${script}`], { encoding: 'utf8', timeout: 120_000, ...options });
}

function missingPrerequisite(empty: string): string | null {
  if (!existsSync(PYPY)) return `${PYPY} is not installed (apt-get install pypy3 pypy3-venv)`;
  if (spawnSync(PYPY, ['-c', 'import ensurepip, sys; sys.exit(0 if ensurepip.version() else 1)'], { timeout: 60_000 }).status !== 0) return `${PYPY} has no working ensurepip to take away (apt-get install pypy3-venv)`;
  if (!existsSync(WHEELS)) return `${WHEELS} does not exist (not Debian's layout)`;
  const probe = withoutWheels(`${PYPY} -c 'import ensurepip; print(ensurepip.version())'`, empty);
  if (probe.error || probe.status !== 0) return `a private mount namespace is not allowed here (unshare -rm: ${(probe.stderr || String(probe.error)).trim().split('\n')[0]})`;
  if (probe.stdout.trim() !== 'None') return `hiding ${WHEELS} did not take ensurepip's pip away (it printed ${JSON.stringify(probe.stdout.trim())})`;
  return null;
}

let work = '';
let SKIP: string | null = null;
{
  work = mkdtempSync(join(tmpdir(), 'pypy-ready-no-ensurepip-'));
  mkdirSync(join(work, 'empty'));
  SKIP = missingPrerequisite(join(work, 'empty'));
  if (SKIP) console.warn(`test/verify/no-ensurepip.test.ts: skipped: ${SKIP}`);
}

describe(SKIP ? `verify on a PyPy without pypy3-venv (skipped: ${SKIP})` : 'verify on Debian pypy3 without pypy3-venv (its wheels hidden in a private mount namespace)', () => {
  let run: SpawnSyncReturns<string> | null = null;

  beforeAll(() => {
    if (SKIP) return;
    mkdirSync(join(work, 'project'));
    writeFileSync(join(work, 'project', 'requirements.txt'), 'django\n');
    const cli = [join(REPO_ROOT, 'node_modules/.bin/vite-node'), join(REPO_ROOT, 'test/support/cli-from-source.ts'), 'verify', 'project', '--python', PYPY, '--no-cache', '--no-config', '--index-url', 'http://127.0.0.1:9/simple/'];
    const { CI: _ci, ...env } = process.env;
    run = withoutWheels(`cd ${quote(work)} && exec ${cli.map(quote).join(' ')}`, join(work, 'empty'), { env: { ...env, HOME: work, PIP_CONFIG_FILE: '/dev/null' } });
  }, 180_000);

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it.skipIf(SKIP !== null)('says in one line that pypy3-venv is missing, exits 2, and measures nothing', () => {
    expect(run!.error).toBeUndefined();
    expect(run!.stdout).toBe('');
    const lines = run!.stderr.trim().split('\n');
    expect(lines).toEqual([
      `pypy-ready: PyPy 7.3.11 at ${PYPY} has no working ensurepip (no module, or no pip wheel for it to install), which verify needs for its temporary environment (Debian and Ubuntu split it into the pypy3-venv package: apt-get install pypy3-venv)`,
    ]);
    expect(run!.stderr).not.toMatch(/^\s+at /m);
    expect(run!.status).toBe(2);
  });
});
