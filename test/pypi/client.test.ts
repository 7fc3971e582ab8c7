/**
 * The index client against a real HTTP server on 127.0.0.1 (src/devserver/index-server.ts).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { IndexClient, type IndexClientOptions } from '../../src/pypi/client.js';
import { parseCoreMetadata } from '../../src/pypi/metadata.js';
import { IndexError } from '../../src/pypi/types.js';
import { fixtureDir, loadFixtureDir, startIndexServer, type FixtureIndex, type IndexServer } from '../support/index-server.js';
import { finishedRun } from './finished-run.js';

const demo = loadFixtureDir(fixtureDir);
const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((o) => o.close()));
});

function client(indexUrl: string, options: IndexClientOptions = {}): IndexClient {
  const c = new IndexClient({ indexUrl, cacheDir: null, env: {}, netrc: false, timeoutMs: 2_000, backoffMs: 5, retries: 2, ...options });
  open.push(c);
  return finishedRun(c);
}

async function server(options: Parameters<typeof startIndexServer>[0] = {}): Promise<IndexServer> {
  const s = await startIndexServer({ packages: demo, ...options });
  open.push(s);
  return s;
}

async function rejection(promise: Promise<unknown>): Promise<IndexError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(IndexError);
    return error as IndexError;
  }
  throw new Error('expected an IndexError');
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

describe('protocols', () => {
  it('asks for PEP 691 JSON first and parses it (files, hashes, PEP 700 versions)', async () => {
    const s = await server();
    const page = await client(s.simpleUrl).getProject('Django');
    expect(s.requests[0]!.accept).toMatch(/^application\/vnd\.pypi\.simple\.v1\+json,/);
    expect(page.name).toBe('django');
    expect(page.versions).toEqual(['5.2.8', '6.0']);
    expect(page.files.map((f) => f.filename)).toEqual(['django-5.2.8-py3-none-any.whl', 'django-5.2.8.tar.gz', 'django-6.0-py3-none-any.whl', 'django-6.0.tar.gz']);
    expect(page.files.map((f) => f.requiresPython)).toEqual(['>=3.10', '>=3.10', '>=3.12', '>=3.12']);
    // Ground truth for the hash: download the file itself and hash it.
    const bytes = Buffer.from(await (await fetch(page.files[0]!.url)).arrayBuffer());
    expect(page.files[0]!.hashes['sha256']).toBe(sha256(bytes));
    expect(page.files[0]!.size).toBe(bytes.length);
  });

  it('falls back to PEP 503 HTML by Content-Type (relative links, yanked reason)', async () => {
    const s = await server();
    const page = await client(s.simpleUrl).getProject('html_only.example');
    expect(page.name).toBe('html-only-example');
    expect(page.versions).toEqual([]);
    expect(page.files.map((f) => [f.filename, f.yanked])).toEqual([
      ['html_only_example-1.0.0-py3-none-any.whl', false],
      ['html_only_example-1.0.0.tar.gz', false],
      ['html_only_example-0.9.0.tar.gz', 'broken build'],
    ]);
    const bytes = Buffer.from(await (await fetch(page.files[1]!.url)).arrayBuffer());
    expect(page.files[1]!.hashes['sha256']).toBe(sha256(bytes));
  });

  it('reads the same project identically from JSON and HTML', async () => {
    const jsonSide = await server();
    const htmlOnly: FixtureIndex = { lxml: { ...demo['lxml']!, formats: ['html'] } };
    const htmlSide = await server({ packages: htmlOnly });
    const a = await client(jsonSide.simpleUrl).getProject('lxml');
    const b = await client(htmlSide.simpleUrl).getProject('lxml');
    const strip = (files: typeof a.files) => files.map(({ filename, requiresPython, yanked, hashes, coreMetadata }) => ({ filename, requiresPython, yanked, hashes, coreMetadata }));
    expect(strip(b.files)).toEqual(strip(a.files));
    expect(a.files.length).toBe(7);
  });

  it('fetches PEP 658 core metadata, checks its hash, and skips files without it', async () => {
    const s = await server();
    const c = client(s.simpleUrl);
    const page = await c.getProject('django');
    const wheel = page.files.find((f) => f.filename === 'django-5.2.8-py3-none-any.whl')!;
    const text = await c.getCoreMetadata(wheel);
    expect(parseCoreMetadata(text!).requiresDist).toEqual(demo['Django']!.versions['5.2.8']!.requiresDist);
    const sdist = page.files.find((f) => f.filename === 'django-5.2.8.tar.gz')!;
    const before = s.requests.length;
    expect(await c.getCoreMetadata(sdist)).toBeNull();
    expect(s.requests.length).toBe(before);
    const tampered = { ...wheel, url: page.files[2]!.url }; // another file's metadata, this file's hash
    const error = await rejection(c.getCoreMetadata(tampered));
    expect(error.kind).toBe('invalid-response');
    expect(error.message).toMatch(/core metadata sha256 mismatch/);
  });

  it('reads the JSON API (latest and one version) only where the index offers it', async () => {
    const s = await server();
    const c = client(s.simpleUrl);
    const latest = await c.getProjectInfo('django');
    expect([latest!.name, latest!.version, latest!.requiresPython]).toEqual(['Django', '6.0', '>=3.12']);
    const old = await c.getProjectInfo('Django', '5.2.8');
    expect(old!.requiresDist).toEqual(demo['Django']!.versions['5.2.8']!.requiresDist);
    expect(old!.classifiers).toEqual(demo['Django']!.versions['5.2.8']!.classifiers);
    expect(await c.getProjectInfo('html-only-example')).toBeNull(); // 404 there
    const other = client(`${s.url}/other-layout/`);
    expect(await other.getProjectInfo('django')).toBeNull();
    expect(s.requests.some((r) => r.path.includes('other-layout'))).toBe(false);
  });

  it('404 is a not-found IndexError with the URL; invalid names too', async () => {
    const s = await server();
    const error = await rejection(client(s.simpleUrl).getProject('no-such-project'));
    expect(error.kind).toBe('not-found');
    // Messages name an index by scheme, host and port only (a path can hold a token).
    expect(error.message).toBe(`project "no-such-project" not found on ${s.url}`);
    expect((await rejection(client(s.simpleUrl).getProject('bad name!'))).message).toMatch(/invalid project name "bad name!"/);
  });

  it('merges extra indexes like pip: files from all, found where only an extra has it', async () => {
    const primary = await server({ packages: { shared: { versions: { '1.0': { files: ['shared-1.0.tar.gz'] } } } } });
    const extra = await server({
      packages: {
        shared: { versions: { '2.0': { files: ['shared-2.0.tar.gz'] } } },
        'only-extra': { versions: { '1.0': { files: ['only_extra-1.0-py3-none-any.whl'] } } },
      },
    });
    const c = client(primary.simpleUrl, { extraIndexUrls: [extra.simpleUrl] });
    const shared = await c.getProject('shared');
    expect(shared.files.map((f) => f.filename).sort()).toEqual(['shared-1.0.tar.gz', 'shared-2.0.tar.gz']);
    expect(shared.versions).toEqual(['1.0', '2.0']);
    expect(shared.source).toBe(`${primary.simpleUrl}shared/ ${extra.simpleUrl}shared/`);
    expect((await c.getProject('only-extra')).files).toHaveLength(1);
    expect(shared.skippedIndexes).toEqual([]);
    // A failing extra index is skipped like pip does (this used to fail the whole package); the
    // page says which index is missing from it. Failover itself is tested below.
    extra.setFault({ kind: 'status', status: 500 });
    const partial = await client(primary.simpleUrl, { extraIndexUrls: [extra.simpleUrl], retries: 0 }).getProject('shared');
    expect(partial.files.map((f) => f.filename)).toEqual(['shared-1.0.tar.gz']);
    expect(partial.skippedIndexes).toEqual([{ index: extra.url, reason: `HTTP 500 from ${extra.url}` }]);
  });

  it('rejects bad responses with a reason', async () => {
    const bodies: Record<string, [string, string]> = {
      '/simple/badjson/': ['application/vnd.pypi.simple.v1+json', '{"files": ['],
      '/simple/v2/': ['application/vnd.pypi.simple.v1+json', '{"meta":{"api-version":"2.0"},"files":[]}'],
      '/simple/pdf/': ['application/pdf', '%PDF'],
      '/pypi/badinfo/json': ['application/json', '{"releases": {}}'],
    };
    const raw: Server = createServer((req, res) => {
      const hit = bodies[req.url ?? ''];
      if (!hit) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': hit[0] }).end(hit[1]);
    });
    await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
    open.push({ close: () => new Promise<void>((resolve) => raw.close(() => resolve())) });
    const base = `http://127.0.0.1:${(raw.address() as AddressInfo).port}/simple/`;
    const c = client(base);
    const bad = await rejection(c.getProject('badjson'));
    expect([bad.kind, bad.message]).toEqual(['invalid-response', expect.stringMatching(/^invalid JSON Simple API page from http:\/\/127\.0\.0\.1:\d+: not valid JSON/)]);
    expect((await rejection(c.getProject('v2'))).message).toMatch(/unsupported API version "2.0"/);
    expect((await rejection(c.getProject('pdf'))).message).toMatch(/unexpected Content-Type "application\/pdf"/);
    expect((await rejection(c.getProjectInfo('badinfo'))).message).toMatch(/no "info" object/);
  });
});

describe('politeness', () => {
  it('never fetches a URL twice in one run and never exceeds the concurrency limit', async () => {
    const packages: FixtureIndex = {};
    for (let i = 0; i < 40; i++) packages[`pkg${i}`] = { versions: { '1.0': { files: [`pkg${i}-1.0-py3-none-any.whl`] } } };
    const s = await server({ packages, faults: [{ kind: 'latency', ms: 20 }] });
    const c = client(s.simpleUrl, { concurrency: 4 });
    const names = Object.keys(packages);
    // Every project asked three times, two spellings, concurrently and again afterwards.
    await Promise.all([...names, ...names.map((n) => n.toUpperCase()), ...names].map((n) => c.getProject(n)));
    const pages = await Promise.all(names.map((n) => c.getProject(n)));
    await Promise.all(pages.map((p) => c.getCoreMetadata(p.files[0]!)));
    await Promise.all(pages.map((p) => c.getCoreMetadata(p.files[0]!)));
    const paths = s.requests.map((r) => r.path);
    expect(paths).toHaveLength(80);
    expect(new Set(paths).size).toBe(80);
    expect(s.maxInFlight()).toBeLessThanOrEqual(4);
    expect(s.maxInFlight()).toBeGreaterThan(1); // the limit is used, not serialised to 1
    expect(c.stats().maxInFlight).toBeLessThanOrEqual(4);
    expect(c.stats().requests).toBe(80);
  });
});

describe('faults end in a retry that succeeds or an IndexError, in bounded time', () => {
  const within = async <T>(ms: number, work: () => Promise<T>): Promise<T> => {
    const started = Date.now();
    const result = await work();
    expect(Date.now() - started).toBeLessThan(ms);
    return result;
  };
  const attemptsAt = (s: IndexServer, path: string) => s.requests.filter((r) => r.path === path).length;

  it('5xx twice then OK: succeeds on the third attempt', async () => {
    const s = await server({ faults: [{ kind: 'status', status: 503, times: 1 }, { kind: 'status', status: 502, times: 1 }] });
    const page = await within(5_000, () => client(s.simpleUrl).getProject('lxml'));
    expect(page.files).toHaveLength(7);
    expect(attemptsAt(s, '/simple/lxml/')).toBe(3);
  });

  it('5xx every time: an http IndexError after retries', async () => {
    const s = await server({ faults: [{ kind: 'status', status: 500 }] });
    const error = await within(5_000, () => rejection(client(s.simpleUrl, { retries: 2 }).getProject('lxml')));
    expect([error.kind, error.status]).toEqual(['http', 500]);
    expect(error.message).toBe(`HTTP 500 from ${s.url} (after 3 attempts)`);
    expect(attemptsAt(s, '/simple/lxml/')).toBe(3);
  });

  it('429 with Retry-After: waits that long, then succeeds', async () => {
    const s = await server({ faults: [{ kind: 'status', status: 429, retryAfter: '1', times: 1 }] });
    const started = Date.now();
    const page = await within(10_000, () => client(s.simpleUrl).getProject('lxml'));
    expect(page.name).toBe('lxml');
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('Retry-After beyond the cap: fails at once with the reason', async () => {
    const s = await server({ faults: [{ kind: 'status', status: 503, retryAfter: '3600' }] });
    const error = await within(5_000, () => rejection(client(s.simpleUrl, { maxRetryAfterMs: 2_000 }).getProject('lxml')));
    expect(error.message).toMatch(/HTTP 503 .*server asks to retry after 3600s, more than the 2s limit/);
    expect(attemptsAt(s, '/simple/lxml/')).toBe(1);
  });

  it('connection reset: retried; reset every time: a network IndexError', async () => {
    const s = await server({ faults: [{ kind: 'reset', times: 1 }] });
    expect((await within(5_000, () => client(s.simpleUrl).getProject('lxml'))).files).toHaveLength(7);
    s.setFault({ kind: 'reset' });
    const error = await within(5_000, () => rejection(client(s.simpleUrl).getProject('orjson')));
    expect(error.kind).toBe('network');
    expect(error.message).toMatch(/^network error \(\w+\) fetching http:\/\/127\.0\.0\.1:\d+ \(after 3 attempts\)$/);
  });

  it('truncated body: retried; truncated every time: an IndexError, never a half page', async () => {
    const s = await server({ faults: [{ kind: 'truncate', times: 1 }] });
    expect((await within(5_000, () => client(s.simpleUrl).getProject('lxml'))).files).toHaveLength(7);
    s.setFault({ kind: 'truncate' });
    const error = await within(5_000, () => rejection(client(s.simpleUrl).getProject('orjson')));
    expect(error.kind).toBe('network');
    expect(attemptsAt(s, '/simple/orjson/')).toBe(3);
  });

  it('slow body and slow headers: timeout IndexErrors', async () => {
    const s = await server({ faults: [{ kind: 'slow-body', path: '/simple/lxml/', ms: 100, chunkBytes: 8 }, { kind: 'latency', path: '/simple/orjson/', ms: 3_000 }] });
    const c = client(s.simpleUrl, { timeoutMs: 300, totalTimeoutMs: 600, retries: 1 });
    const slow = await within(5_000, () => rejection(c.getProject('lxml')));
    expect(slow.kind).toBe('timeout');
    const late = await within(5_000, () => rejection(c.getProject('orjson')));
    expect(late.kind).toBe('timeout');
    // totalTimeoutMs is the deadline of the whole request, retries included.
    expect(late.message).toMatch(/^timed out after 0\.6 s fetching http:\/\/127\.0\.0\.1:\d+( \(after 2 attempts\))?$/);
  });

  it('a response above the size cap is refused without retrying', async () => {
    const s = await server();
    const error = await rejection(client(s.simpleUrl, { maxResponseBytes: 200 }).getProject('lxml'));
    expect([error.kind, error.message]).toEqual(['too-large', `response larger than 200 bytes from ${s.url}`]);
    expect(attemptsAt(s, '/simple/lxml/')).toBe(1);
  });

  it('an unreachable index is a network IndexError', async () => {
    const s = await server();
    const url = s.simpleUrl;
    await s.close();
    const error = await within(5_000, () => rejection(client(url, { retries: 1 }).getProject('lxml')));
    expect(error.kind).toBe('network');
    expect(error.message).toContain('ECONNREFUSED');
  });
});

describe('credentials are sent and never shown', () => {
  const SECRET = 's3cr3t-T0KEN';
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'pypy-ready-auth-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('URL credentials go in an Authorization header; no message, log, page or cache file shows them', async () => {
    const s = await server({ basicAuth: { username: 'user', password: SECRET } });
    const port = new URL(s.url).port;
    const cacheDir = join(dir, 'cache');
    const logs: string[] = [];
    const good = client(`http://user:${SECRET}@127.0.0.1:${port}/simple/`, { cacheDir, log: (l) => logs.push(l) });
    const page = await good.getProject('django');
    await good.getCoreMetadata(page.files[0]!);
    await good.getProjectInfo('django');
    expect(s.requests.every((r) => r.authorization === `Basic ${Buffer.from(`user:${SECRET}`).toString('base64')}`)).toBe(true);
    expect(s.requests.every((r) => !r.path.includes(SECRET))).toBe(true);
    expect(JSON.stringify(page)).not.toContain(SECRET);
    expect(page.source).toBe(`http://***@127.0.0.1:${port}/simple/django/`.replace('***@', ''));

    const bad = client(`http://user:wrong-${SECRET}@127.0.0.1:${port}/simple/`, { cacheDir, log: (l) => logs.push(l) });
    const refused = await rejection(bad.getProject('lxml'));
    expect(refused.kind).toBe('auth');
    expect(refused.message).toMatch(/^authentication refused \(HTTP 401\) by http:\/\/127\.0\.0\.1:\d+$/);
    const missing = await rejection(good.getProject('nope'));
    const offline = await rejection(client(`http://user:${SECRET}@127.0.0.1:${port}/simple/`, { cacheDir, offline: true }).getProject('orjson'));
    const unreachable = await rejection(client(`http://user:${SECRET}@127.0.0.1:1/simple/`, { retries: 0 }).getProject('x'));
    for (const error of [refused, missing, offline, unreachable]) {
      expect(error.message).not.toContain(SECRET);
      expect(error.url).not.toContain(SECRET);
      expect(String(error.stack)).not.toContain(SECRET);
    }

    const { readdirSync, readFileSync, statSync } = await import('node:fs');
    const walk = (d: string): string[] => readdirSync(d).flatMap((e) => (statSync(join(d, e)).isDirectory() ? walk(join(d, e)) : [join(d, e)]));
    const files = walk(cacheDir);
    // page, metadata, JSON API document, and the 404 for "nope" (kept so an offline run agrees).
    expect(files.length).toBe(4);
    for (const file of files) {
      expect(file).not.toContain(SECRET);
      expect(file).not.toContain('user');
      expect(readFileSync(file).toString('latin1')).not.toContain(SECRET);
    }
    expect(logs.join('\n')).not.toContain(SECRET);
  });

  it('credentials from a netrc file', async () => {
    const s = await server({ basicAuth: { username: 'nu', password: SECRET } });
    const netrc = join(dir, 'netrc');
    writeFileSync(netrc, `machine 127.0.0.1\n  login nu\n  password ${SECRET}\n`);
    const c = new IndexClient({ indexUrl: s.simpleUrl, cacheDir: null, env: { NETRC: netrc } });
    open.push(c);
    expect((await c.getProject('lxml')).name).toBe('lxml');
    const without = await rejection(client(s.simpleUrl).getProject('lxml'));
    expect(without.kind).toBe('auth');
  });
});

describe('index settings reach the client', () => {
  it('manifest --index-url is used when no option is given; env extras are added', async () => {
    const primary = await server({ packages: { a: { versions: { '1': { files: ['a-1.tar.gz'] } } } } });
    const extra = await server({ packages: { a: { versions: { '2': { files: ['a-2.tar.gz'] } } } } });
    const c = new IndexClient({ manifest: { indexUrl: primary.simpleUrl }, env: { PIP_EXTRA_INDEX_URL: extra.simpleUrl }, cacheDir: null, netrc: false });
    open.push(c);
    expect(c.indexUrls).toEqual([primary.simpleUrl, extra.simpleUrl]);
    expect((await c.getProject('a')).files.map((f) => f.filename)).toEqual(['a-1.tar.gz', 'a-2.tar.gz']);
  });
});

describe('letting go of pages', () => {
  it('a released project is looked up again when asked again, once, and is not counted twice in indexHealth', async () => {
    const s = await server();
    const c = client(s.simpleUrl);
    const first = await c.getProject('Django');
    await c.getProject('django');
    expect(s.requests).toHaveLength(1); // one look-up per project per client
    c.release('Django');
    expect(await c.getProject('django')).toEqual(first);
    await c.getProject('django');
    expect(s.requests).toHaveLength(2);
    expect(c.indexHealth().map(({ answered, failed }) => [answered, failed])).toEqual([[1, 0]]);
  });
});
