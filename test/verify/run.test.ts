/**
 * The log of one verify subprocess: a build's output is a stranger's. Real processes (python3)
 * print what a hostile or broken build could: credentials in URLs (never in the log), a line that
 * never ends (written in pieces cut at spaces, never inside a URL, in linear time), and more output
 * than a log may hold (cut, with a line saying so).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_PARTIAL, runProcess } from '../../src/verify/run.js';

const dir = mkdtempSync(join(tmpdir(), 'pypy-ready-run-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function logOf(script: string, name: string, maxLogBytes?: number): Promise<string> {
  const logFile = join(dir, name);
  const run = await runProcess('python3', ['-c', script], { env: { PATH: process.env['PATH'] }, cwd: dir, timeoutMs: 60_000, logFile, ...(maxLogBytes ? { maxLogBytes } : {}) });
  expect(run.code).toBe(0);
  return readFileSync(logFile, 'utf8');
}

describe('the log of a subprocess', () => {
  it('removes the credentials of every URL, lines split across writes included', async () => {
    const log = await logOf(`import sys
sys.stdout.write("Collecting x@ https://ci:hunter2@"); sys.stdout.flush()
sys.stdout.write("pkgs.example/x.whl\\n"); sys.stdout.flush()
sys.stderr.write("error from https://tok3n@other.example/simple/\\n")`, 'split.log');
    expect(log).not.toMatch(/hunter2|tok3n/);
    expect(log).toContain('Collecting x@ https://***@pkgs.example/x.whl');
  });

  it('writes a line that never ends in pieces cut at spaces, never inside a URL', async () => {
    const words = 40_000; // about 10 times MAX_PARTIAL, with a URL between the words now and then
    const log = await logOf(`import sys
for i in range(${words}):
    sys.stdout.write("https://u:s3cret@h.example/%d " % i if i % 997 == 0 else "word%d " % i)
    if i % 500 == 0: sys.stdout.flush()`, 'long.log');
    expect(log.length).toBeGreaterThan(MAX_PARTIAL * 4);
    expect(log).not.toContain('s3cret');
    expect(log).toContain('https://***@h.example/997 ');
    expect(log).toContain(`word${words - 1} `);
  });

  it('leaves out a run of characters with no space or line end that passes the limit, keeping the secrets out', async () => {
    const log = await logOf(`import sys
sys.stdout.write("https://u:s3cret@h.example/" + "a" * ${MAX_PARTIAL * 3}); sys.stdout.flush()
sys.stdout.write("\\nnext line\\n")`, 'spaceless.log');
    expect(log).not.toContain('s3cret');
    expect(log).toMatch(/^\[\d+ characters with no space or line end left out\]$/m);
    expect(log).toContain('next line\n');
  });

  it('stops at its limit with a line saying so', async () => {
    const log = await logOf(`for i in range(100000): print("line %d of a very chatty build" % i)`, 'chatty.log', 100_000);
    expect(log.length).toBeLessThan(100_100);
    expect(log.endsWith('[log cut at 100000 characters]\n')).toBe(true);
    expect(log.split('\n')[0]).toBe('line 0 of a very chatty build');
  });
});
