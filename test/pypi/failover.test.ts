/**
 * Index failover like pip, over real HTTP to local index servers: an index that fails for a
 * project is skipped with the reason, the page comes from the indexes that answered, and the
 * client keeps per-index health for the caller's warnings.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { IndexClient, type IndexClientOptions, type IndexProjectPage } from '../../src/pypi/client.js';
import { IndexError } from '../../src/pypi/types.js';
import { startIndexServer, type FixtureIndex, type IndexServer } from '../support/index-server.js';
import { finishedRun } from './finished-run.js';

const SECRET = 'pr1mary-T0KEN-5ecret';

const PRIMARY: FixtureIndex = {
  shared: { versions: { '1.0': { files: ['shared-1.0-py3-none-any.whl'] } } },
  'only-primary': { versions: { '1.0': { files: ['only_primary-1.0.tar.gz'] } } },
};
const EXTRA: FixtureIndex = {
  shared: { versions: { '2.0': { files: ['shared-2.0-py3-none-any.whl'] } } },
  'only-extra': { versions: { '1.0': { files: ['only_extra-1.0.tar.gz'] } } },
};

const open: Array<{ close(): Promise<void> }> = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((o) => o.close()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function server(packages: FixtureIndex, options: Parameters<typeof startIndexServer>[0] = {}): Promise<IndexServer> {
  const s = await startIndexServer({ packages, ...options });
  open.push(s);
  return s;
}

function client(indexUrl: string, extraIndexUrls: string[], options: IndexClientOptions = {}): IndexClient {
  const c = new IndexClient({ indexUrl, extraIndexUrls, cacheDir: null, env: {}, netrc: false, timeoutMs: 2_000, backoffMs: 5, retries: 2, ...options });
  open.push(c);
  return finishedRun(c);
}

/** A URL on 127.0.0.1 where nothing listens any more (connections are refused). */
async function closedIndexUrl(): Promise<string> {
  const s = await startIndexServer({});
  const url = s.simpleUrl;
  await s.close();
  return url;
}

/** Scheme, host and port: how every message names an index (its path can hold a token). */
const origin = (url: string): string => new URL(url).origin;

/** The index URL as the user typed it, with a token, and the same index as every message names it. */
function withToken(simpleUrl: string): { typed: string; shown: string } {
  return { typed: simpleUrl.replace('http://', `http://__token__:${SECRET}@`), shown: origin(simpleUrl) };
}

async function rejection(promise: Promise<unknown>): Promise<IndexError> {
  const error = await promise.then(
    () => {
      throw new Error('expected an IndexError');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(IndexError);
  return error as IndexError;
}

const names = (page: IndexProjectPage) => page.files.map((f) => f.filename).sort();

describe('an index that fails is skipped, the others answer', () => {
  it('primary 503 after retries: files from the extra, the primary named (redacted) with the reason', async () => {
    const primary = await server(PRIMARY, { faults: [{ kind: 'status', status: 503 }] });
    const extra = await server(EXTRA);
    const { typed, shown } = withToken(primary.simpleUrl);
    const logs: string[] = [];
    const c = client(typed, [extra.simpleUrl], { log: (l) => logs.push(l) });
    const page = await c.getProject('shared');
    expect(names(page)).toEqual(['shared-2.0-py3-none-any.whl']);
    expect(page.source).toBe(`${extra.simpleUrl}shared/`);
    expect(page.skippedIndexes).toEqual([{ index: shown, reason: `HTTP 503 from ${shown} (after 3 attempts)` }]);
    expect(primary.requests.filter((r) => r.path === '/simple/shared/')).toHaveLength(3);
    // The token was sent (as Basic auth) but shows up nowhere the caller can print.
    expect(primary.requests[0]!.authorization).toBe(`Basic ${Buffer.from(`__token__:${SECRET}`).toString('base64')}`);
    const everything = JSON.stringify({ page, health: c.indexHealth(), logs, urls: c.indexUrls });
    expect(everything).not.toContain(SECRET);
    expect(everything).not.toContain('__token__');
    expect(logs).toEqual([`skipping ${shown} for "shared": HTTP 503 from ${shown} (after 3 attempts)`]);
  });

  it('primary refuses connections: same, with the network reason', async () => {
    const { typed, shown } = withToken(await closedIndexUrl());
    const extra = await server(EXTRA);
    const c = client(typed, [extra.simpleUrl], { retries: 1 });
    const page = await c.getProject('only-extra');
    expect(names(page)).toEqual(['only_extra-1.0.tar.gz']);
    expect(page.skippedIndexes).toHaveLength(1);
    expect(page.skippedIndexes[0]!.index).toBe(shown);
    expect(page.skippedIndexes[0]!.reason).toBe(`network error (ECONNREFUSED) fetching ${shown} (after 2 attempts)`);
    expect(JSON.stringify(page)).not.toContain(SECRET);
  });

  it('401 on the extra: the primary\'s files are used', async () => {
    const primary = await server(PRIMARY);
    const extra = await server(EXTRA, { basicAuth: { username: 'u', password: 'not-sent' } });
    const page = await client(primary.simpleUrl, [extra.simpleUrl]).getProject('shared');
    expect(names(page)).toEqual(['shared-1.0-py3-none-any.whl']);
    expect(page.skippedIndexes).toEqual([{ index: extra.url, reason: `authentication refused (HTTP 401) by ${extra.url}` }]);
    expect(extra.requests).toHaveLength(1); // auth refusals are not retried
  });

  it('a timeout on one index: skipped, the other answers', async () => {
    const primary = await server(PRIMARY, { faults: [{ kind: 'latency', ms: 1_500 }] });
    const extra = await server(EXTRA);
    const page = await client(primary.simpleUrl, [extra.simpleUrl], { timeoutMs: 150, totalTimeoutMs: 300, retries: 0 }).getProject('shared');
    expect(names(page)).toEqual(['shared-2.0-py3-none-any.whl']);
    expect(page.skippedIndexes[0]!.reason).toMatch(/^timed out .* fetching http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('an invalid page from one index: skipped', async () => {
    const primary = await server(PRIMARY);
    const extra = await server(EXTRA);
    primary.setResponseHeaders(({ path }) => (path === '/simple/shared/' ? { 'content-type': 'application/pdf' } : undefined));
    const page = await client(primary.simpleUrl, [extra.simpleUrl]).getProject('shared');
    expect(names(page)).toEqual(['shared-2.0-py3-none-any.whl']);
    expect(page.skippedIndexes[0]!.reason).toBe(`unexpected Content-Type "application/pdf" from ${primary.url}`);
  });
});

describe('nothing found and something failed: the package is unknown, not missing', () => {
  it('every index failing: an IndexError naming each failure, never "not found"', async () => {
    const primary = await server(PRIMARY, { faults: [{ kind: 'status', status: 500 }] });
    const refused = await closedIndexUrl();
    const c = client(primary.simpleUrl, [refused], { retries: 0 });
    const error = await rejection(c.getProject('shared'));
    expect(error.kind).toBe('http');
    expect(error.status).toBe(500);
    expect(error.message).toBe(
      `no index answered for project "shared": HTTP 500 from ${primary.url}; network error (ECONNREFUSED) fetching ${origin(refused)}`,
    );
  });

  it('one index 404, the other failing: the failure, with where it was not found', async () => {
    const primary = await server(PRIMARY);
    const extra = await server(EXTRA, { faults: [{ kind: 'status', status: 503 }] });
    const error = await rejection(client(primary.simpleUrl, [extra.simpleUrl], { retries: 0 }).getProject('only-extra'));
    expect([error.kind, error.status]).toEqual(['http', 503]);
    expect(error.message).toBe(`no index answered for project "only-extra": HTTP 503 from ${extra.url}; not found on ${primary.url}`);
  });

  it('404 everywhere is still not-found', async () => {
    const primary = await server(PRIMARY);
    const extra = await server(EXTRA);
    const error = await rejection(client(primary.simpleUrl, [extra.simpleUrl]).getProject('nowhere'));
    expect(error.kind).toBe('not-found');
  });

  it('a single failing index keeps its own error unchanged', async () => {
    const { typed, shown } = withToken(await closedIndexUrl());
    const error = await rejection(client(typed, [], { retries: 0 }).getProject('shared'));
    expect(error.kind).toBe('network');
    expect(error.message).toBe(`network error (ECONNREFUSED) fetching ${shown}`);
    expect(`${error.message} ${error.url} ${error.stack}`).not.toContain(SECRET);
  });
});

describe('indexHealth', () => {
  it('counts each project page once per index: answers (404s included) and failures, first error kept', async () => {
    const primary = await server(PRIMARY, { faults: [{ kind: 'status', status: 502, path: '/simple/shared/' }] });
    const extra = await server(EXTRA);
    const { typed, shown } = withToken(primary.simpleUrl);
    const c = client(typed, [extra.simpleUrl], { retries: 0 });
    expect(c.indexHealth()).toEqual([
      // `index` names it as messages do; `url` is the whole URL, redacted, for --verbose.
      { index: shown, url: primary.simpleUrl, answered: 0, failed: 0, firstError: null },
      { index: extra.url, url: extra.simpleUrl, answered: 0, failed: 0, firstError: null },
    ]);
    await Promise.all([c.getProject('shared'), c.getProject('Shared'), c.getProject('only-primary'), c.getProject('only-extra')]);
    await c.getProject('shared'); // asked again: not fetched, not counted again
    await rejection(c.getProject('nowhere'));
    expect(c.indexHealth()).toEqual([
      { index: shown, url: primary.simpleUrl, answered: 3, failed: 1, firstError: `HTTP 502 from ${shown}` },
      { index: extra.url, url: extra.simpleUrl, answered: 4, failed: 0, firstError: null },
    ]);
    expect(JSON.stringify(c.indexHealth())).not.toContain(SECRET);
  });

  it('offline with an empty cache: every index failed, "no index answered"', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pypy-ready-failover-'));
    dirs.push(dir);
    const primary = await server(PRIMARY);
    const extra = await server(EXTRA);
    const c = client(primary.simpleUrl, [extra.simpleUrl], { cacheDir: dir, offline: true });
    const error = await rejection(c.getProject('shared'));
    expect(error.kind).toBe('offline');
    expect(error.message).toBe(
      `no index answered for project "shared": not in the cache (offline mode): ${primary.url}; not in the cache (offline mode): ${extra.url}`,
    );
    expect(c.indexHealth().map(({ answered, failed }) => [answered, failed])).toEqual([[0, 1], [0, 1]]);
    expect(primary.requests).toHaveLength(0);
    expect(extra.requests).toHaveLength(0);
  });

  it('offline after an online run agrees with it, 404s included: nothing skipped', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pypy-ready-failover-'));
    dirs.push(dir);
    const primary = await server(PRIMARY);
    const extra = await server(EXTRA);
    const online = await client(primary.simpleUrl, [extra.simpleUrl], { cacheDir: dir }).getProject('only-primary');
    const c = client(primary.simpleUrl, [extra.simpleUrl], { cacheDir: dir, offline: true });
    const offline = await c.getProject('only-primary');
    expect(offline).toEqual(online);
    expect(offline.skippedIndexes).toEqual([]);
    expect(c.indexHealth().map(({ answered, failed }) => [answered, failed])).toEqual([[1, 0], [1, 0]]);
  });
});
