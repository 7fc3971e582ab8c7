/**
 * On-disk HTTP cache. One file per entry, named by a SHA-256 of the request (so no credential
 * or token can appear in a file name), holding a magic line, a JSON header (redacted URL,
 * validators, freshness, body length and digest) and the body.
 *
 * Writes go to a temp file and are renamed into place, so a run killed mid-write leaves either
 * the old entry or the new one, never half of one. Reads check the digest, so an entry damaged
 * any other way is discarded and fetched again, never trusted.
 */
import { createHash, randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { homedir, platform } from 'node:os';
import { dirname, join } from 'node:path';
import { redactUrl } from '../safe-text.js';

const MAGIC = 'pypy-ready-http-cache v1\n';

export interface CacheEntry {
  /** Redacted: for people reading the cache directory, never used as a key. */
  url: string;
  status: number;
  contentType: string | null;
  etag: string | null;
  lastModified: string | null;
  /** Epoch ms when stored or last revalidated. */
  storedAt: number;
  /** Seconds the entry may be used without asking the server (Cache-Control max-age), 0 = always revalidate. */
  maxAge: number;
  body: Buffer;
}

interface EntryHeader extends Omit<CacheEntry, 'body'> {
  bodyLength: number;
  bodySha256: string;
}

/** The platform's user cache directory for this tool. */
export function defaultCacheDir(env: Record<string, string | undefined>): string {
  const home = env['HOME'] ?? env['USERPROFILE'] ?? homedir();
  if (env['XDG_CACHE_HOME']) return join(env['XDG_CACHE_HOME'], 'pypy-ready');
  if (platform() === 'darwin') return join(home, 'Library', 'Caches', 'pypy-ready');
  if (platform() === 'win32') return join(env['LOCALAPPDATA'] ?? join(home, 'AppData', 'Local'), 'pypy-ready', 'Cache');
  return join(home, '.cache', 'pypy-ready');
}

/** The cache key: a digest of what identifies the response, credentials removed first. */
export function cacheKey(url: string, accept: string): string {
  const parsed = new URL(url);
  parsed.username = '';
  parsed.password = '';
  return createHash('sha256').update(`${accept}\n${parsed.toString()}`).digest('hex');
}

/** `max-age` from Cache-Control; `no-store` → null (do not store); `no-cache` → 0. */
export function cachePolicy(cacheControl: string | undefined): { store: boolean; maxAge: number } {
  const directives = (cacheControl ?? '').toLowerCase().split(',').map((d) => d.trim());
  if (directives.includes('no-store')) return { store: false, maxAge: 0 };
  if (directives.includes('no-cache')) return { store: true, maxAge: 0 };
  const maxAge = directives.map((d) => /^max-age=(\d+)$/.exec(d)?.[1]).find((v) => v !== undefined);
  return { store: true, maxAge: maxAge === undefined ? 0 : Math.min(Number(maxAge), 86_400) };
}

export class HttpCache {
  constructor(readonly dir: string) {}

  private pathFor(key: string): string {
    return join(this.dir, 'http-v1', key.slice(0, 2), `${key}.entry`);
  }

  /** The entry for a key, or null when absent or damaged (a damaged entry is deleted). */
  async get(key: string): Promise<CacheEntry | null> {
    const path = this.pathFor(key);
    let data: Buffer;
    try {
      data = await fsp.readFile(path);
    } catch {
      return null;
    }
    const entry = decodeEntry(data);
    if (entry === null) {
      await fsp.rm(path, { force: true }).catch(() => undefined);
      return null;
    }
    return entry;
  }

  async put(key: string, entry: CacheEntry): Promise<void> {
    const path = this.pathFor(key);
    const header: EntryHeader = {
      url: redactUrl(entry.url),
      status: entry.status,
      contentType: entry.contentType,
      etag: entry.etag,
      lastModified: entry.lastModified,
      storedAt: entry.storedAt,
      maxAge: entry.maxAge,
      bodyLength: entry.body.length,
      bodySha256: createHash('sha256').update(entry.body).digest('hex'),
    };
    const data = Buffer.concat([Buffer.from(`${MAGIC}${JSON.stringify(header)}\n`, 'utf8'), entry.body]);
    await fsp.mkdir(dirname(path), { recursive: true });
    const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      await fsp.writeFile(temp, data);
      await fsp.rename(temp, path);
    } catch (error) {
      await fsp.rm(temp, { force: true }).catch(() => undefined);
      throw error;
    }
  }
}

export function decodeEntry(data: Buffer): CacheEntry | null {
  const magic = Buffer.from(MAGIC, 'utf8');
  if (data.length < magic.length || !data.subarray(0, magic.length).equals(magic)) return null;
  const newline = data.indexOf(0x0a, magic.length);
  if (newline === -1) return null;
  let header: EntryHeader;
  try {
    header = JSON.parse(data.subarray(magic.length, newline).toString('utf8')) as EntryHeader;
  } catch {
    return null;
  }
  if (typeof header !== 'object' || header === null || typeof header.bodySha256 !== 'string') return null;
  const body = data.subarray(newline + 1);
  if (body.length !== header.bodyLength) return null;
  if (createHash('sha256').update(body).digest('hex') !== header.bodySha256) return null;
  return {
    url: String(header.url),
    status: Number(header.status),
    contentType: typeof header.contentType === 'string' ? header.contentType : null,
    etag: typeof header.etag === 'string' ? header.etag : null,
    lastModified: typeof header.lastModified === 'string' ? header.lastModified : null,
    storedAt: Number(header.storedAt) || 0,
    maxAge: Number(header.maxAge) || 0,
    body: Buffer.from(body),
  };
}
