/**
 * The one interface the rest of the app uses to ask an index about packages.
 *
 * - `getProject`: PEP 691 JSON preferred, PEP 503 HTML accepted (chosen by Content-Type), from
 *   the primary index and every extra index, files merged like pip does.
 * - `getCoreMetadata`: the PEP 658/714 `<file>.metadata` file, hash-checked.
 * - `getProjectInfo`: the PyPI JSON API, only where the index has one (`…/simple/` → `…/pypi/…`).
 *
 * Each URL is fetched at most once per client (concurrent callers share the request), answers
 * go through the on-disk cache with revalidation, and failures are `IndexError`s whose messages
 * carry only redacted URLs.
 */
import { createHash } from 'node:crypto';
import { canonicalizeName, isValidName } from '../pep/names.js';
import { quote } from '../safe-text.js';
import { AuthTable, loadNetrc } from './auth.js';
import { HttpCache, cacheKey, cachePolicy, defaultCacheDir, type CacheEntry } from './cache.js';
import { HttpClient } from './http.js';
import { parsePypiJson, PypiJsonParseError } from './pypi-json.js';
import { redactUrl, redactUrlsIn, stripCredentials } from '../safe-text.js';
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
  /** Whole-request limit per attempt, body included (default 4 × timeoutMs). */
  totalTimeoutMs?: number;
  /** Read credentials from `$NETRC` / `~/.netrc` (default true). */
  netrc?: boolean;
  /** Receives diagnostic lines (already redacted). */
  log?: (line: string) => void;
}

export interface IndexClientStats {
  requests: number;
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

export class IndexClient {
  readonly indexUrls: string[];
  private readonly http: HttpClient;
  private readonly cache: HttpCache | null;
  private readonly offline: boolean;
  private readonly log: (line: string) => void;
  private readonly inRun = new Map<string, Promise<Fetched>>();
  private readonly counters = { cacheHits: 0, revalidated: 0 };

  constructor(options: IndexClientOptions = {}) {
    const env = options.env ?? process.env;
    const settings = resolveIndexSettings({
      options: { indexUrl: options.indexUrl, extraIndexUrls: options.extraIndexUrls },
      manifest: options.manifest,
      env,
    });
    const withCredentials = [settings.indexUrl, ...settings.extraIndexUrls];
    this.indexUrls = withCredentials.map(stripCredentials);
    const timeoutMs = options.timeoutMs ?? 30_000;
    this.http = new HttpClient({
      concurrency: options.concurrency ?? 16,
      timeoutMs,
      totalTimeoutMs: options.totalTimeoutMs,
      retries: options.retries ?? 3,
      backoffMs: options.backoffMs ?? 500,
      maxBackoffMs: Math.max(options.backoffMs ?? 500, 10_000),
      maxRetryAfterMs: options.maxRetryAfterMs ?? 60_000,
      maxResponseBytes: options.maxResponseBytes ?? 64 * 1024 * 1024,
      env,
      userAgent: options.userAgent ?? DEFAULT_USER_AGENT,
      auth: new AuthTable(withCredentials, options.netrc === false ? new Map() : loadNetrc(env)),
    });
    const cacheDir = options.cacheDir === undefined ? defaultCacheDir(env) : options.cacheDir;
    this.cache = cacheDir === null ? null : new HttpCache(cacheDir);
    this.offline = options.offline === true;
    const sink = options.log ?? (() => undefined);
    this.log = (line) => sink(redactUrlsIn(line));
  }

  stats(): IndexClientStats {
    const http = this.http.stats();
    return { requests: http.requests, maxInFlight: http.maxInFlight, ...this.counters };
  }

  async close(): Promise<void> {
    await this.http.close();
  }

  /** All files of a project across the configured indexes. 404 everywhere → `not-found`. */
  async getProject(name: string): Promise<ProjectPage> {
    if (!isValidName(name)) {
      const shown = redactUrl(this.indexUrls[0]!);
      throw new IndexError('not-found', `invalid project name ${quote(name)}`, shown);
    }
    const normalised = canonicalizeName(name);
    const pages = await Promise.allSettled(this.indexUrls.map((index) => this.fetchProjectFrom(index, normalised)));
    // A failed index makes the answer incomplete (a missing wheel would look like "no wheel"),
    // so any failure other than "not there" is the result.
    const failed = pages.find((p): p is PromiseRejectedResult => p.status === 'rejected');
    if (failed) throw failed.reason;
    const found = pages
      .map((p) => (p as PromiseFulfilledResult<{ page: ParsedSimplePage; url: string } | null>).value)
      .filter((p): p is { page: ParsedSimplePage; url: string } => p !== null);
    if (found.length === 0) {
      const where = this.indexUrls.map(redactUrl).join(', ');
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
    return { name: normalised, files, versions, source: found.map(({ url }) => redactUrl(url)).join(' ') };
  }

  private async fetchProjectFrom(index: string, name: string): Promise<{ page: ParsedSimplePage; url: string } | null> {
    const url = new URL(`${encodeURIComponent(name)}/`, index).toString();
    const shown = redactUrl(url);
    const fetched = await this.fetch(url, SIMPLE_ACCEPT);
    if (fetched.status === 404 || fetched.status === 410) return null;
    this.requireOk(fetched, shown);
    const type = (fetched.contentType ?? '').split(';')[0]!.trim().toLowerCase();
    const text = decodeText(fetched.body, fetched.contentType);
    let format: 'json' | 'html';
    if (type === 'application/vnd.pypi.simple.v1+json' || type === 'application/vnd.pypi.simple.latest+json' || type === 'application/json') {
      format = 'json';
    } else if (type === 'application/vnd.pypi.simple.v1+html' || type === 'application/vnd.pypi.simple.latest+html' || type === 'text/html') {
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
    const shown = redactUrl(url);
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
    const shown = redactUrl(url);
    const fetched = await this.fetch(url, 'application/json');
    if (fetched.status === 404 || fetched.status === 410) return null;
    this.requireOk(fetched, shown);
    try {
      return parsePypiJson(decodeText(fetched.body, fetched.contentType));
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
      pending = this.fetchThroughCache(url, accept);
      this.inRun.set(key, pending);
    }
    return pending;
  }

  private async fetchThroughCache(url: string, accept: string): Promise<Fetched> {
    const shown = redactUrl(url);
    const key = this.cache ? cacheKey(url, accept) : '';
    const cached = this.cache ? await this.cache.get(key) : null;
    const fromEntry = (entry: CacheEntry): Fetched => ({
      status: entry.status,
      body: entry.body,
      contentType: entry.contentType,
      url,
    });
    if (this.offline) {
      if (cached) {
        this.counters.cacheHits++;
        return fromEntry(cached);
      }
      throw new IndexError('offline', `not in the cache (offline mode): ${shown}`, shown);
    }
    if (cached && cached.maxAge > 0 && Date.now() - cached.storedAt < cached.maxAge * 1000) {
      this.counters.cacheHits++;
      return fromEntry(cached);
    }
    const headers: Record<string, string> = { accept };
    if (cached?.etag) headers['if-none-match'] = cached.etag;
    if (cached?.lastModified) headers['if-modified-since'] = cached.lastModified;
    const response = await this.http.get(url, headers);
    if (response.status === 304 && cached) {
      this.counters.cacheHits++;
      this.counters.revalidated++;
      const policy = cachePolicy(response.headers['cache-control']);
      if (policy.maxAge > 0) await this.store(key, { ...cached, storedAt: Date.now(), maxAge: policy.maxAge });
      return fromEntry(cached);
    }
    const fetched: Fetched = {
      status: response.status,
      body: response.body,
      contentType: response.headers['content-type'] ?? null,
      url: response.url,
    };
    if (response.status === 200 && this.cache) {
      const policy = cachePolicy(response.headers['cache-control']);
      if (policy.store) {
        await this.store(key, {
          url,
          status: 200,
          contentType: fetched.contentType,
          etag: response.headers['etag'] ?? null,
          lastModified: response.headers['last-modified'] ?? null,
          storedAt: Date.now(),
          maxAge: policy.maxAge,
          body: response.body,
        });
      }
    }
    return fetched;
  }

  /** Caching is best effort: a full disk or read-only cache dir must not fail the scan. */
  private async store(key: string, entry: CacheEntry): Promise<void> {
    try {
      await this.cache!.put(key, entry);
    } catch (error) {
      const code = (error as { code?: string }).code ?? 'error';
      this.log(`cache write failed (${code}) for ${redactUrl(entry.url)}`);
    }
  }
}

function decodeText(body: Buffer, contentType: string | null): string {
  const charset = /charset\s*=\s*"?([\w.:-]+)"?/i.exec(contentType ?? '')?.[1];
  if (charset !== undefined) {
    try {
      return new TextDecoder(charset).decode(body);
    } catch {
      // unknown label: fall through to UTF-8, which the standards require anyway
    }
  }
  return new TextDecoder('utf-8').decode(body);
}
