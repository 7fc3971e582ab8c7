/**
 * Responses that lie about themselves (issue 10, fault injection at the client): codings the
 * client never asked for, a coding that decodes to nothing while the wire keeps streaming, bytes
 * that are not the declared charset, JSON labelled HTML, and a redirected answer that must not come
 * back from the cache resolved against the wrong URL.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { IndexClient, type IndexClientOptions } from '../../src/pypi/client.js';
import { IndexError } from '../../src/pypi/types.js';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

function client(indexUrl: string, options: IndexClientOptions = {}): IndexClient {
  const c = new IndexClient({ indexUrl, cacheDir: null, env: {}, netrc: false, backoffMs: 5, retries: 1, ...options });
  cleanup.push(() => c.close());
  return c;
}

async function serve(handler: (path: string, res: ServerResponse) => void): Promise<string> {
  const server: Server = createServer((req, res) => handler(req.url ?? '/', res));
  const sockets = new Set<Socket>();
  server.on('connection', (s) => sockets.add(s));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup.push(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
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

const JSON_TYPE = 'application/vnd.pypi.simple.v1+json';
const pageOf = (name: string, filename: string) => JSON.stringify({ meta: { 'api-version': '1.0' }, name, files: [{ filename, url: filename, hashes: {} }] });

describe('what a body claims to be', () => {
  it('a Content-Encoding the client did not ask for is refused, with its name', async () => {
    const base = await serve((_path, res) => {
      res.writeHead(200, { 'content-type': JSON_TYPE, 'content-encoding': 'zstd' }).end(Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x00, 0x01, 0x00]));
    });
    const error = await rejection(client(`${base}/simple/`).getProject('six'));
    expect(error.kind).toBe('invalid-response');
    expect(error.message).toMatch(/^unsupported Content-Encoding "zstd" from http:\/\/127\.0\.0\.1:\d+/);
  });

  it('a deflate stream of empty blocks (nothing decoded, the wire never ends) stops at the size cap', { timeout: 20_000 }, async () => {
    // zlib header, then non-final stored blocks of length 0: five bytes each, no output, forever.
    const emptyBlocks = Buffer.concat(Array.from({ length: 10_000 }, () => Buffer.from([0x00, 0x00, 0x00, 0xff, 0xff])));
    const base = await serve((_path, res) => {
      res.writeHead(200, { 'content-type': JSON_TYPE, 'content-encoding': 'deflate' });
      res.write(Buffer.from([0x78, 0x01]));
      let sent = 0;
      const pump = (): void => {
        while (!res.destroyed && sent < 200 * 1024 * 1024) {
          sent += emptyBlocks.length;
          if (!res.write(emptyBlocks)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    });
    const started = Date.now();
    const error = await rejection(client(`${base}/simple/`, { maxResponseBytes: 100_000, totalTimeoutMs: 15_000 }).getProject('six'));
    expect([error.kind, error.message]).toEqual(['too-large', expect.stringMatching(/^response larger than 100000 bytes from http:\/\/127\.0\.0\.1:\d+/)]);
    expect(Date.now() - started, 'does not hang').toBeLessThan(10_000);
  });

  it('bytes that are not valid UTF-8 make the page invalid, not a page with a silently changed file name', async () => {
    const good = Buffer.from(pageOf('six', 'six-1.17.0-py2.py3-none-any.whl'), 'utf8');
    const at = good.indexOf('.whl');
    const broken = Buffer.concat([good.subarray(0, at), Buffer.from([0xff]), good.subarray(at)]);
    const base = await serve((path, res) => {
      if (path === '/simple/latin/') {
        // A declared single-byte charset still decodes (every byte is valid there).
        return void res.writeHead(200, { 'content-type': 'text/html; charset=iso-8859-1' }).end(Buffer.from('<a href="latin-1.0.tar.gz">latin-1.0.tar.gz</a>\xe9', 'latin1'));
      }
      res.writeHead(200, { 'content-type': JSON_TYPE }).end(broken);
    });
    const c = client(`${base}/simple/`);
    const error = await rejection(c.getProject('six'));
    expect([error.kind, error.message]).toEqual(['invalid-response', expect.stringMatching(/^Simple API page from http:\/\/127\.0\.0\.1:\d+\S* is not valid utf-8$/)]);
    expect((await c.getProject('latin')).files.map((f) => f.filename)).toEqual(['latin-1.0.tar.gz']);
  });

  it('a JSON document labelled text/html is invalid (parsed as HTML it would be a page without files)', async () => {
    const base = await serve((_path, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(`\n  ${pageOf('six', 'six-1.17.0-py2.py3-none-any.whl')}`);
    });
    const error = await rejection(client(`${base}/simple/`).getProject('six'));
    expect([error.kind, error.message]).toEqual(['invalid-response', expect.stringMatching(/^a JSON body labelled "text\/html" from http:\/\/127\.0\.0\.1:\d+/)]);
  });
});

describe('redirects and the cache', () => {
  it('a redirected answer is not stored: a later run resolves relative links against the URL that answered, not a cached guess', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pypy-ready-redirect-cache-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const base = await serve((path, res) => {
      if (path === '/simple/moved/') return void res.writeHead(301, { location: '/elsewhere/moved/' }).end();
      if (path === '/elsewhere/moved/') {
        return void res.writeHead(200, { 'content-type': JSON_TYPE, 'cache-control': 'max-age=600' }).end(pageOf('moved', 'moved-1.0.tar.gz'));
      }
      res.writeHead(404).end();
    });
    const first = await client(`${base}/simple/`, { cacheDir: dir }).getProject('moved');
    expect(first.files.map((f) => f.url)).toEqual([`${base}/elsewhere/moved/moved-1.0.tar.gz`]);
    const second = await client(`${base}/simple/`, { cacheDir: dir }).getProject('moved');
    expect(second.files.map((f) => f.url)).toEqual([`${base}/elsewhere/moved/moved-1.0.tar.gz`]);
  });
});
