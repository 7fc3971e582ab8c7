/**
 * One deadline per request (issue 10, defect 6): connect, headers and the whole body, across
 * retries and the waits between them. A stalled body or a drip of bytes ends at the deadline with
 * a timeout that says so; a stall on one attempt still leaves room for a retry that succeeds.
 * Time is only ever checked as a generous "does not hang" bound.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { IndexClient, type IndexClientOptions } from '../../src/pypi/client.js';
import { IndexError } from '../../src/pypi/types.js';
import { fixtureDir, loadFixtureDir, startIndexServer, type IndexServer } from '../support/index-server.js';

const demo = loadFixtureDir(fixtureDir);
const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((o) => o.close()));
});

/** Defaults as the CLI has them (3 retries, 500 ms backoff), except the deadline. */
function client(indexUrl: string, options: IndexClientOptions = {}): IndexClient {
  const c = new IndexClient({ indexUrl, cacheDir: null, env: {}, netrc: false, ...options });
  open.push(c);
  return c;
}

async function server(options: Parameters<typeof startIndexServer>[0] = {}): Promise<IndexServer> {
  const s = await startIndexServer({ packages: demo, ...options });
  open.push(s);
  return s;
}

/** The IndexError a request ends with, and how long it took. */
async function failure(work: Promise<unknown>): Promise<{ error: IndexError; ms: number }> {
  const started = Date.now();
  try {
    await work;
  } catch (error) {
    expect(error).toBeInstanceOf(IndexError);
    return { error: error as IndexError, ms: Date.now() - started };
  }
  throw new Error('expected an IndexError');
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
/** How a message names a project page: by origin (messages never show paths, which may hold tokens) or in full. */
const page = (s: IndexServer, name: string) => `${escape(s.url)}(${escape(`/simple/${name}/`)})?`;
const exactly = (pattern: string) => new RegExp(`^${pattern}$`);

describe('each request has one deadline, retries included', () => {
  it('a body that stalls after 16 bytes: a timeout at the 1 s deadline, whatever the retries', async () => {
    const s = await server({ faults: [{ kind: 'stall', path: '/simple/lxml/' }] });
    const { error, ms } = await failure(client(s.simpleUrl, { totalTimeoutMs: 1_000 }).getProject('lxml'));
    expect(error.kind).toBe('timeout');
    expect(error.message).toMatch(exactly(`timed out after 1 s fetching ${page(s, 'lxml')}`));
    expect(ms).toBeLessThan(1_000 + 3_000); // does not hang: the deadline plus slack
  });

  it('a drip of one byte every 200 ms (never silent for long): a timeout at the deadline, not when the body ends', async () => {
    const s = await server({ faults: [{ kind: 'slow-body', path: '/simple/lxml/', chunkBytes: 1, ms: 200 }] });
    const { error, ms } = await failure(client(s.simpleUrl, { totalTimeoutMs: 1_000 }).getProject('lxml'));
    expect(error.kind).toBe('timeout');
    expect(error.message).toMatch(exactly(`timed out after 1 s fetching ${page(s, 'lxml')}`));
    expect(ms).toBeLessThan(1_000 + 3_000);
    expect(s.requests.filter((r) => r.path === '/simple/lxml/')).toHaveLength(1);
  });

  it('a stall on the first attempt only: the silence limit ends that attempt, the retry answers within the deadline', async () => {
    const s = await server({ faults: [{ kind: 'stall', path: '/simple/lxml/', times: 1 }] });
    const c = client(s.simpleUrl, { timeoutMs: 300, totalTimeoutMs: 10_000, backoffMs: 5 });
    expect((await c.getProject('lxml')).files).toHaveLength(7);
    expect(s.requests.filter((r) => r.path === '/simple/lxml/').map((r) => r.fault)).toEqual(['stall', null]);
  });

  it('503s that keep coming: retried until the deadline leaves no room, then the last reason', async () => {
    const s = await server({ faults: [{ kind: 'status', status: 503 }] });
    const { error, ms } = await failure(client(s.simpleUrl, { totalTimeoutMs: 1_000, retries: 10, backoffMs: 200 }).getProject('lxml'));
    expect([error.kind, error.status]).toEqual(['http', 503]);
    expect(error.message).toMatch(exactly(`HTTP 503 from ${page(s, 'lxml')} \\((after \\d+ attempts; )?no time left to retry within the 1 s deadline\\)`));
    expect(ms).toBeLessThan(1_000 + 3_000);
  });

  it('a Retry-After past the deadline: fails at once, saying so', async () => {
    const s = await server({ faults: [{ kind: 'status', status: 429, retryAfter: '5' }] });
    const { error, ms } = await failure(client(s.simpleUrl, { totalTimeoutMs: 2_000 }).getProject('lxml'));
    expect(error.message).toMatch(exactly(`HTTP 429 from ${page(s, 'lxml')}: server asks to retry after 5s, past the 2 s deadline of this request`));
    expect(s.requests).toHaveLength(1);
    expect(ms).toBeLessThan(2_000);
  });

  it('the deadline is per request: a slow page does not use up the time of the next one', async () => {
    const s = await server({ faults: [{ kind: 'latency', path: '/simple/lxml/', ms: 600 }, { kind: 'latency', path: '/simple/orjson/', ms: 600 }] });
    const c = client(s.simpleUrl, { totalTimeoutMs: 1_000, concurrency: 1 });
    expect((await c.getProject('lxml')).name).toBe('lxml');
    expect((await c.getProject('orjson')).name).toBe('orjson');
  });
});
