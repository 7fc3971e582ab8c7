/**
 * The built CLI in a real pseudo-terminal (tmux): colour follows TERM, and the compact list of fine
 * packages wraps at the window's width. Needs `npm run build` (as `npm test` does) and tmux.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIndexServer, type FixtureIndex, type IndexServer } from '../../src/devserver/index-server.js';
import { REPO_ROOT } from '../support/shared.js';

const BIN = resolve(REPO_ROOT, 'bin/pypy-ready.js');
const hasTmux = spawnSync('tmux', ['-V'], { encoding: 'utf8' }).status === 0;
const SKIP_REASON = 'tmux is not installed (apt-get install tmux): the pseudo-terminal test is skipped';
if (!hasTmux) console.warn(`test/cli/terminal-output.test.ts: ${SKIP_REASON}`);

// Thirty pure packages fill the compact "Works" list; one that needs Python 3.12 gives a red line.
const PURE = Array.from({ length: 30 }, (_, i) => `pure-pkg-${String(i + 1).padStart(2, '0')}`);
const INDEX: FixtureIndex = {
  ...Object.fromEntries(PURE.map((name) => [name, { versions: { '1.0.0': { files: [`${name.replace(/-/g, '_')}-1.0.0-py3-none-any.whl`] } } }])),
  newonly: { versions: { '2.0.0': { requiresPython: '>=3.12', files: ['newonly-2.0.0-py3-none-any.whl'] } } },
};

const quote = (arg: string): string => `'${arg.replace(/'/g, `'\\''`)}'`;
const ESC = '\u001b';
const plain = (line: string): string => line.replace(/\u001b\[[0-9;]*m/g, '');

let server: IndexServer;
let dir: string;

beforeAll(async () => {
  if (!hasTmux) return;
  dir = mkdtempSync(join(tmpdir(), 'pypy-ready-tty-'));
  writeFileSync(join(dir, 'requirements.txt'), `${[...PURE, 'newonly'].join('\n')}\n`);
  server = await startIndexServer({ packages: INDEX });
});
afterAll(async () => {
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/**
 * Run the CLI in a detached tmux window of `width` columns and return the screen with tmux's
 * rendering of colours (`capture-pane -e`) and soft-wrapped lines joined (`-J`), so a line longer
 * than the window shows up as one long line.
 */
async function inTmux(term: string, width: number): Promise<{ screen: string; exit: number }> {
  const socket = join(dir, `tmux-${term}-${width}`);
  const { TMUX: _tmux, ...env } = process.env;
  const tmux = (...args: string[]) => spawnSync('tmux', ['-S', socket, '-f', '/dev/null', ...args], { encoding: 'utf8', env, timeout: 10_000 });
  // The window's TERM is tmux's own; the CLI gets the one under test, and no colour overrides.
  const cli = ['env', '-u', 'NO_COLOR', '-u', 'FORCE_COLOR', '-u', 'NODE_DISABLE_COLORS', `TERM=${term}`, process.execPath, BIN, '.', '--no-interactive', '--index-url', server.simpleUrl, '--no-cache', '--target', 'pypy3.11-8.0'];
  const command = `cd ${quote(dir)} && ${cli.map(quote).join(' ')}; echo "__EXIT:$?"; sleep 60`;
  const started = tmux('new-session', '-d', '-x', String(width), '-y', '100', command);
  expect(started.status, started.stderr).toBe(0);
  try {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const screen = tmux('capture-pane', '-p', '-e', '-J', '-S', '-', '-E', '-').stdout;
      const done = /__EXIT:(\d+)/.exec(screen);
      if (done) return { screen, exit: Number(done[1]) };
      if (Date.now() > deadline) throw new Error(`the CLI did not finish in tmux; screen so far:\n${screen}`);
      await sleep(100);
    }
  } finally {
    tmux('kill-server');
  }
}

/** The lines of the compact "Works" list, without colour codes. */
function worksList(screen: string): string[] {
  const lines = screen.split('\n').map(plain);
  const start = lines.findIndex((l) => l.startsWith('Works (ok: 30)'));
  expect(start, screen).toBeGreaterThan(0);
  const end = lines.findIndex((l, i) => i > start && l.trim() === '');
  return lines.slice(start + 1, end).map((l) => l.trimEnd());
}

describe(hasTmux ? 'the CLI in a real terminal (tmux)' : `the CLI in a real terminal (skipped: ${SKIP_REASON})`, () => {
  it.skipIf(!hasTmux)('TERM=dumb: no escape codes; the list wraps at a 60-column window', async () => {
    expect(existsSync(resolve(REPO_ROOT, 'dist/cli/main.js')), 'run `npm run build` first').toBe(true);
    const { screen, exit } = await inTmux('dumb', 60);
    expect(exit, screen).toBe(1);
    expect(screen).toMatch(/^ {4}pypy3\.11-8\.0: requires-python 2\.0\.0$/m);
    expect(screen).not.toContain(ESC);
    const list = worksList(screen);
    for (const line of list) expect(line.length, line).toBeLessThanOrEqual(60);
    // Filled up to the window's width, not the 100-column default; every package is there.
    expect(list.length).toBe(10);
    expect(list[0]).toBe('  pure-pkg-01 1.0.0, pure-pkg-02 1.0.0, pure-pkg-03 1.0.0,');
    expect(list.join(' ')).toContain('pure-pkg-30 1.0.0');
  });

  it.skipIf(!hasTmux)('TERM=xterm-256color: coloured verdicts; the list uses all of a 160-column window', async () => {
    const { screen, exit } = await inTmux('xterm-256color', 160);
    expect(exit, screen).toBe(1);
    expect(screen).toContain(`${ESC}[31mWill not install or will not work (error: 1)`);
    expect(screen).toContain(`${ESC}[31m    pypy3.11-8.0: requires-python 2.0.0`);
    expect(screen).toContain(`${ESC}[32mWorks (ok: 30)`);
    const list = worksList(screen);
    for (const line of list) expect(line.length, line).toBeLessThanOrEqual(160);
    // Wider than the 100-column default: the window's width was used.
    expect(list[0]!.length).toBeGreaterThan(100);
    expect(list.length).toBe(4);
  });
});
