/**
 * Transport details over real sockets: proxies from the environment, redirects, compression.
 */
import { connect, type AddressInfo, type Socket } from 'node:net';
import { createServer, type Server } from 'node:http';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { IndexClient, type IndexClientOptions } from '../../src/pypi/client.js';
import { parseRetryAfter } from '../../src/pypi/http.js';
import { IndexError } from '../../src/pypi/types.js';
import { fixtureDir, loadFixtureDir, startIndexServer } from '../support/index-server.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(cleanup.splice(0).map((f) => f()));
});

function client(indexUrl: string, options: IndexClientOptions = {}): IndexClient {
  const c = new IndexClient({ indexUrl, cacheDir: null, env: {}, netrc: false, backoffMs: 5, retries: 1, ...options });
  cleanup.push(() => c.close());
  return c;
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const sockets = new Set<Socket>();
  server.on('connection', (s) => sockets.add(s));
  cleanup.push(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A CONNECT proxy that counts tunnels. */
async function startProxy(): Promise<{ url: string; tunnels: string[] }> {
  const tunnels: string[] = [];
  const proxy = createServer((_req, res) => res.writeHead(405).end());
  proxy.on('connect', (req, socket: Socket, head: Buffer) => {
    tunnels.push(req.url ?? '');
    const [host, port] = (req.url ?? '').split(':');
    const upstream = connect(Number(port), host!, () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
  });
  return { url: await listen(proxy), tunnels };
}

describe('proxies from the environment', () => {
  it('goes through HTTP_PROXY, and around it for NO_PROXY hosts', async () => {
    const index = await startIndexServer({ packages: loadFixtureDir(fixtureDir) });
    cleanup.push(() => index.close());
    const proxy = await startProxy();
    const viaProxy = client(index.simpleUrl, { env: { HTTP_PROXY: proxy.url } });
    expect((await viaProxy.getProject('lxml')).files).toHaveLength(7);
    expect(proxy.tunnels).toEqual([`127.0.0.1:${new URL(index.url).port}`]);
    const bypass = client(index.simpleUrl, { env: { http_proxy: proxy.url, NO_PROXY: '127.0.0.1' } });
    expect((await bypass.getProject('orjson')).name).toBe('orjson');
    expect(proxy.tunnels).toHaveLength(1);
    expect(index.requests.map((r) => r.path)).toEqual(['/simple/lxml/', '/simple/orjson/']);
  });
});

describe('redirects and encodings', () => {
  it('follows redirects, refuses loops, decompresses gzip, caps the decompressed size', async () => {
    const page = JSON.stringify({ meta: { 'api-version': '1.0' }, name: 'moved', files: [{ filename: 'moved-1.0.tar.gz', url: 'moved-1.0.tar.gz', hashes: {} }] });
    const big = JSON.stringify({ meta: { 'api-version': '1.0' }, files: [], padding: 'x'.repeat(100_000) });
    const raw = createServer((req, res) => {
      if (req.url === '/simple/moved/') return void res.writeHead(301, { location: '/elsewhere/moved/' }).end();
      if (req.url === '/elsewhere/moved/') return void res.writeHead(200, { 'content-type': 'application/vnd.pypi.simple.v1+json' }).end(page);
      if (req.url === '/simple/loop/') return void res.writeHead(302, { location: '/simple/loop/' }).end();
      if (req.url === '/simple/zipped/') {
        return void res.writeHead(200, { 'content-type': 'application/vnd.pypi.simple.v1+json', 'content-encoding': 'gzip' }).end(gzipSync(page));
      }
      if (req.url === '/simple/bomb/') {
        return void res.writeHead(200, { 'content-type': 'application/vnd.pypi.simple.v1+json', 'content-encoding': 'gzip' }).end(gzipSync(big));
      }
      res.writeHead(404).end();
    });
    const base = await listen(raw);
    const c = client(`${base}/simple/`, { maxResponseBytes: 50_000 });
    const moved = await c.getProject('moved');
    expect(moved.files[0]!.url).toBe(`${base}/elsewhere/moved/moved-1.0.tar.gz`); // relative to the final URL
    const loop = await c.getProject('loop').catch((e: unknown) => e as IndexError);
    expect(loop).toBeInstanceOf(IndexError);
    expect((loop as IndexError).message).toBe(`too many redirects from ${base}`); // the index by scheme, host and port
    expect((await c.getProject('zipped')).files[0]!.filename).toBe('moved-1.0.tar.gz');
    const bomb = await c.getProject('bomb').catch((e: unknown) => e as IndexError);
    expect((bomb as IndexError).kind).toBe('too-large'); // 100 kB inflated from a few hundred bytes
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('120')).toBe(120_000);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:10 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT'))).toBe(10_000);
    expect(parseRetryAfter('soon')).toBeNull();
    expect(parseRetryAfter(undefined)).toBeNull();
  });
});
