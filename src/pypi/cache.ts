/**
 * On-disk HTTP cache. One file per entry, named by a SHA-256 of the request (so no credential
 * or token can appear in a file name), holding a magic line, a JSON header (redacted URL,
 * status, the `http-cache-semantics` policy, body length and checksum) and the body.
 *
 * Freshness is decided by `http-cache-semantics` (RFC 9111) as a private cache: Cache-Control
 * `max-age`, `Age`, `Expires`, `no-cache`, `no-store`, `must-revalidate`, `private`, ETag and
 * Last-Modified validators. `s-maxage` and `proxy-revalidate` are for shared caches and do not
 * apply. No heuristic freshness: a response without explicit freshness information is always
 * revalidated, so a static index that only sends Last-Modified never hides a new upload.
 *
 * Writes go to a temp file and are renamed into place, so a run killed mid-write leaves either
 * the old entry or the new one, never half of one. Reads check the digest, so an entry damaged
 * any other way is discarded and fetched again, never trusted. Shard directories are made once per
 * run, not once per entry.
 *
 * Reads are synchronous: each takes tens of microseconds from the page cache, and Node's
 * promise-based calls cost ten times that in the process itself (a FileHandle, a promise and a
 * thread-pool round trip per call): 6,750 entries read in 1.9 s that way and in 0.15 s this way.
 * Writes are asynchronous: creating a file can take a millisecond in the kernel, and in the thread
 * pool that time is not taken from the scan.
 *
 * Reads trust nothing about what is at an entry's path: it must be a regular file (a symlink is
 * never followed, wherever it points; a FIFO, a device or a directory is never read) no larger
 * than `maxEntryBytes`, and no more than that is ever read. Anything else is a miss, removed, and
 * replaced by the next good response.
 */
import { createHash, randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';
import fs, { constants as fsConstants, promises as fsp } from 'node:fs';
import { homedir, platform } from 'node:os';
import { dirname, join } from 'node:path';
import CachePolicy from 'http-cache-semantics';
import { readOpenFile } from '../fs/read-open-file.js';
import { redactUrl } from '../safe-text.js';

/** Entry format 2: freshness is a stored `CachePolicy`. */
const MAGIC = 'pypy-ready-http-cache v2\n';
/** Entry format 1 (hand-rolled max-age): still read, but always revalidated before use. */
const LEGACY_MAGIC = 'pypy-ready-http-cache v1\n';

/**
 * Response headers kept in a stored policy: what freshness and validation need, nothing else
 * (no Set-Cookie, no auth challenge, nothing a server may echo back about the request).
 */
const KEPT_RESPONSE_HEADERS = ['cache-control', 'expires', 'age', 'date', 'etag', 'last-modified', 'vary', 'pragma'];

/** A private, single-user cache without heuristic freshness (see the module comment). */
const POLICY_OPTIONS: CachePolicy.Options = { shared: false, cacheHeuristic: 0 };

export type StoredPolicy = CachePolicy.CachePolicyObject;

export interface CacheEntry {
  /** Redacted: for people reading the cache directory, never used as a key. */
  url: string;
  status: number;
  contentType: string | null;
  /** `CachePolicy.toObject()` of the request and response this body belongs to. */
  policy: StoredPolicy;
  body: Buffer;
}

interface EntryHeader extends Omit<CacheEntry, 'body'> {
  bodyLength: number;
  /**
   * CRC-32 of the body, as 8 hex digits. The check is against damage (a torn or truncated write,
   * a flipped bit), not against someone who can write the cache directory: they could rewrite
   * any digest too. CRC-32 detects those and costs a fraction of SHA-256 on 10 MB pages.
   * Entries written with `bodySha256` (earlier versions) are still checked with it.
   */
  bodyCrc32: string;
}

/** The body's CRC-32 as 8 lower-case hex digits. */
function crc32Hex(body: Buffer): string {
  return crc32(body).toString(16).padStart(8, '0');
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

/** Only the headers freshness needs, lower-cased (undici already lower-cases them). */
export function keptHeaders(headers: CachePolicy.Headers): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of KEPT_RESPONSE_HEADERS) {
    const value = headers[name];
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/**
 * RFC 9111 freshness through `http-cache-semantics`, with an injectable clock (tests move time
 * instead of waiting). Requests given to policies carry the redacted URL and only the Accept
 * header, never Authorization, so nothing secret can end up in a stored policy.
 */
export class HttpFreshness {
  private readonly Policy: typeof CachePolicy;

  constructor(private readonly now: () => number = Date.now) {
    this.Policy = policyWithClock(now);
  }

  request(url: string, accept: string): CachePolicy.HttpRequest {
    return { url: redactUrl(url), method: 'GET', headers: { accept } };
  }

  /** The policy of a response just received (its `storable()` says whether it may be kept). */
  policyFor(request: CachePolicy.HttpRequest, status: number, headers: Record<string, string>): CachePolicy {
    return new this.Policy(request, { status, headers: keptHeaders(headers) }, POLICY_OPTIONS);
  }

  /**
   * After a 304: the policy for the stored body, or null when the 304 does not vouch for it (its
   * validators are not the stored ones). The library decides the match; the stored header fields
   * are then updated with every field of the 304 as RFC 9111 §3.2 says (the library only replaces
   * fields the stored response already had, so a 304 could not bring a new max-age or no-store).
   */
  revalidated(policy: CachePolicy, request: CachePolicy.HttpRequest, headers: Record<string, string>): CachePolicy | null {
    const update = policy.revalidatedPolicy(request, { status: 304, headers });
    if (!update.matches || update.modified) return null;
    const stored = policy.toObject();
    return this.policyFor(request, stored.st, { ...keptHeaders(stored.resh), ...keptHeaders(headers) });
  }

  /** A stored policy, or null when it cannot be read (the entry is then a miss). */
  restore(stored: StoredPolicy): CachePolicy | null {
    try {
      return this.Policy.fromObject(stored);
    } catch {
      return null;
    }
  }

  /** May the stored response answer this request without asking the server? */
  fresh(policy: CachePolicy, request: CachePolicy.HttpRequest): boolean {
    // Stored "in the future" (the clock went back): its age would be negative, which the library
    // counts as fresh. Not knowing how old it is, ask.
    if (policy.toObject().t > this.now()) return false;
    if (policy.satisfiesWithoutRevalidation(request)) return true;
    // http-cache-semantics 4.x revalidates every `must-revalidate` response, even a fresh one
    // (kornelski/http-cache-semantics#54). RFC 9111 §5.2.2.2 only forbids reusing it once stale
    // without validation. This cache never serves stale responses when online, so judging the
    // same policy without that directive gives the RFC's answer.
    const stored = policy.toObject();
    if (!('must-revalidate' in stored.rescc)) return false;
    const { 'must-revalidate': _ignored, ...rescc } = stored.rescc;
    const withoutDirective = this.restore({ ...stored, rescc });
    return withoutDirective !== null && withoutDirective.satisfiesWithoutRevalidation(request);
  }
}

/**
 * `CachePolicy` reading the time from `now`. The library reads it through `now()` and builds
 * revalidated and restored policies with `new this.constructor` / `new this`, so the subclass
 * carries the clock everywhere.
 */
function policyWithClock(now: () => number): typeof CachePolicy {
  return class extends CachePolicy {
    now(): number {
      return now();
    }
  };
}

/** Default cap of one entry file: the client's default response cap plus room for the header. */
export const DEFAULT_MAX_ENTRY_BYTES = 65 * 1024 * 1024;

/**
 * Open flags for reading an entry: never through a symlink (where the platform can refuse one;
 * elsewhere the `lstat` before opening and the `fstat` after it still reject it), and without
 * blocking on a FIFO that has no writer.
 */
const READ_FLAGS = fsConstants.O_RDONLY | (fsConstants.O_NOFOLLOW ?? 0) | (fsConstants.O_NONBLOCK ?? 0);

export interface HttpCacheOptions {
  /** The largest entry file read (default `DEFAULT_MAX_ENTRY_BYTES`); a larger one is a miss. */
  maxEntryBytes?: number;
}

type EntryRead = { kind: 'absent' } | { kind: 'unusable' } | { kind: 'data'; data: Buffer };

/** Temp file names: pid, a random tag of this process and a counter (no random bytes per write). */
const TEMP_TAG = `${process.pid}.${randomBytes(4).toString('hex')}`;
let tempCounter = 0;

export class HttpCache {
  private readonly maxEntryBytes: number;
  /** Shard directories this process has made (or found): `mkdir` once each, not once per entry. */
  private readonly madeDirs = new Set<string>();
  /**
   * The shard directories there were when the cache was first read (one `readdir`), or null when
   * that could not be listed. A key whose shard did not exist is a miss without a system call:
   * on a cold cache, hundreds of failed `lstat`s (each an exception with a stack) are saved.
   */
  private shardsAtStart: Set<string> | null | undefined;

  constructor(
    readonly dir: string,
    options: HttpCacheOptions = {},
  ) {
    this.maxEntryBytes = options.maxEntryBytes ?? DEFAULT_MAX_ENTRY_BYTES;
  }

  /** Layout 1 (`http-v1/<2 hex>/<key>.entry`); the entry format is versioned by its magic line. */
  private pathFor(key: string): string {
    return join(this.dir, 'http-v1', key.slice(0, 2), `${key}.entry`);
  }

  /**
   * The entry for a key, or null when absent, damaged or not a plain file of a sane size (what
   * is there instead is removed, so the next response takes its place).
   */
  async get(key: string): Promise<CacheEntry | null> {
    return this.getNow(key);
  }

  private getNow(key: string): CacheEntry | null {
    const path = this.pathFor(key);
    if (!this.madeDirs.has(dirname(path))) {
      this.shardsAtStart ??= listShards(join(this.dir, 'http-v1'));
      if (this.shardsAtStart !== null && !this.shardsAtStart.has(key.slice(0, 2))) return null;
    }
    const read = this.readEntryFile(path);
    if (read.kind === 'absent') return null;
    const entry = read.kind === 'data' ? decodeEntry(read.data) : null;
    if (entry === null) {
      removeAnything(path);
      return null;
    }
    return entry;
  }

  /** The bytes of a regular file at `path`, at most `maxEntryBytes` of them, or why not. */
  private readEntryFile(path: string): EntryRead {
    let before: fs.Stats | undefined;
    try {
      // No exception (and no stack trace) for the common miss.
      before = fs.lstatSync(path, { throwIfNoEntry: false });
    } catch {
      return { kind: 'unusable' };
    }
    if (before === undefined) return { kind: 'absent' };
    if (!before.isFile() || before.size > this.maxEntryBytes) return { kind: 'unusable' };
    let fd: number;
    try {
      fd = fs.openSync(path, READ_FLAGS);
    } catch (error) {
      // ELOOP: it became a symlink since the lstat; ENOENT: removed by another run.
      return (error as NodeJS.ErrnoException).code === 'ENOENT' ? { kind: 'absent' } : { kind: 'unusable' };
    }
    try {
      // What was opened is what counts (the path may have been swapped after the lstat).
      const data = readOpenFile(fd, this.maxEntryBytes);
      return data === null ? { kind: 'unusable' } : { kind: 'data', data };
    } catch {
      return { kind: 'unusable' };
    } finally {
      try {
        fs.closeSync(fd);
      } catch {
        // nothing more to do with it
      }
    }
  }

  async put(key: string, entry: CacheEntry): Promise<void> {
    const path = this.pathFor(key);
    const policy = entry.policy;
    const header: EntryHeader = {
      url: redactUrl(entry.url),
      status: entry.status,
      contentType: entry.contentType,
      // Belt and braces: whatever built the policy, the file gets the redacted URL and the kept headers.
      policy: {
        ...policy,
        u: policy.u === undefined ? undefined : redactUrl(policy.u),
        resh: keptHeaders(policy.resh),
        // Request headers are only kept for Vary matching; the only one this client varies on is Accept.
        reqh: policy.reqh === null ? null : pickAccept(policy.reqh),
      },
      bodyLength: entry.body.length,
      bodyCrc32: crc32Hex(entry.body),
    };
    const head = Buffer.from(`${MAGIC}${JSON.stringify(header)}\n`, 'utf8');
    const dir = dirname(path);
    if (!this.madeDirs.has(dir)) {
      await fsp.mkdir(dir, { recursive: true });
      this.madeDirs.add(dir);
    }
    const temp = `${path}.${TEMP_TAG}.${tempCounter++}.tmp`;
    try {
      try {
        await writeNew(temp, head, entry.body);
      } catch (error) {
        // The shard directory was removed while this run went on (the user cleared the cache).
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        await fsp.mkdir(dir, { recursive: true });
        await writeNew(temp, head, entry.body);
      }
      try {
        // rename replaces a file, a symlink (not what it points to) or a FIFO in one step.
        await fsp.rename(temp, path);
      } catch (error) {
        // A directory in the entry's place cannot be renamed over: remove it and try once more.
        const code = (error as NodeJS.ErrnoException).code;
        if (code !== 'EISDIR' && code !== 'ENOTEMPTY' && code !== 'EEXIST' && code !== 'EPERM') throw error;
        removeAnything(path);
        await fsp.rename(temp, path);
      }
    } catch (error) {
      await fsp.rm(temp, { force: true }).catch(() => undefined);
      throw error;
    }
  }

  /** Forget an entry (a newer response said it must not be stored). */
  async delete(key: string): Promise<void> {
    removeAnything(this.pathFor(key));
  }
}

/** The shard directories under `dir`; an empty set when it does not exist, null when it cannot be listed. */
function listShards(dir: string): Set<string> | null {
  try {
    return new Set(fs.readdirSync(dir));
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? new Set() : null;
  }
}

/** Write a new file (never an existing one) from two buffers, without joining them first. */
async function writeNew(path: string, head: Buffer, body: Buffer): Promise<void> {
  const handle = await fsp.open(path, 'wx');
  try {
    const total = head.length + body.length;
    let written = (await handle.writev([head, body])).bytesWritten;
    // writev may write less than asked (a signal, a full disk): the rest goes on from where it stopped.
    while (written < total) {
      const rest = written < head.length ? Buffer.concat([head.subarray(written), body]) : body.subarray(written - head.length);
      const { bytesWritten } = await handle.write(rest, 0, rest.length, written);
      if (bytesWritten === 0) throw Object.assign(new Error('no progress writing a cache entry'), { code: 'EIO' });
      written += bytesWritten;
    }
  } finally {
    await handle.close();
  }
}

/**
 * Remove whatever is at an entry's path: a file, a FIFO, a symlink (the link, never its target)
 * or a directory (with what is in it, without following links inside). Best effort.
 */
function removeAnything(path: string): void {
  try {
    const info = fs.lstatSync(path);
    fs.rmSync(path, { force: true, recursive: info.isDirectory() });
  } catch {
    // gone already, or not ours to remove: the next write reports it if it matters
  }
}

function pickAccept(headers: CachePolicy.Headers): CachePolicy.Headers {
  const accept = headers['accept'];
  return accept === undefined ? {} : { accept };
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The shape `CachePolicy.fromObject` needs; anything else is a damaged entry. */
function isStoredPolicy(value: unknown): value is StoredPolicy {
  return (
    isRecord(value) &&
    value['v'] === 1 &&
    typeof value['t'] === 'number' &&
    typeof value['st'] === 'number' &&
    typeof value['m'] === 'string' &&
    isRecord(value['resh']) &&
    Object.values(value['resh']).every((v) => typeof v === 'string') &&
    isRecord(value['rescc']) &&
    isRecord(value['reqcc']) &&
    (value['reqh'] === null || isRecord(value['reqh']))
  );
}

/**
 * A format-1 entry as a format-2 one: its validators are kept, its hand-computed max-age is not
 * (`no-cache`), so it is revalidated before use online and still answers offline.
 */
function upgradeLegacy(header: Record<string, unknown>): StoredPolicy {
  const headers: Record<string, string> = { 'cache-control': 'no-cache' };
  if (typeof header['etag'] === 'string') headers['etag'] = header['etag'];
  if (typeof header['lastModified'] === 'string') headers['last-modified'] = header['lastModified'];
  const request = { url: String(header['url']), method: 'GET', headers: {} };
  const storedAt = Number(header['storedAt']);
  const Policy = policyWithClock(() => (Number.isFinite(storedAt) && storedAt > 0 ? storedAt : 0));
  return new Policy(request, { status: Number(header['status']), headers }, POLICY_OPTIONS).toObject();
}

export function decodeEntry(data: Buffer): CacheEntry | null {
  const magic = [MAGIC, LEGACY_MAGIC].map((m) => Buffer.from(m, 'utf8')).find((m) => data.length >= m.length && data.subarray(0, m.length).equals(m));
  if (magic === undefined) return null;
  const legacy = magic.toString('utf8') === LEGACY_MAGIC;
  const newline = data.indexOf(0x0a, magic.length);
  if (newline === -1) return null;
  let header: unknown;
  try {
    header = JSON.parse(data.subarray(magic.length, newline).toString('utf8'));
  } catch {
    return null;
  }
  if (!isRecord(header) || typeof header['url'] !== 'string') return null;
  const crc = header['bodyCrc32'];
  const sha256 = header['bodySha256'];
  if (typeof crc !== 'string' && typeof sha256 !== 'string') return null;
  const status = Number(header['status']);
  if (!Number.isInteger(status) || status < 100 || status > 599) return null;
  const body = data.subarray(newline + 1);
  if (body.length !== header['bodyLength']) return null;
  if (typeof crc === 'string' ? crc32Hex(body) !== crc : createHash('sha256').update(body).digest('hex') !== sha256) return null;
  let policy: StoredPolicy;
  if (legacy) {
    try {
      policy = upgradeLegacy(header);
    } catch {
      return null;
    }
  } else {
    if (!isStoredPolicy(header['policy'])) return null;
    policy = header['policy'];
  }
  return {
    url: header['url'],
    status,
    contentType: typeof header['contentType'] === 'string' ? header['contentType'] : null,
    policy,
    // A view of the file's buffer: the header before it is a few hundred bytes.
    body,
  };
}
