/**
 * The on-disk cache: revalidation, freshness, offline mode, and what a killed write leaves behind.
 */
import { createHash } from 'node:crypto';
import { promises as fsp, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cacheKey, decodeEntry, defaultCacheDir, HttpCache, HttpFreshness } from '../../src/pypi/cache.js';
import { IndexClient, SIMPLE_ACCEPT, type IndexClientOptions } from '../../src/pypi/client.js';
import { IndexError } from '../../src/pypi/types.js';
import { fixtureDir, loadFixtureDir, startIndexServer, type IndexServer } from '../support/index-server.js';

const demo = loadFixtureDir(fixtureDir);
let dir: string;
let s: IndexServer;
const clients: IndexClient[] = [];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pypy-ready-cache-'));
  s = await startIndexServer({ packages: demo });
});
afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await s.close();
  rmSync(dir, { recursive: true, force: true });
});

function run(options: IndexClientOptions = {}): IndexClient {
  const c = new IndexClient({ indexUrl: s.simpleUrl, cacheDir: dir, env: {}, netrc: false, backoffMs: 5, ...options });
  clients.push(c);
  return c;
}

function entryFiles(): string[] {
  const walk = (d: string): string[] => readdirSync(d).flatMap((e) => (statSync(join(d, e)).isDirectory() ? walk(join(d, e)) : [join(d, e)]));
  return walk(dir);
}

describe('HTTP cache', () => {
  it('revalidates with If-None-Match and serves the stored body on 304', async () => {
    const first = await run().getProject('lxml');
    expect(s.requests[0]!.ifNoneMatch).toBeNull();
    s.resetLog();
    const second = run();
    expect(await second.getProject('lxml')).toEqual(first);
    expect(s.requests).toHaveLength(1);
    expect(s.requests[0]!.ifNoneMatch).toMatch(/^"[0-9a-f]+"$/);
    expect(s.requests[0]!.ifModifiedSince).not.toBeNull();
    expect(s.requests[0]!.status).toBe(304);
    expect(second.stats()).toEqual({ requests: 1, maxInFlight: 1, cacheHits: 1, revalidated: 1 });
  });

  it('uses a fresh entry (Cache-Control max-age) without asking', async () => {
    await s.close();
    s = await startIndexServer({ packages: demo, cacheControl: 'max-age=600, public' });
    const first = await run().getProject('orjson');
    s.resetLog();
    const second = run();
    expect(await second.getProject('orjson')).toEqual(first);
    expect(s.requests).toHaveLength(0);
    expect(second.stats().cacheHits).toBe(1);
  });

  it('offline: answers from the cache only; a miss is an offline IndexError', async () => {
    const first = await run().getProject('django');
    s.resetLog();
    const offline = run({ offline: true });
    expect(await offline.getProject('django')).toEqual(first);
    const miss = await offline.getProject('lxml').catch((e: unknown) => e);
    expect(miss).toBeInstanceOf(IndexError);
    expect((miss as IndexError).kind).toBe('offline');
    expect((miss as IndexError).message).toBe(`not in the cache (offline mode): ${s.simpleUrl}lxml/`);
    expect(s.requests).toHaveLength(0);
  });

  it('a run killed between temp write and rename leaves no entry; the next run is correct', async () => {
    const logs: string[] = [];
    // The "crash": rename never happens. The cache write fails, the scan does not.
    const rename = vi.spyOn(fsp, 'rename').mockRejectedValueOnce(Object.assign(new Error('killed'), { code: 'EINTR' }));
    const first = await run({ log: (l) => logs.push(l) }).getProject('lxml');
    expect(rename).toHaveBeenCalledTimes(1);
    expect(first.files).toHaveLength(7);
    expect(logs).toEqual([`cache write failed (EINTR) for ${s.simpleUrl}lxml/`]);
    expect(entryFiles().filter((f) => f.endsWith('.entry'))).toEqual([]);
    s.resetLog();
    expect(await run().getProject('lxml')).toEqual(first);
    expect(s.requests[0]!.ifNoneMatch).toBeNull(); // nothing half-written was trusted
    expect(entryFiles().filter((f) => f.endsWith('.entry'))).toHaveLength(1);
  });

  it('a truncated entry and a stray temp file are discarded, refetched and rewritten', async () => {
    const first = await run().getProject('lxml');
    const [entry] = entryFiles();
    const bytes = readFileSync(entry!);
    writeFileSync(entry!, bytes.subarray(0, Math.floor(bytes.length * 0.6))); // a non-atomic writer killed midway
    writeFileSync(`${entry}.4242.deadbeef.tmp`, bytes.subarray(0, 10));
    s.resetLog();
    expect(await run().getProject('lxml')).toEqual(first);
    expect(s.requests[0]!.ifNoneMatch).toBeNull();
    expect(decodeEntry(readFileSync(entry!))).not.toBeNull();
    s.resetLog();
    expect(await run().getProject('lxml')).toEqual(first);
    expect(s.requests[0]!.status).toBe(304);
  });

  it('a flipped byte in the body fails the digest check', async () => {
    const cache = new HttpCache(dir);
    const key = cacheKey('https://u:p@h.example/simple/x/', SIMPLE_ACCEPT);
    const freshness = new HttpFreshness();
    const policy = freshness.policyFor(freshness.request('https://u:p@h.example/simple/x/', SIMPLE_ACCEPT), 200, { etag: '"1"' }).toObject();
    await cache.put(key, { url: 'https://u:p@h.example/simple/x/', status: 200, contentType: 'text/html', policy, body: Buffer.from('<a href="x-1.tar.gz">x</a>') });
    expect((await cache.get(key))!.url).toBe('https://***@h.example/simple/x/');
    const [file] = entryFiles();
    const bytes = readFileSync(file!);
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 3) ^ 1, bytes.length - 3);
    writeFileSync(file!, bytes);
    expect(await cache.get(key)).toBeNull();
    expect(entryFiles()).toEqual([]);
  });
});

describe('cache helpers', () => {
  it('keys ignore credentials and depend on Accept', () => {
    expect(cacheKey('https://a:b@h.example/simple/x/', '*/*')).toBe(cacheKey('https://h.example/simple/x/', '*/*'));
    expect(cacheKey('https://h.example/simple/x/', '*/*')).not.toBe(cacheKey('https://h.example/simple/x/', 'text/html'));
    expect(cacheKey('https://h.example/x', '*/*')).toMatch(/^[0-9a-f]{64}$/);
  });

  // Replaces the test of the hand-rolled `cachePolicy` (max-age only): freshness is now
  // http-cache-semantics' answer for a private cache, checked here without a server.
  it('judges freshness as a private cache: max-age minus Age, s-maxage ignored, no heuristics', () => {
    let clock = 1_000_000_000_000;
    const f = new HttpFreshness(() => clock);
    const request = f.request('https://h.example/simple/x/', SIMPLE_ACCEPT);
    const fresh = (headers: Record<string, string>) => f.fresh(f.policyFor(request, 200, headers), request);
    const date = new Date(clock).toUTCString();
    expect(fresh({ 'cache-control': 'max-age=600, public' })).toBe(true);
    expect(fresh({ 'cache-control': 'max-age=600', age: '600' })).toBe(false);
    expect(fresh({ 'cache-control': 'private, max-age=600' })).toBe(true);
    expect(fresh({ 'cache-control': 's-maxage=600' })).toBe(false);
    expect(fresh({ 'cache-control': 'no-cache, max-age=600' })).toBe(false);
    expect(fresh({ 'cache-control': 'max-age=600, must-revalidate' })).toBe(true);
    expect(fresh({ date, expires: new Date(clock + 60_000).toUTCString() })).toBe(true);
    expect(fresh({ date, expires: '0' })).toBe(false);
    expect(fresh({ date, 'cache-control': 'max-age=0', expires: new Date(clock + 60_000).toUTCString() })).toBe(false);
    // Only Last-Modified, months old: a heuristic would call this fresh for days; we revalidate.
    expect(fresh({ date, 'last-modified': new Date(clock - 90 * 86_400_000).toUTCString() })).toBe(false);
    expect(f.policyFor(request, 200, { 'cache-control': 'no-store' }).storable()).toBe(false);
    const mustRevalidate = f.policyFor(request, 200, { 'cache-control': 'max-age=60, must-revalidate' });
    clock += 61_000;
    expect(f.fresh(mustRevalidate, request)).toBe(false);
  });

  it('puts the default cache in the user cache directory', () => {
    expect(defaultCacheDir({ XDG_CACHE_HOME: '/x/cache', HOME: '/home/u' })).toBe('/x/cache/pypy-ready');
    if (process.platform === 'linux') expect(defaultCacheDir({ HOME: '/home/u' })).toBe('/home/u/.cache/pypy-ready');
  });
});
