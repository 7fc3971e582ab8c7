/**
 * When the scan opens the interactive audit and when it prints the plain report: a terminal on
 * stdin and stdout, outside CI, with no plain output asked for. And the plain report's one-line
 * progress, which goes to stderr only when stderr is a terminal.
 */
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { parseScanArgs } from '../../src/cli/commands/scan.js';
import { loadFixtureDir, startIndexServer, type IndexServer } from '../../src/devserver/index-server.js';
import { captureIO } from '../support/cli.js';
import { REPO_ROOT } from '../support/shared.js';

const terminal = { stdoutIsTTY: true, stdinIsTTY: true, stderrIsTTY: true };

describe('the interactive audit or the plain report', () => {
  it.each([
    ['a terminal, outside CI', [], terminal, {}, true],
    ['stdout piped', [], { ...terminal, stdoutIsTTY: false }, {}, false],
    ['stdin not a terminal', [], { ...terminal, stdinIsTTY: false }, {}, false],
    ['CI set', [], terminal, { CI: 'true' }, false],
    ['CI=false is not CI', [], terminal, { CI: 'false' }, true],
    ['--format text', ['--format', 'text'], terminal, {}, false],
    ['--format json', ['--format', 'json'], terminal, {}, false],
    ['--output', ['--output', 'r.txt'], terminal, {}, false],
    ['--no-interactive', ['--no-interactive'], terminal, {}, false],
    ['--interactive under CI', ['--interactive'], terminal, { CI: 'true' }, true],
  ] as const)('%s', (_label, args, tty, env, interactive) => {
    const parsed = parseScanArgs([...args], captureIO({ ...tty, env }));
    expect(parsed.interactive).toBe(interactive);
  });

  it.each([
    [['--interactive'], { stdoutIsTTY: false }, '--interactive needs a terminal on stdin and stdout'],
    [['--interactive', '--format', 'json'], terminal, '--interactive cannot be combined with --format, --output or --baseline (they ask for a plain report)'],
    [['--interactive', '--no-interactive'], terminal, '--interactive and --no-interactive cannot be combined'],
  ] as const)('%j is a usage error (exit 2)', async (args, tty, message) => {
    const io = captureIO({ ...tty });
    expect(await main(['scan', ...args], io)).toBe(2);
    expect(io.err).toBe(`pypy-ready: ${message}\n`);
    expect(io.out).toBe('');
  });
});

describe('the plain report shows progress on stderr only when stderr is a terminal', () => {
  let server: IndexServer;
  beforeAll(async () => {
    server = await startIndexServer({ packages: loadFixtureDir(resolve(REPO_ROOT, 'fixtures/demo-index')), faults: [{ kind: 'latency', ms: 100 }] });
  });
  afterAll(async () => {
    await server.close();
  });
  const args = () => ['fixtures/demo-django', '--index-url', server.simpleUrl, '--no-cache', '--no-interactive', '--fail-on', 'never'];

  it('stderr a terminal: one line, rewritten in place, erased before the report', async () => {
    const io = captureIO({ stderrIsTTY: true, env: { TERM: 'xterm' } });
    expect(await main(args(), io)).toBe(0);
    const updates = io.err.split('\r').map((p) => p.replace(/^\u001b\[K/, '')).filter((p) => p.startsWith('pypy-ready: '));
    expect(updates.length).toBeGreaterThan(1);
    expect(updates.some((u) => /^pypy-ready: \d+\/\d+ packages resolved, \d+ requests in flight, \d+ from the cache/.test(u))).toBe(true);
    expect(io.err).not.toContain('\n');
    expect(io.err.endsWith('\r\u001b[K')).toBe(true);
    expect(io.out).toMatch(/^PyPy 3\.11 \(7\.3\): /);
  });

  it('TERM=dumb: no escape sequence; the line is overwritten with spaces', async () => {
    const io = captureIO({ stderrIsTTY: true, env: { TERM: 'dumb' } });
    await main(args(), io);
    expect(io.err).not.toContain('\u001b');
    expect(io.err).toMatch(/\r +\r$/);
  });

  it('stderr not a terminal: nothing on stderr', async () => {
    const io = captureIO({ stderrIsTTY: false });
    await main(args(), io);
    expect(io.err).toBe('');
  });
});
