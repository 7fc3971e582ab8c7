/**
 * A real crash: a child process writes large cache entries in a loop and is killed with SIGKILL
 * mid-stream. Whatever it leaves behind must be either a complete entry or nothing the cache will
 * return; a fresh client then answers correctly from the server.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cacheKey, HttpCache } from '../../src/pypi/cache.js';
import { IndexClient } from '../../src/pypi/client.js';
import { startIndexServer, type IndexServer } from '../../src/devserver/index-server.js';
import { REPO_ROOT } from '../support/shared.js';

const DIST_CACHE = resolve(REPO_ROOT, 'dist/pypi/cache.js');
const HTTP_CACHE_SEMANTICS = pathToFileURL(createRequire(import.meta.url).resolve('http-cache-semantics')).href;
const BODY_BYTES = 4 * 1024 * 1024;
const body = (i: number) => Buffer.alloc(BODY_BYTES, i % 251);

// The child uses the compiled module (npm test builds dist/ first); entries carry an
// http-cache-semantics policy like the client stores.
const CHILD = `
const { HttpCache, cacheKey } = await import(${JSON.stringify(pathToFileURL(DIST_CACHE).href)});
const { default: CachePolicy } = await import(${JSON.stringify(HTTP_CACHE_SEMANTICS)});
const cache = new HttpCache(process.argv[1]);
for (let i = 0; ; i++) {
  const url = 'http://127.0.0.1/simple/p' + (i % 40) + '/';
  const policy = new CachePolicy({ url, method: 'GET', headers: { accept: 'a' } }, { status: 200, headers: { etag: '"e' + i + '"' } }, { shared: false }).toObject();
  await cache.put(cacheKey(url, 'a'), {
    url, status: 200, contentType: 'text/html', policy, body: Buffer.alloc(${BODY_BYTES}, (i % 40) % 251),
  });
  if (i === 3) process.stdout.write('writing\\n');
}
`;

function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath ?? (d as unknown as { path: string }).path, d.name));
}

let server: IndexServer;
beforeAll(async () => {
  server = await startIndexServer({ packages: { killed: { versions: { '1.0': { files: ['killed-1.0-py3-none-any.whl'] } } } } });
});
afterAll(async () => server.close());

describe.skipIf(!existsSync(DIST_CACHE))('a cache writer killed with SIGKILL', () => {
  it('leaves only whole entries or ones the cache refuses, and the next run is correct', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pypy-ready-kill-'));
    const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((ready) => child.stdout.on('data', () => ready()));
    await new Promise((r) => setTimeout(r, 40 + Math.random() * 60));
    child.kill('SIGKILL');
    await new Promise((done) => child.on('exit', done));

    const cache = new HttpCache(dir);
    let whole = 0;
    for (let i = 0; i < 40; i++) {
      const entry = await cache.get(cacheKey(`http://127.0.0.1/simple/p${i}/`, 'a'));
      if (entry === null) continue;
      // Anything the cache hands out is complete and exactly what was written.
      expect(entry.body.equals(body(i))).toBe(true);
      whole++;
    }
    expect(whole).toBeGreaterThan(0);
    // Leftover temp files are never mistaken for entries.
    expect(listFiles(dir).every((f) => f.endsWith('.entry') || f.endsWith('.tmp'))).toBe(true);

    // A fresh client using the same cache directory gets the right answer from the server.
    const client = new IndexClient({ indexUrl: server.simpleUrl, cacheDir: dir, env: {}, netrc: false });
    const page = await client.getProject('killed');
    expect(page.files.map((f) => f.filename)).toEqual(['killed-1.0-py3-none-any.whl']);
    await client.close();
  }, 30_000);
});
