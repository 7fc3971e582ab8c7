/**
 * The interactive audit as users meet it: the built CLI in a real pseudo-terminal (tmux, 100×30),
 * on the bundled demo against the local index. Progress appears, the list shows the demo's
 * packages, enter opens a detail with evidence, q exits with the code `--fail-on` gives and leaves
 * the bottom line on the screen. Needs `npm run build` (as `npm test` does) and tmux.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFixtureDir, startIndexServer, type IndexServer } from '../../src/devserver/index-server.js';
import { bottomLine } from '../../src/report/bottom-line.js';
import { scan } from '../../src/scan/index.js';
import type { ScanResult } from '../../src/scan/types.js';
import { REPO_ROOT } from '../support/shared.js';

const BIN = resolve(REPO_ROOT, 'bin/pypy-ready.js');
const hasTmux = spawnSync('tmux', ['-V'], { encoding: 'utf8' }).status === 0;
const SKIP_REASON = 'tmux is not installed (apt-get install tmux): the pseudo-terminal test is skipped';
if (!hasTmux) console.warn(`test/tui/pty.test.ts: ${SKIP_REASON}`);

const quote = (arg: string): string => `'${arg.replace(/'/g, `'\\''`)}'`;

let server: IndexServer;
let dir: string;
let expected: ScanResult;

beforeAll(async () => {
  if (!hasTmux) return;
  dir = mkdtempSync(join(tmpdir(), 'pypy-ready-tui-'));
  // Each response a little late, so that the progress screen is there to be seen.
  server = await startIndexServer({ packages: loadFixtureDir(resolve(REPO_ROOT, 'fixtures/demo-index')), faults: [{ kind: 'latency', ms: 150 }] });
  expected = await scan({ paths: ['fixtures/demo-django'], cwd: REPO_ROOT, env: {}, index: { indexUrl: server.simpleUrl, cacheDir: null, netrc: false } });
});
afterAll(async () => {
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The CLI in a detached tmux window; `after` runs in the same shell once it exits. */
function session(name: string, extraEnv: string[] = [], after = '') {
  const socket = join(dir, `tmux-${name}`);
  const { TMUX: _tmux, CI: _ci, ...env } = process.env;
  const tmux = (...args: string[]) => spawnSync('tmux', ['-S', socket, '-f', '/dev/null', ...args], { encoding: 'utf8', env, timeout: 10_000 });
  const cli = ['env', '-u', 'CI', 'LANG=C.UTF-8', 'TERM=xterm-256color', ...extraEnv, process.execPath, BIN, 'fixtures/demo-django', '--index-url', server.simpleUrl, '--no-cache'];
  const command = `cd ${quote(REPO_ROOT)} && ${cli.map(quote).join(' ')}; echo "__EXIT:$?"; ${after} sleep 60`;
  expect(tmux('new-session', '-d', '-x', '100', '-y', '30', command).status).toBe(0);
  const screen = () => tmux('capture-pane', '-p').stdout;
  const waitFor = async (what: RegExp, label: string): Promise<string> => {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const now = screen();
      if (what.test(now)) return now;
      if (Date.now() > deadline) throw new Error(`${label} did not appear; screen:\n${now}`);
      await sleep(50);
    }
  };
  return { tmux, screen, waitFor, stop: () => tmux('kill-server') };
}

describe(hasTmux ? 'the interactive audit in a real terminal (tmux)' : `the interactive audit in a real terminal (skipped: ${SKIP_REASON})`, () => {
  it.skipIf(!hasTmux)('shows progress, lists the demo, opens a detail with evidence, and q leaves the bottom line and the exit code', async () => {
    const { tmux, waitFor, stop } = session('main');
    try {
      const progress = await waitFor(/packages +\d+ of \d+ resolved/, 'the progress screen');
      expect(progress).toContain('pypy-ready: scanning fixtures/demo-django');
      const list = await waitFor(/q quit/, 'the report');
      const first = expected.targets[0]!.id;
      expect(list).toContain(`[${expected.targets[0]!.interpreter}]`);
      const names = [...new Set(expected.findings.filter((f) => f.target === first && f.severity === 'error').map((f) => f.name))];
      for (const name of names) expect(list).toContain(` ${name} `);
      // The selected row in reverse video (SGR 7), whatever the colours.
      expect(tmux('capture-pane', '-p', '-e').stdout).toMatch(/\u001b\[(?:[0-9;]*;)?7m(?:\u001b\[[0-9;]*m)*> /);
      tmux('send-keys', 'Enter');
      const detail = await waitFor(/Evidence:/, 'the detail view');
      expect(detail).toMatch(/Declared at: fixtures\/demo-django\/\S+:\d+/);
      tmux('send-keys', 'Escape');
      await waitFor(/q quit/, 'the list again');
      tmux('send-keys', 'q');
      const end = await waitFor(/__EXIT:\d+/, 'the exit');
      // Blockers exist and --fail-on is error: exit 1, as the plain report would give.
      expect(/__EXIT:(\d+)/.exec(end)![1]).toBe('1');
      const last = bottomLine(expected).map((s) => s.sentence.slice(0, 50));
      for (const sentence of last) expect(end.replace(/\n/g, ' ').replace(/ +/g, ' ')).toContain(sentence.replace(/ +/g, ' '));
      expect(end).not.toContain('q quit');
    } finally {
      stop();
    }
  }, 40_000);

  it.skipIf(!hasTmux)('Ctrl-C during the scan exits at once with 130 and gives the terminal back as it was (echo and line editing on)', async () => {
    const { tmux, waitFor, stop } = session('interrupt', [], 'stty -a | tr " " "\\n" | grep -E "^-?(icanon|echo)$" | tr "\\n" " ";');
    try {
      await waitFor(/packages +\d+ of \d+ resolved/, 'the progress screen');
      const sent = Date.now();
      tmux('send-keys', 'C-c');
      const end = await waitFor(/__EXIT:\d+[\s\S]*(icanon|echo)/, 'the exit');
      expect(Date.now() - sent).toBeLessThan(5_000);
      expect(/__EXIT:(\d+)/.exec(end)![1]).toBe('130');
      expect(end).toMatch(/(^|\s)icanon(\s|$)/m);
      expect(end).toMatch(/(^|\s)echo(\s|$)/m);
    } finally {
      stop();
    }
  }, 40_000);

  it.skipIf(!hasTmux)('e opens $EDITOR at the selected package\'s manifest line, and the audit comes back after it', async () => {
    const args = join(dir, 'editor-args');
    const editor = join(dir, 'editor.sh');
    writeFileSync(editor, `#!/bin/sh\necho "$@" > ${quote(args)}\n`);
    chmodSync(editor, 0o755);
    const { tmux, waitFor, stop } = session('editor', [`EDITOR=${editor}`]);
    try {
      const list = await waitFor(/q quit/, 'the report');
      const selected = /^> \S+ (\S+) /m.exec(list)![1]!;
      const f = expected.findings.find((x) => x.target === expected.targets[0]!.id && x.name === selected)!;
      tmux('send-keys', 'e');
      const deadline = Date.now() + 10_000;
      while (!existsSync(args) && Date.now() < deadline) await sleep(50);
      expect(readFileSync(args, 'utf8').trim()).toBe(`+${f.locations[0]!.line} ${f.locations[0]!.file}`);
      await waitFor(/q quit/, 'the report after the editor');
      tmux('send-keys', 'q');
      await waitFor(/__EXIT:1/, 'the exit');
    } finally {
      stop();
    }
  }, 40_000);
});
