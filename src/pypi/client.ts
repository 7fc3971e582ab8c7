/**
 * The one interface the rest of the app uses to ask an index about packages.
 *
 * - `getProject`: PEP 691 JSON preferred, PEP 503 HTML accepted (chosen by Content-Type), from
 *   the primary index and every extra index, files merged like pip does.
 * - `getCoreMetadata`: the PEP 658/714 `<file>.metadata` file, hash-checked.
 * - `getProjectInfo`: the PyPI JSON API, only where the index has one (`…/simple/` → `…/pypi/…`).
 *
 * Each URL is fetched at most once per client (concurrent callers share the request), answers
 * go through the on-disk cache (RFC 9111 freshness, revalidation), and failures are `IndexError`s
 * whose messages carry only redacted URLs.
 *
 * Failover like pip: an index that fails for a project (auth refused, 5xx after retries,
 * unreachable, timeout, invalid page, not in the offline cache) is skipped, the page is built
 * from the indexes that answered and names the skipped ones; `indexHealth()` keeps the tally per
 * index so the caller can warn once per failing index.
 */
import { createHash } from 'node:crypto';
import { canonicalizeName, isValidName } from '../pep/names.js';
import { oneLine, quote } from '../safe-text.js';
import { AuthTable, loadNetrc } from './auth.js';
import { HttpCache, HttpFreshness, cacheKey, defaultCacheDir, type CacheEntry } from './cache.js';
import type CachePolicy from 'http-cache-semantics';
import { DEFAULT_TOTAL_TIMEOUT_MS, HttpClient } from './http.js';
import { parsePypiJson, PypiJsonParseError } from './pypi-json.js';
import { indexLabel, labelUrlsIn, redactUrl, stripCredentials, urlLabel } from '../safe-text.js';
import { resolveIndexSettings, type IndexOptions } from './settings.js';
import { parseSimpleHtml } from './simple-html.js';
import { parseSimpleJson, SimpleParseError, type ParsedSimplePage } from './simple-json.js';
import { IndexError, type DistributionFile, type ProjectInfo, type ProjectPage } from './types.js';

export interface IndexClientOptions {
  indexUrl?: string;
  extraIndexUrls?: string[];
  /** Index options found in manifests (`--index-url` / `--extra-index-url` in requirements files). */
  manifest?: IndexOptions;
  concurrency?: number;
  /**
   * Per attempt: time to connect, to the response headers, and the longest silence in a body
   * (default: 10 s, or `totalTimeoutMs` when that is shorter). A stalled attempt is retried.
   */
  timeoutMs?: number;
  retries?: number;
  /** null = no cache; undefined = the user cache directory. */
  cacheDir?: string | null;
  offline?: boolean;
  maxResponseBytes?: number;
  env?: Record<string, string | undefined>;
  userAgent?: string;
  /** Base delay of the retry backoff (default 500 ms). */
  backoffMs?: number;
  /** Longest `Retry-After` the client waits for (default 60 s); longer ones fail with the reason. */
  maxRetryAfterMs?: number;
  /**
   * Per request: one deadline for connect, headers and the whole body, across redirects, retries
   * and the waits between them (default 30 s); after it the request fails as a timeout.
   */
  totalTimeoutMs?: number;
  /** Read credentials from `$NETRC` / `~/.netrc` (default true). */
  netrc?: boolean;
  /** Receives diagnostic lines (already redacted). */
  log?: (line: string) => void;
  /** Clock for cache freshness, epoch ms (default `Date.now`); tests move it instead of sleeping. */
  now?: () => number;
}

/** What one configured index did during this client's life (Simple API project pages only). */
export interface IndexHealth {
  /** How messages name the index: scheme, host and port (`indexLabel`), since a path can be a token. */
  index: string;
  /** The whole index URL, redacted (its path may still hold a token): shown only on request. */
  url: string;
  /** Project pages it answered, 404/410 included. */
  answered: number;
  /** Project pages it failed: network, timeout, auth, 5xx, invalid response, offline cache miss. */
  failed: number;
  /** The first failure's message (one line, redacted), null when it never failed. */
  firstError: string | null;
}

/** A project page plus the indexes that could not contribute to it. */
export interface IndexProjectPage extends ProjectPage {
  /**
   * The indexes skipped for this project, in configured order; empty when every index answered.
   * Files only a skipped index has are missing from `files`.
   */
  skippedIndexes: SkippedIndex[];
}

export interface SkippedIndex {
  /** The index by scheme, host and port (`indexLabel`). */
  index: string;
  /** Why, on one line, redacted (the `IndexError` message). */
  reason: string;
}

export interface IndexClientStats {
  requests: number;
  /** Requests on the wire now. */
  inFlight: number;
  maxInFlight: number;
  cacheHits: number;
  revalidated: number;
}

export const SIMPLE_ACCEPT =
  'application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01';
const DEFAULT_USER_AGENT = 'pypy-ready/0.1 (+https://github.com/pypy-ready)';

interface Fetched {
  status: number;
  body: Buffer;
  contentType: string | null;
  /** Final URL (no credentials). */
  url: string;
}

type Lookup = { ok: true; found: { page: ParsedSimplePage; url: string } | null } | { ok: false; error: IndexError };

/** Statuses kept in the cache: the final answers the client interprets (404/410 so offline runs agree). */
const CACHED_STATUS = new Set([200, 404, 410]);
/** Room for an entry's magic line and JSON header beside the body (response headers are at most 16 kB). */
const ENTRY_HEADER_ROOM = 1024 * 1024;

export class IndexClient {
  readonly indexUrls: string[];
  private readonly http: HttpClient;
  private readonly cache: HttpCache | null;
  /** The cache directory in use (`cacheDir`, else the user's), or null with no cache: other caches of the run (the usage facts) live beside this one's. */
  readonly cacheDir: string | null;
  private readonly offline: boolean;
  private readonly log: (line: string) => void;
  private readonly freshness: HttpFreshness;
  private readonly inRun = new Map<string, Promise<Fetched>>();
  private readonly lookups = new Map<string, Promise<Lookup>>();
  /** Look-ups let go of by `release` (see there). */
  private readonly released = new Set<string>();
  private readonly health = new Map<string, { answered: number; failed: number; firstError: string | null }>();
  private readonly counters = { cacheHits: 0, revalidated: 0 };
  /** Cache writes still going on (see `store`). */
  private readonly writes = new Set<Promise<void>>();
  /** One-line, redacted warnings about the client's own setup (an ignored netrc file). */
  readonly warnings: string[] = [];

  constructor(options: IndexClientOptions = {}) {
    const env = options.env ?? process.env;
    const settings = resolveIndexSettings({
      options: { indexUrl: options.indexUrl, extraIndexUrls: options.extraIndexUrls },
      manifest: options.manifest,
      env,
    });
    const withCredentials = [settings.indexUrl, ...settings.extraIndexUrls];
    this.indexUrls = withCredentials.map(stripCredentials);
    for (const index of this.indexUrls) this.health.set(index, { answered: 0, failed: 0, firstError: null });
    const totalTimeoutMs = options.totalTimeoutMs ?? DEFAULT_TOTAL_TIMEOUT_MS;
    const timeoutMs = options.timeoutMs ?? Math.min(10_000, totalTimeoutMs);
    const maxResponseBytes = options.maxResponseBytes ?? 64 * 1024 * 1024;
    this.http = new HttpClient({
      concurrency: options.concurrency ?? 16,
      timeoutMs,
      totalTimeoutMs,
      retries: options.retries ?? 3,
      backoffMs: options.backoffMs ?? 500,
      maxBackoffMs: Math.max(options.backoffMs ?? 500, 10_000),
      maxRetryAfterMs: options.maxRetryAfterMs ?? 60_000,
      maxResponseBytes,
      env,
      userAgent: options.userAgent ?? DEFAULT_USER_AGENT,
      // A netrc problem is a warning of the run (the scan reports it), never a direct write to stderr.
      auth: new AuthTable(withCredentials, options.netrc === false ? new Map() : loadNetrc(env, (line) => this.warnings.push(line))),
    });
    const cacheDir = options.cacheDir === undefined ? defaultCacheDir(env) : options.cacheDir;
    this.cacheDir = cacheDir;
    // An entry holds one response (at most maxResponseBytes) and a header of a few kB.
    this.cache = cacheDir === null ? null : new HttpCache(cacheDir, { maxEntryBytes: maxResponseBytes + ENTRY_HEADER_ROOM });
    this.freshness = new HttpFreshness(options.now);
    this.offline = options.offline === true;
    const sink = options.log ?? (() => undefined);
    this.log = (line) => sink(labelUrlsIn(line));
  }

  stats(): IndexClientStats {
    const http = this.http.stats();
    return { requests: http.requests, inFlight: http.inFlight, maxInFlight: http.maxInFlight, ...this.counters };
  }

  /** Per configured index, in order: project pages answered and failed, and the first failure. */
  indexHealth(): IndexHealth[] {
    return [...this.health].map(([index, h]) => ({ index: indexLabel(index), url: redactUrl(index), ...h }));
  }

  async close(): Promise<void> {
    await this.flush();
    await this.http.close();
  }

  /**
   * All files of a project across the configured indexes. An index that fails is skipped (and
   * listed in `skippedIndexes`) as long as another one answered; 404 everywhere → `not-found`;
   * nothing found and some index failed → that failure (the project is unknown, not missing).
   */
  async getProject(name: string): Promise<IndexProjectPage> {
    if (!isValidName(name)) {
      const shown = redactUrl(this.indexUrls[0]!);
      throw new IndexError('not-found', `invalid project name ${quote(name)}`, shown);
    }
    const normalised = canonicalizeName(name);
    const results = await Promise.all(this.indexUrls.map(async (index) => ({ index, result: await this.lookUp(index, normalised) })));
    const failures = results.flatMap(({ index, result }) => (result.ok ? [] : [{ index, error: result.error }]));
    const found = results.flatMap(({ result }) => (result.ok && result.found !== null ? [result.found] : []));
    if (found.length === 0) {
      if (failures.length > 0) throw this.noAnswer(normalised, failures, results.filter(({ result }) => result.ok).map(({ index }) => index));
      const where = this.indexUrls.map(indexLabel).join(', ');
      throw new IndexError('not-found', `project ${quote(normalised)} not found on ${where}`, redactUrl(this.indexUrls[0]!), 404);
    }
    const files: DistributionFile[] = [];
    const seen = new Set<string>();
    for (const { page } of found) {
      for (const file of page.files) {
        if (seen.has(file.url)) continue;
        seen.add(file.url);
        files.push(file);
      }
    }
    // PEP 700 versions only mean something when every contributing index sent them.
    const versions = found.every(({ page }) => page.apiVersion !== null && page.versions.length > 0)
      ? [...new Set(found.flatMap(({ page }) => page.versions))]
      : [];
    return {
      name: normalised,
      files,
      versions,
      source: found.map(({ url }) => redactUrl(url)).join(' '),
      skippedIndexes: failures.map(({ index, error }) => ({ index: indexLabel(index), reason: oneLine(labelUrlsIn(error.message), 500) })),
    };
  }

  /** The error for "no index had it and at least one failed": one failure as is, several combined. */
  private noAnswer(name: string, failures: Array<{ index: string; error: IndexError }>, answered: string[]): IndexError {
    const first = failures[0]!.error;
    if (failures.length === 1 && answered.length === 0) return first;
    const parts = failures.map(({ error }) => error.message);
    if (answered.length > 0) parts.push(`not found on ${answered.map(indexLabel).join(', ')}`);
    return new IndexError(first.kind, `no index answered for project ${quote(name)}: ${parts.join('; ')}`, first.url, first.status);
  }

  /**
   * Let go of a project's parsed pages: its caller is done with them (a page of numpy holds
   * 20,000 files). Asked again, the project is looked up again, through the HTTP cache, and is
   * not counted twice in `indexHealth`.
   */
  release(name: string): void {
    const normalised = canonicalizeName(name);
    for (const index of this.indexUrls) {
      const key = `${index}\n${normalised}`;
      if (this.lookups.delete(key)) this.released.add(key);
    }
  }

  /** One look-up per index and project per client; its outcome is counted once in `indexHealth`. */
  private lookUp(index: string, name: string): Promise<Lookup> {
    const key = `${index}\n${name}`;
    let pending = this.lookups.get(key);
    if (pending === undefined) {
      const counted = !this.released.has(key);
      const health = counted ? this.health.get(index)! : { answered: 0, failed: 0, firstError: null as string | null };
      pending = this.fetchProjectFrom(index, name).then(
        (found): Lookup => {
          health.answered++;
          return { ok: true, found };
        },
        (error: unknown): Lookup => {
          if (!(error instanceof IndexError)) throw error;
          health.failed++;
          health.firstError ??= error.message;
          if (this.indexUrls.length > 1) this.log(`skipping ${indexLabel(index)} for ${quote(name)}: ${error.message}`);
          return { ok: false, error };
        },
      );
      this.lookups.set(key, pending);
    }
    return pending;
  }

  private async fetchProjectFrom(index: string, name: string): Promise<{ page: ParsedSimplePage; url: string } | null> {
    const url = new URL(`${encodeURIComponent(name)}/`, index).toString();
    const shown = urlLabel(url);
    // Not through `fetch`: `lookUp` already asks once per run, and `fetch` would keep the page's
    // body (10 MB for numpy) in memory for the rest of the run after it has been parsed.
    const fetched = await this.fetchThroughCache(url, SIMPLE_ACCEPT).catch(relabelled);
    if (fetched.status === 404 || fetched.status === 410) return null;
    this.requireOk(fetched, shown);
    const type = (fetched.contentType ?? '').split(';')[0]!.trim().toLowerCase();
    const text = decodeOrThrow(fetched, shown, 'Simple API page');
    let format: 'json' | 'html';
    if (type === 'application/vnd.pypi.simple.v1+json' || type === 'application/vnd.pypi.simple.latest+json' || type === 'application/json') {
      format = 'json';
    } else if (type === 'application/vnd.pypi.simple.v1+html' || type === 'application/vnd.pypi.simple.latest+html' || type === 'text/html') {
      // A JSON document labelled HTML would parse as a page without links: every file lost, silently.
      if (/^[{[]/.test(text.trimStart())) {
        throw new IndexError('invalid-response', `a JSON body labelled ${quote(type)} from ${shown}`, shown, fetched.status);
      }
      format = 'html';
    } else if (type === '') {
      // No Content-Type at all: some static hosts omit it. Sniff rather than fail.
      format = text.trimStart().startsWith('{') ? 'json' : 'html';
    } else {
      throw new IndexError('invalid-response', `unexpected Content-Type ${quote(type)} from ${shown}`, shown, fetched.status);
    }
    try {
      const page = format === 'json' ? parseSimpleJson(text, fetched.url) : parseSimpleHtml(text, fetched.url);
      if (page.skipped.length > 0) {
        this.log(`${shown}: ignored ${page.skipped.length} link(s), e.g. ${page.skipped[0]}`);
      }
      return { page, url: fetched.url };
    } catch (error) {
      if (error instanceof SimpleParseError) {
        throw new IndexError('invalid-response', `invalid ${format.toUpperCase()} Simple API page from ${shown}: ${error.message}`, shown, fetched.status);
      }
      throw error;
    }
  }

  /** The PEP 658 metadata file of a distribution, or null when the index has none for it. */
  async getCoreMetadata(file: DistributionFile): Promise<string | null> {
    if (file.coreMetadata === false) return null;
    const fileUrl = new URL(file.url);
    fileUrl.hash = '';
    fileUrl.pathname += '.metadata';
    const url = fileUrl.toString();
    const shown = urlLabel(url);
    const fetched = await this.fetch(url, '*/*');
    if (fetched.status === 404 || fetched.status === 410) return null;
    this.requireOk(fetched, shown);
    if (typeof file.coreMetadata === 'object') {
      for (const [algo, expected] of Object.entries(file.coreMetadata)) {
        let actual: string;
        try {
          actual = createHash(algo).update(fetched.body).digest('hex');
        } catch {
          continue; // an algorithm this Node does not know: other listed hashes still count
        }
        if (actual !== expected) {
          throw new IndexError('invalid-response', `core metadata ${algo} mismatch for ${shown}`, shown, fetched.status);
        }
      }
    }
    return fetched.body.toString('utf8');
  }

  /** PyPI JSON API data for a project (latest release) or one version; null when not offered. */
  async getProjectInfo(name: string, version?: string): Promise<ProjectInfo | null> {
    const index = new URL(this.indexUrls[0]!);
    // Only indexes laid out like PyPI (`…/simple/`) have the JSON API next to them.
    if (!/\/simple\/$/.test(index.pathname) || !isValidName(name)) return null;
    const normalised = canonicalizeName(name);
    const tail = version === undefined
      ? `${encodeURIComponent(normalised)}/json`
      : `${encodeURIComponent(normalised)}/${encodeURIComponent(version)}/json`;
    index.pathname = index.pathname.replace(/simple\/$/, `pypi/${tail}`);
    const url = index.toString();
    const shown = urlLabel(url);
    const fetched = await this.fetch(url, 'application/json');
    if (fetched.status === 404 || fetched.status === 410) return null;
    this.requireOk(fetched, shown);
    try {
      return parsePypiJson(decodeOrThrow(fetched, shown, 'JSON API response'));
    } catch (error) {
      if (error instanceof PypiJsonParseError) {
        throw new IndexError('invalid-response', `invalid JSON API response from ${shown}: ${error.message}`, shown, fetched.status);
      }
      throw error;
    }
  }

  private requireOk(fetched: Fetched, shown: string): void {
    if (fetched.status === 200) return;
    if (fetched.status === 401 || fetched.status === 403) {
      throw new IndexError('auth', `authentication refused (HTTP ${fetched.status}) by ${shown}`, shown, fetched.status);
    }
    throw new IndexError('http', `HTTP ${fetched.status} from ${shown}`, shown, fetched.status);
  }

  /** One fetch per URL per run: concurrent and later callers share the first promise. */
  private fetch(url: string, accept: string): Promise<Fetched> {
    const key = `${accept}\n${url}`;
    let pending = this.inRun.get(key);
    if (pending === undefined) {
      pending = this.fetchThroughCache(url, accept).catch(relabelled);
      this.inRun.set(key, pending);
    }
    return pending;
  }

  private async fetchThroughCache(url: string, accept: string): Promise<Fetched> {
    const shown = urlLabel(url);
    const key = this.cache ? cacheKey(url, accept) : '';
    const request = this.freshness.request(url, accept);
    const cached = this.cache ? await this.cache.get(key) : null;
    const policy = cached ? this.freshness.restore(cached.policy) : null;
    const fromEntry = (entry: CacheEntry): Fetched => ({
      status: entry.status,
      body: entry.body,
      contentType: entry.contentType,
      url,
    });
    if (this.offline) {
      // Offline is the user's explicit choice: any stored answer, fresh or stale, is used.
      if (cached) {
        this.counters.cacheHits++;
        return fromEntry(cached);
      }
      throw new IndexError('offline', `not in the cache (offline mode): ${shown}`, shown);
    }
    if (cached && policy && this.freshness.fresh(policy, request)) {
      this.counters.cacheHits++;
      return fromEntry(cached);
    }
    const headers = cached && policy ? toHeaderRecord(policy.revalidationHeaders(request)) : { accept };
    let response = await this.http.get(url, headers);
    if (response.status === 304 && cached && policy) {
      const updated = this.freshness.revalidated(policy, request, response.headers);
      if (updated !== null) {
        this.counters.cacheHits++;
        this.counters.revalidated++;
        if (!updated.storable()) this.forget(key);
        else if (worthRewriting(policy, updated)) this.store(key, { ...cached, url, policy: updated.toObject() });
        return fromEntry(cached);
      }
      // A 304 whose validators are not those of the stored response: that body is not known to
      // be current, so ask once more without conditions.
      this.log(`${shown}: 304 did not match the cached response; fetching it again`);
      response = await this.http.get(url, { accept });
    }
    const fetched: Fetched = {
      status: response.status,
      body: response.body,
      contentType: response.headers['content-type'] ?? null,
      url: response.url,
    };
    // A redirected answer is not stored: a later hit would resolve its relative links against the
    // URL asked for, not the one that answered (and the final URL is not written to disk).
    if (this.cache && CACHED_STATUS.has(response.status) && response.url === url) {
      const fresh = this.freshness.policyFor(request, response.status, response.headers);
      if (fresh.storable()) {
        this.store(key, { url, status: response.status, contentType: fetched.contentType, policy: fresh.toObject(), body: response.body });
      } else if (cached) {
        this.forget(key);
      }
    }
    return fetched;
  }

  /** `no-store` (or nothing storable) in a newer answer: an older copy must not outlive it. */
  private forget(key: string): void {
    this.behind(later(() => this.cache!.delete(key)).catch(() => undefined));
  }

  /**
   * Caching is best effort: a full disk or read-only cache dir must not fail the scan. Writes go
   * on behind the scan (the answer is already in memory); `flush`, and so `close`, waits for them.
   */
  private store(key: string, entry: CacheEntry): void {
    this.behind(
      later(() => this.cache!.put(key, entry)).catch((error: unknown) => {
        const code = (error as { code?: string }).code ?? 'error';
        this.log(`cache write failed (${code}) for ${redactUrl(entry.url)}`);
      }),
    );
  }

  private behind(write: Promise<void>): void {
    this.writes.add(write);
    void write.finally(() => this.writes.delete(write));
  }

  /** Wait until every cache write started so far has finished (or failed, which is logged). */
  async flush(): Promise<void> {
    while (this.writes.size > 0) await Promise.all([...this.writes]);
  }
}

/**
 * A transport error with each URL in its message named by its label, as every message of this
 * client names them (the transport's own messages carry the whole redacted URL).
 */
function relabelled(error: unknown): never {
  if (error instanceof IndexError) throw new IndexError(error.kind, labelUrlsIn(error.message), error.url, error.status);
  throw error;
}

/**
 * Run `task` after the I/O callbacks already waiting (a macrotask, not a microtask): responses
 * that have arrived are handled before a cache write is started.
 */
function later(task: () => Promise<void>): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve)).then(task);
}

/**
 * After a 304, is the refreshed policy worth writing over the stored entry (body and all)? Only
 * when it changes what the next run does: the response became fresh for a while (a max-age came
 * with the 304), or its validators changed. An index that sends only an ETag gets a 304 on every
 * run, and rewriting every entry each time made warm runs slower than cold ones.
 */
function worthRewriting(stored: CachePolicy, updated: CachePolicy): boolean {
  if (updated.timeToLive() > 0) return true;
  const before = stored.toObject().resh;
  const after = updated.toObject().resh;
  return before['etag'] !== after['etag'] || before['last-modified'] !== after['last-modified'];
}

/** `revalidationHeaders` may type values as arrays; on the wire they are one comma-joined line. */
function toHeaderRecord(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/**
 * The decoder for a body: its declared charset (UTF-8 when none is declared or the label is
 * unknown, as the standards require). Strict, as pip decodes: bytes that are not valid in the
 * charset throw a TypeError rather than becoming U+FFFD and silently changing a file name.
 */
function decoderFor(contentType: string | null): InstanceType<typeof TextDecoder> {
  const charset = /charset\s*=\s*"?([\w.:-]+)"?/i.exec(contentType ?? '')?.[1];
  if (charset !== undefined) {
    try {
      return new TextDecoder(charset, { fatal: true });
    } catch {
      // unknown label: UTF-8
    }
  }
  return new TextDecoder('utf-8', { fatal: true });
}

/** The body as text, with undecodable bytes as an invalid-response IndexError. */
function decodeOrThrow(fetched: Fetched, shown: string, what: string): string {
  const decoder = decoderFor(fetched.contentType);
  try {
    return decoder.decode(fetched.body);
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    throw new IndexError('invalid-response', `${what} from ${shown} is not valid ${decoder.encoding}`, shown, fetched.status);
  }
}
