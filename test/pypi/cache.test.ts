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
import { finishedRun } from './finished-run.js';

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
  return finishedRun(c);
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
    expect(second.stats()).toEqual({ requests: 1, inFlight: 0, maxInFlight: 1, cacheHits: 1, revalidated: 1 });
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
    // Messages name the index by scheme, host and port only.
    expect((miss as IndexError).message).toBe(`not in the cache (offline mode): ${s.url}`);
    expect(s.requests).toHaveLength(0);
  });

  it('a run killed between temp write and rename leaves no entry; the next run is correct', async () => {
    const logs: string[] = [];
    // The "crash": rename never happens. The cache write fails, the scan does not.
    const rename = vi.spyOn(fsp, 'rename').mockRejectedValueOnce(Object.assign(new Error('killed'), { code: 'EINTR' }));
    const first = await run({ log: (l) => logs.push(l) }).getProject('lxml');
    expect(rename).toHaveBeenCalledTimes(1);
    expect(first.files).toHaveLength(7);
    expect(logs).toEqual([`cache write failed (EINTR) for ${s.url}`]);
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

  it('an entry checked by SHA-256 (written by earlier versions) is still read, and still checked', async () => {
    const cache = new HttpCache(dir);
    const url = 'https://h.example/simple/x/';
    const key = cacheKey(url, SIMPLE_ACCEPT);
    const freshness = new HttpFreshness();
    const policy = freshness.policyFor(freshness.request(url, SIMPLE_ACCEPT), 200, { etag: '"1"' }).toObject();
    await cache.put(key, { url, status: 200, contentType: 'text/html', policy, body: Buffer.from('<a href="x-1.tar.gz">x</a>') });
    const [file] = entryFiles();
    const text = readFileSync(file!, 'utf8');
    const [magic, header, body] = text.split('\n') as [string, string, string];
    const { bodyCrc32: _crc, ...rest } = JSON.parse(header) as Record<string, unknown>;
    const withSha = (digestOf: string) => `${magic}\n${JSON.stringify({ ...rest, bodySha256: createHash('sha256').update(digestOf).digest('hex') })}\n${body}`;
    writeFileSync(file!, withSha(body));
    expect((await cache.get(key))!.body.toString()).toBe(body);
    writeFileSync(file!, withSha(`${body} `));
    expect(await cache.get(key)).toBeNull();
  });

  it('a 304 that brings nothing new leaves the entry as it was (an ETag-only index is not rewritten on every run)', async () => {
    await run().getProject('lxml');
    const [file] = entryFiles().filter((f) => f.endsWith('.entry'));
    const before = { bytes: readFileSync(file!), mtime: statSync(file!).mtimeMs };
    s.resetLog();
    await run().getProject('lxml');
    expect(s.requests.map((r) => r.status)).toEqual([304]);
    expect(readFileSync(file!)).toEqual(before.bytes);
    expect(statSync(file!).mtimeMs).toBe(before.mtime);
    // A 304 that brings a max-age does change what the next run does: that one is written.
    s.setResponseHeaders({ 'cache-control': 'max-age=600' });
    await run().getProject('lxml');
    expect(readFileSync(file!, 'utf8')).toContain('max-age=600');
    s.resetLog();
    await run().getProject('lxml');
    expect(s.requests).toHaveLength(0);
  });
});

describe('HTTP freshness (RFC 9111, private cache) over real HTTP', () => {
  /** The test's clock: clients read it instead of Date.now, so "later" needs no sleeping. */
  let clock = 0;
  beforeEach(() => {
    clock = Date.now();
  });
  const later = (options: IndexClientOptions = {}) => run({ now: () => clock, ...options });
  const pagePath = '/simple/orjson/';
  const onPage = (headers: Record<string, string | null>) => ({ path, status }: { path: string; status: number }) =>
    path === pagePath && (status === 200 || status === 304) ? headers : undefined;

  it('a CDN copy with max-age=600 and Age: 590 is fresh for 10 s, not 600', async () => {
    s.setResponseHeaders(onPage({ 'cache-control': 'max-age=600', age: '590' }));
    const first = await later().getProject('orjson');
    s.resetLog();
    clock += 5_000;
    expect(await later().getProject('orjson')).toEqual(first);
    expect(s.requests).toHaveLength(0); // 595 s old: still fresh
    clock += 6_000;
    const stale = later();
    expect(await stale.getProject('orjson')).toEqual(first);
    expect(s.requests.map((r) => [r.path, r.status])).toEqual([[pagePath, 304]]); // 601 s old: revalidated
    expect(stale.stats().revalidated).toBe(1);
    // The 304 carried Age: 590 again, so the copy is fresh for another 10 s from now.
    s.resetLog();
    clock += 9_000;
    await later().getProject('orjson');
    expect(s.requests).toHaveLength(0);
    clock += 2_000;
    await later().getProject('orjson');
    expect(s.requests).toHaveLength(1);
  });

  it('Expires (against the server Date) gives freshness; max-age=0 overrides it', async () => {
    s.setResponseHeaders(({ path }) => (path === pagePath ? { expires: new Date(Date.now() + 60_000).toUTCString() } : undefined));
    await later().getProject('orjson');
    s.resetLog();
    clock += 30_000;
    await later().getProject('orjson');
    expect(s.requests).toHaveLength(0);
    clock += 40_000;
    await later().getProject('orjson');
    expect(s.requests).toHaveLength(1);

    s.setResponseHeaders(({ path }) => (path === '/simple/lxml/' ? { 'cache-control': 'max-age=0', expires: new Date(Date.now() + 60_000).toUTCString() } : undefined));
    await later().getProject('lxml');
    s.resetLog();
    await later().getProject('lxml');
    expect(s.requests.map((r) => r.status)).toEqual([304]);
  });

  it('s-maxage is for shared caches: ignored here; private is fine for us', async () => {
    s.setResponseHeaders(onPage({ 'cache-control': 's-maxage=600' }));
    await later().getProject('orjson');
    s.resetLog();
    await later().getProject('orjson');
    expect(s.requests.map((r) => r.status)).toEqual([304]);
    s.setResponseHeaders(onPage({ 'cache-control': 'private, max-age=600' }));
    await later().getProject('orjson'); // stale, revalidated: the 304 brings max-age=600
    s.resetLog();
    await later().getProject('orjson');
    expect(s.requests).toHaveLength(0);
  });

  it('no-cache: stored, but asked about every time even with max-age', async () => {
    s.setResponseHeaders(onPage({ 'cache-control': 'no-cache, max-age=600' }));
    const first = await later().getProject('orjson');
    expect(entryFiles()).toHaveLength(1);
    s.resetLog();
    expect(await later().getProject('orjson')).toEqual(first);
    expect(s.requests.map((r) => [r.status, r.ifNoneMatch !== null])).toEqual([[304, true]]);
  });

  it('no-store: nothing kept; a 304 saying no-store removes the older copy', async () => {
    s.setResponseHeaders(({ path }) => (path === '/simple/lxml/' ? { 'cache-control': 'no-store' } : undefined));
    await later().getProject('lxml');
    expect(entryFiles()).toEqual([]);

    const first = await later().getProject('orjson');
    expect(entryFiles()).toHaveLength(1);
    s.setResponseHeaders(onPage({ 'cache-control': 'no-store' }));
    s.resetLog();
    expect(await later().getProject('orjson')).toEqual(first);
    expect(s.requests.map((r) => r.status)).toEqual([304]); // the validated body is still used once
    expect(entryFiles()).toEqual([]);
    s.resetLog();
    await later().getProject('orjson');
    expect(s.requests.map((r) => [r.ifNoneMatch, r.ifModifiedSince, r.status])).toEqual([[null, null, 200]]);
    expect(entryFiles()).toEqual([]);
  });

  it('a 304 updates the stored header fields, new ones included (RFC 9111 §3.2)', async () => {
    await later().getProject('orjson'); // no Cache-Control at all
    s.setResponseHeaders(({ path, status }) => (path === pagePath && status === 304 ? { 'cache-control': 'max-age=600' } : undefined));
    await later().getProject('orjson');
    s.resetLog();
    clock += 60_000;
    await later().getProject('orjson');
    expect(s.requests).toHaveLength(0);
  });

  it('must-revalidate: fresh while max-age lasts, revalidated once stale', async () => {
    s.setResponseHeaders(onPage({ 'cache-control': 'max-age=60, must-revalidate' }));
    await later().getProject('orjson');
    s.resetLog();
    clock += 1_000;
    await later().getProject('orjson');
    expect(s.requests).toHaveLength(0);
    clock += 60_000;
    await later().getProject('orjson');
    expect(s.requests.map((r) => r.status)).toEqual([304]);
  });

  it('Last-Modified as the only validator: If-Modified-Since, no If-None-Match', async () => {
    s.setResponseHeaders(onPage({ etag: null }));
    const first = await later().getProject('orjson');
    s.resetLog();
    expect(await later().getProject('orjson')).toEqual(first);
    expect(s.requests.map((r) => [r.ifNoneMatch, r.ifModifiedSince !== null, r.status])).toEqual([[null, true, 304]]);
  });

  it('a 304 whose ETag is not the stored one: fetched again without conditions', async () => {
    const first = await later().getProject('orjson');
    s.setResponseHeaders(({ path, status }) => (path === pagePath && status === 304 ? { etag: '"someone-else"' } : undefined));
    s.resetLog();
    const c = later();
    expect(await c.getProject('orjson')).toEqual(first);
    expect(s.requests.map((r) => [r.status, r.ifNoneMatch !== null])).toEqual([[304, true], [200, false]]);
    expect(c.stats().revalidated).toBe(0);
  });

  it('offline answers from a stale entry', async () => {
    s.setResponseHeaders(onPage({ 'cache-control': 'max-age=1' }));
    const first = await later().getProject('orjson');
    clock += 3_600_000;
    s.resetLog();
    expect(await later({ offline: true }).getProject('orjson')).toEqual(first);
    expect(s.requests).toHaveLength(0);
  });

  it('an entry of the previous format is revalidated with its validators (never trusted, never a crash), offline still uses it', async () => {
    const first = await later().getProject('orjson');
    const [file] = entryFiles();
    const current = decodeEntry(readFileSync(file!))!;
    const etag = current.policy.resh['etag'] as string;
    // Format 1 said "fresh for 600 s from now"; that hand-made verdict is no longer believed.
    writeFileSync(file!, legacyEntry({ url: `${s.simpleUrl}orjson/`, etag, storedAt: Date.now(), maxAge: 600 }, current.body));
    s.resetLog();
    expect(await later({ offline: true }).getProject('orjson')).toEqual(first);
    expect(s.requests).toHaveLength(0);
    const c = later();
    expect(await c.getProject('orjson')).toEqual(first);
    expect(s.requests.map((r) => [r.ifNoneMatch, r.status])).toEqual([[etag, 304]]);
    expect(c.stats().revalidated).toBe(1);
    expect(readFileSync(file!).subarray(0, 25).toString()).toBe('pypy-ready-http-cache v2\n'); // rewritten

    // Format-1 entries with odd fields: a miss (refetched), not a crash.
    for (const header of [{ url: 5 }, { url: `${s.simpleUrl}orjson/`, status: 'x' }, { url: `${s.simpleUrl}orjson/`, status: 200, etag: 7, storedAt: 'soon' }]) {
      writeFileSync(file!, legacyEntry(header, current.body));
      s.resetLog();
      expect(await later().getProject('orjson')).toEqual(first);
      expect(s.requests).toHaveLength(1);
    }
  });

  it('a format-2 entry with a damaged policy is a miss', async () => {
    const first = await later().getProject('orjson');
    const [file] = entryFiles();
    const text = readFileSync(file!).toString('latin1').replace('"v":1', '"v":9');
    writeFileSync(file!, Buffer.from(text, 'latin1'));
    s.resetLog();
    expect(await later().getProject('orjson')).toEqual(first);
    expect([s.requests[0]!.ifNoneMatch, s.requests[0]!.status]).toEqual([null, 200]);
  });

  it('a stored policy holds no credentials, no query token and no unrelated headers', async () => {
    const SECRET = 'T0ken-in-the-url';
    const cache = new HttpCache(dir);
    const f = new HttpFreshness();
    const url = `https://user:${SECRET}@h.example/files/x.whl.metadata?token=${SECRET}&x=1`;
    const policy = f.policyFor(f.request(url, '*/*'), 200, { etag: '"1"', 'set-cookie': `session=${SECRET}`, 'www-authenticate': SECRET, 'cache-control': 'max-age=60' });
    await cache.put(cacheKey(url, '*/*'), { url, status: 200, contentType: null, policy: policy.toObject(), body: Buffer.from('x') });
    const [file] = entryFiles();
    const text = readFileSync(file!).toString('latin1');
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain('user');
    expect(text).not.toContain('set-cookie');
    const entry = (await cache.get(cacheKey(url, '*/*')))!;
    expect(entry.policy.u).toBe('https://***@h.example/files/x.whl.metadata?token=***&x=1');
    expect(f.fresh(f.restore(entry.policy)!, f.request(url, '*/*'))).toBe(true); // the redacted URL still matches
  });
});

/** Bytes in the previous (format 1) layout: magic, JSON header with hand-rolled freshness, body. */
function legacyEntry(fields: Record<string, unknown>, body: Buffer): Buffer {
  const header = { status: 200, contentType: 'application/vnd.pypi.simple.v1+json', etag: null, lastModified: null, storedAt: 0, maxAge: 0, ...fields, bodyLength: body.length, bodySha256: createHash('sha256').update(body).digest('hex') };
  return Buffer.concat([Buffer.from(`pypy-ready-http-cache v1\n${JSON.stringify(header)}\n`, 'utf8'), body]);
}

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
