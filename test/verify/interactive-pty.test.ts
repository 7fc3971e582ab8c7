/**
 * `pypy-ready verify --interactive` as users meet it: the CLI (from the sources) in a real
 * pseudo-terminal (tmux, 110×30) on Debian's pypy3 against the local index, which serves a pure
 * wheel (installs and imports) and a wheel for another PyPy ABI (pip refuses it). After the
 * measurements the audit opens with each row's measurement beside its prediction; q leaves the
 * counts and the logs' directory, and the exit code. Skipped, with the reason printed, without
 * tmux or pypy3 with venv/ensurepip.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIndexServer, type IndexServer } from '../../src/devserver/index-server.js';
import { REPO_ROOT } from '../support/shared.js';
import { buildWheel } from '../support/wheels.js';

function missingPrerequisite(): string | null {
  if (spawnSync('tmux', ['-V']).status !== 0) return 'tmux is not installed (apt-get install tmux)';
  const pypy = spawnSync('pypy3', ['-c', 'import venv, ensurepip'], { timeout: 60_000 });
  if (pypy.error || pypy.status !== 0) return 'pypy3 with venv and ensurepip is not installed (apt-get install pypy3 pypy3-venv)';
  return null;
}
const SKIP = missingPrerequisite();
if (SKIP) console.warn(`test/verify/interactive-pty.test.ts: skipped: ${SKIP}`);

const quote = (arg: string): string => `'${arg.replace(/'/g, `'\\''`)}'`;
const WHEELS = ['vf_pure_wheel-1.0-py3-none-any.whl', 'vf_wrong_abi-1.0-pp310-pypy310_pp73-manylinux_2_17_x86_64.whl'];

describe(SKIP ? `verify --interactive in a real terminal (skipped: ${SKIP})` : 'verify --interactive in a real terminal (tmux) on Debian pypy3', () => {
  let server: IndexServer | null = null;
  let work = '';

  beforeAll(async () => {
    if (SKIP) return;
    work = mkdtempSync(join(tmpdir(), 'pypy-ready-verify-pty-'));
    const bodies = new Map(WHEELS.map((file) => [file, buildWheel(file, { displayName: file.startsWith('vf_pure') ? 'vf-pure-wheel' : 'vf-wrong-abi' })]));
    server = await startIndexServer({
      packages: Object.fromEntries(WHEELS.map((file) => [file.startsWith('vf_pure') ? 'vf-pure-wheel' : 'vf-wrong-abi', { versions: { '1.0': { files: [{ filename: file, coreMetadata: true }] } } }])),
      fileBody: (f) => bodies.get(f) ?? Buffer.from('unknown'),
    });
    mkdirSync(join(work, 'project'));
    writeFileSync(join(work, 'project', 'requirements.txt'), 'vf-pure-wheel\nvf-wrong-abi\n');
  });

  afterAll(async () => {
    await server?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it.skipIf(SKIP !== null)('measures, then opens the audit with measured beside predicted; q leaves the counts and exits 0', async () => {
    const socket = join(work, 'tmux');
    const { TMUX: _tmux, CI: _ci, ...env } = process.env;
    const tmux = (...args: string[]) => spawnSync('tmux', ['-S', socket, '-f', '/dev/null', ...args], { encoding: 'utf8', env, timeout: 10_000 });
    const cli = ['env', '-u', 'CI', 'LANG=C.UTF-8', 'TERM=xterm-256color', `HOME=${work}`, 'PIP_CONFIG_FILE=/dev/null', 'NO_PROXY=*', 'no_proxy=*', join(REPO_ROOT, 'node_modules/.bin/vite-node'), join(REPO_ROOT, 'test/support/cli-from-source.ts'), 'verify', 'project', '--index-url', server!.simpleUrl, '--no-cache', '--no-config', '--interactive'];
    const command = `cd ${quote(work)} && ${cli.map(quote).join(' ')}; echo "__EXIT:$?"; sleep 60`;
    expect(tmux('new-session', '-d', '-x', '110', '-y', '30', command).status).toBe(0);
    const screen = () => tmux('capture-pane', '-p').stdout;
    const waitFor = async (what: RegExp, label: string, ms: number): Promise<string> => {
      const deadline = Date.now() + ms;
      for (;;) {
        const now = screen();
        if (what.test(now)) return now;
        if (Date.now() > deadline) throw new Error(`${label} did not appear; screen:\n${now}`);
        await sleep(100);
      }
    };
    try {
      const list = await waitFor(/q quit/, 'the audit', 300_000);
      expect(list).toContain('[pypy3.9-7.3]');
      expect(list).toContain('measured on PyPy 7.3.11: 2 package(s), 2 agree, 0 better than predicted, 0 disagree; 0 failed');
      expect(list).toMatch(/^ {2}✔ vf-pure-wheel 1\.0 {2}pure {2}measured: imported, agrees {2}project\/requirements\.txt:1 *$/m);
      // No file for this PyPy: no version either; pip refusing it is what the scan said.
      expect(list).toMatch(/^> ✖ vf-wrong-abi - {2}no-distribution {2}measured: pip refuses, agrees {2}project\/requirements\.txt:2 *$/m);
      tmux('send-keys', 'q');
      const end = await waitFor(/__EXIT:\d+/, 'the exit', 20_000);
      expect(end).toMatch(/2 package\(s\) in \d+(\.\d)? s: 0 failed, 0 disagree with the prediction\. Logs: \/\S+/);
      expect(/__EXIT:(\d+)/.exec(end)![1]).toBe('0');
      expect(end).not.toContain('q quit');
    } finally {
      tmux('kill-server');
    }
  }, 360_000);
});
