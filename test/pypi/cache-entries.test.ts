/**
 * What is at an entry's path is never trusted (issue 10, defect 5): a symlink (to /dev/zero, or
 * to a valid entry outside the cache), a FIFO, a directory or an oversized file is a miss, the
 * run finishes, and the next response replaces it with a good entry, atomically.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, constants, copyFileSync, lstatSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeEntry, HttpCache } from '../../src/pypi/cache.js';
import { IndexClient, type IndexClientOptions } from '../../src/pypi/client.js';
import { fixtureDir, loadFixtureDir, startIndexServer, type IndexServer } from '../support/index-server.js';
import { finishedRun } from './finished-run.js';

const demo = loadFixtureDir(fixtureDir);
let dir: string;
let outside: string;
let s: IndexServer;
const clients: IndexClient[] = [];
const timers: NodeJS.Timeout[] = [];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pypy-ready-cache-entries-'));
  outside = mkdtempSync(join(tmpdir(), 'pypy-ready-outside-'));
  s = await startIndexServer({ packages: demo });
});
afterEach(async () => {
  for (const t of timers.splice(0)) clearTimeout(t);
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await s.close();
  rmSync(dir, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});

function run(options: IndexClientOptions = {}): IndexClient {
  const c = new IndexClient({ indexUrl: s.simpleUrl, cacheDir: dir, env: {}, netrc: false, backoffMs: 5, ...options });
  clients.push(c);
  return finishedRun(c);
}

/** The one entry a first run leaves, and the page it answered. */
async function firstRun(): Promise<{ entry: string; page: unknown; bytes: Buffer }> {
  const page = await run().getProject('lxml');
  const walk = (d: string): string[] => readdirSync(d).flatMap((e) => (statSync(join(d, e)).isDirectory() ? walk(join(d, e)) : [join(d, e)]));
  const entries = walk(dir).filter((f) => f.endsWith('.entry'));
  expect(entries).toHaveLength(1);
  return { entry: entries[0]!, page, bytes: readFileSync(entries[0]!) };
}

/** The second run treated the entry as a miss, finished, and left a good regular file in its place. */
async function expectMissAndReplaced(entry: string, page: unknown, options: IndexClientOptions = {}): Promise<void> {
  s.resetLog();
  expect(await run(options).getProject('lxml')).toEqual(page);
  expect(s.requests.map((r) => [r.path, r.ifNoneMatch])).toEqual([['/simple/lxml/', null]]); // a miss: nothing to revalidate
  const info = lstatSync(entry);
  expect(info.isFile()).toBe(true);
  expect(info.isSymbolicLink()).toBe(false);
  expect(decodeEntry(readFileSync(entry))).not.toBeNull();
  expect(readdirSync(join(entry, '..')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  // And it is used: the third run revalidates it.
  s.resetLog();
  expect(await run(options).getProject('lxml')).toEqual(page);
  expect(s.requests.map((r) => r.status)).toEqual([304]);
}

describe('an entry that is not a plain file of a sane size is a miss, and is replaced', () => {
  it('a symlink to /dev/zero is never read', { timeout: 20_000 }, async () => {
    const { entry, page } = await firstRun();
    unlinkSync(entry);
    symlinkSync('/dev/zero', entry);
    await expectMissAndReplaced(entry, page);
  });

  it('a FIFO does not hang the run', { timeout: 20_000 }, async (context) => {
    const { entry, page } = await firstRun();
    unlinkSync(entry);
    try {
      execFileSync('mkfifo', [entry], { stdio: 'ignore' });
    } catch {
      context.skip('mkfifo is not available on this machine: FIFO case not checked');
    }
    // Watchdog: a reader blocked on the FIFO is released by a writer that opens and closes it, so
    // a regression fails on the flag below instead of hanging the suite.
    let watchdogFired = false;
    timers.push(
      setTimeout(() => {
        watchdogFired = true;
        try {
          closeSync(openSync(entry, constants.O_WRONLY | constants.O_NONBLOCK));
        } catch {
          // no reader (ENXIO) or gone: nothing is blocked
        }
      }, 8_000),
    );
    await expectMissAndReplaced(entry, page);
    expect(watchdogFired).toBe(false);
  });

  it('a directory in place of an entry is removed and replaced', async () => {
    const { entry, page } = await firstRun();
    unlinkSync(entry);
    mkdirSync(join(entry, 'inner'), { recursive: true });
    writeFileSync(join(entry, 'inner', 'x'), 'x');
    await expectMissAndReplaced(entry, page);
  });

  it('an oversized entry (valid, but larger than the response cap plus header room) is not read', async () => {
    const { entry, page, bytes } = await firstRun();
    const entryData = decodeEntry(bytes)!;
    // Same policy and a body that is still the same page (JSON allows trailing white space), 3 MB long.
    const padded = Buffer.concat([entryData.body, Buffer.alloc(3 * 1024 * 1024, 0x20)]);
    const key = entry.split('/').pop()!.replace(/\.entry$/, '');
    await new HttpCache(dir).put(key, { ...entryData, body: padded });
    expect(statSync(entry).size).toBeGreaterThan(3 * 1024 * 1024);
    await expectMissAndReplaced(entry, page, { maxResponseBytes: 100_000 });
    expect(statSync(entry).size).toBeLessThan(100_000);
  });

  it('a symlink to a valid entry outside the cache directory is not followed, and its target is left alone', async () => {
    const { entry, page, bytes } = await firstRun();
    const target = join(outside, 'planted.entry');
    copyFileSync(entry, target);
    unlinkSync(entry);
    symlinkSync(target, entry);
    await expectMissAndReplaced(entry, page);
    expect(readFileSync(target).equals(bytes)).toBe(true);
    expect(lstatSync(target).isFile()).toBe(true);
  });
});
