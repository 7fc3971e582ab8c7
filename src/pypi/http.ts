/**
 * The only place that talks to the network. One undici dispatcher per client (keep-alive,
 * connection reuse, proxies from the environment), bounded concurrency, per-attempt timeouts,
 * retries with exponential backoff and jitter, `Retry-After`, a response size cap, redirects,
 * and Basic auth from the `AuthTable`. Every URL in an error is redacted.
 */
import { Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import pLimit from 'p-limit';
import { Agent, Dispatcher, EnvHttpProxyAgent, request } from 'undici';
import { AuthTable } from './auth.js';
import { redactUrl } from '../safe-text.js';
import { IndexError } from './types.js';

export interface HttpOptions {
  concurrency: number;
  /** Per attempt: time to response headers, and longest silence while the body streams. */
  timeoutMs: number;
  /** Per attempt: whole request including the body (defaults to 4 × timeoutMs). */
  totalTimeoutMs?: number;
  /** Extra attempts after the first. */
  retries: number;
  /** Base of the exponential backoff. */
  backoffMs: number;
  maxBackoffMs: number;
  /** A `Retry-After` longer than this is not waited for: the request fails with the reason. */
  maxRetryAfterMs: number;
  maxResponseBytes: number;
  env: Record<string, string | undefined>;
  userAgent: string;
  auth: AuthTable;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  /** Final URL after redirects (without credentials). */
  url: string;
}

export interface HttpStats {
  requests: number;
  inFlight: number;
  maxInFlight: number;
}

const RETRY_STATUS = new Set([429, 500, 502, 503, 504]);
const REDIRECT_STATUS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 5;
const RETRYABLE_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);
const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);

/** Build the dispatcher: a proxy-aware one only when the environment names a proxy. */
export function createDispatcher(env: Record<string, string | undefined>, timeoutMs: number): Dispatcher {
  const pick = (...names: string[]): string =>
    names.map((n) => env[n]).find((v) => v !== undefined && v.trim() !== '') ?? '';
  const httpProxy = pick('http_proxy', 'HTTP_PROXY');
  const httpsProxy = pick('https_proxy', 'HTTPS_PROXY');
  const noProxy = pick('no_proxy', 'NO_PROXY');
  const agentOptions = {
    keepAliveTimeout: 10_000,
    keepAliveMaxTimeout: 60_000,
    connect: { timeout: timeoutMs },
  };
  if (httpProxy === '' && httpsProxy === '') return new Agent(agentOptions);
  // Values are passed explicitly (even empty) so undici does not fall back to process.env: the
  // environment the caller gave is the only one that counts.
  return new EnvHttpProxyAgent({ ...agentOptions, httpProxy, httpsProxy: httpsProxy || httpProxy, noProxy });
}

/** `Retry-After` as milliseconds: delta-seconds or an HTTP date. Null when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | null {
  if (value === undefined) return null;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

function headerRecord(raw: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    out[key.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/** Stop reading a stream; its abort error is expected and must not surface as uncaught. */
function discard(stream: Readable): void {
  stream.on('error', () => undefined);
  stream.destroy();
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Error raised inside one attempt; `retry` says whether another attempt may help. */
class AttemptError extends Error {
  constructor(
    readonly error: IndexError,
    readonly retry: boolean,
    readonly retryAfterMs: number | null = null,
  ) {
    super(error.message);
  }
}

function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

export class HttpClient {
  private readonly dispatcher: Dispatcher;
  private readonly limit: ReturnType<typeof pLimit>;
  private readonly counters: HttpStats = { requests: 0, inFlight: 0, maxInFlight: 0 };
  private closed = false;

  constructor(private readonly options: HttpOptions) {
    this.dispatcher = createDispatcher(options.env, options.timeoutMs);
    this.limit = pLimit(Math.max(1, Math.floor(options.concurrency)));
  }

  stats(): HttpStats {
    return { ...this.counters };
  }

  /**
   * GET with retries. Resolves with any final response (2xx, 304, 4xx other than 429) for the
   * caller to interpret; rejects with an IndexError when no answer could be had.
   */
  async get(url: string, headers: Record<string, string>): Promise<HttpResponse> {
    const shown = redactUrl(url);
    const attempts = Math.max(0, Math.floor(this.options.retries)) + 1;
    let last: AttemptError | undefined;
    for (let attempt = 0; attempt < attempts; attempt++) {
      if (this.closed) throw new IndexError('network', `client closed before fetching ${shown}`, shown);
      try {
        // Only the request itself holds a concurrency slot, not the wait before a retry.
        const response = await this.limit(() => this.followRedirects(url, headers));
        if (!RETRY_STATUS.has(response.status)) return response;
        const retryAfterMs = response.status === 429 || response.status === 503 ? parseRetryAfter(response.headers['retry-after']) : null;
        last = new AttemptError(
          new IndexError('http', `HTTP ${response.status} from ${shown}`, shown, response.status),
          true,
          retryAfterMs,
        );
      } catch (error) {
        if (!(error instanceof AttemptError)) throw error;
        last = error;
      }
      if (!last.retry || attempt === attempts - 1) break;
      let delay = Math.min(this.options.maxBackoffMs, this.options.backoffMs * 2 ** attempt);
      delay = delay / 2 + Math.random() * (delay / 2); // jitter: spread clients that failed together
      if (last.retryAfterMs !== null) {
        if (last.retryAfterMs > this.options.maxRetryAfterMs) {
          const e = last.error;
          throw new IndexError(
            e.kind,
            `${e.message}: server asks to retry after ${Math.ceil(last.retryAfterMs / 1000)}s, more than the ${Math.ceil(this.options.maxRetryAfterMs / 1000)}s limit`,
            e.url,
            e.status,
          );
        }
        delay = Math.max(delay, last.retryAfterMs);
      }
      await sleep(delay);
    }
    const e = last!.error;
    const tries = attempts > 1 && last!.retry ? ` (after ${attempts} attempts)` : '';
    throw new IndexError(e.kind, `${e.message}${tries}`, e.url, e.status);
  }

  private async followRedirects(url: string, headers: Record<string, string>): Promise<HttpResponse> {
    let current = url;
    for (let hop = 0; ; hop++) {
      const response = await this.attempt(current, headers);
      const location = response.headers['location'];
      if (!REDIRECT_STATUS.has(response.status) || location === undefined) return response;
      if (hop >= MAX_REDIRECTS) {
        const shown = redactUrl(url);
        throw new AttemptError(new IndexError('http', `too many redirects from ${shown}`, shown, response.status), false);
      }
      const next = new URL(location, current);
      if (next.protocol !== 'http:' && next.protocol !== 'https:') {
        const shown = redactUrl(current);
        throw new AttemptError(new IndexError('http', `redirect to a non-HTTP URL from ${shown}`, shown, response.status), false);
      }
      // Credentials never travel in a redirected URL; the auth table decides per origin.
      next.username = '';
      next.password = '';
      current = next.toString();
    }
  }

  private async attempt(url: string, headers: Record<string, string>): Promise<HttpResponse> {
    const shown = redactUrl(url);
    const controller = new AbortController();
    const total = this.options.totalTimeoutMs ?? this.options.timeoutMs * 4;
    const timer = setTimeout(() => controller.abort(), total);
    const sendHeaders: Record<string, string> = {
      'user-agent': this.options.userAgent,
      'accept-encoding': 'gzip, deflate, br',
      ...headers,
    };
    const authorization = this.options.auth.headerFor(url);
    if (authorization !== undefined) sendHeaders['authorization'] = authorization;

    this.counters.requests++;
    this.counters.inFlight++;
    this.counters.maxInFlight = Math.max(this.counters.maxInFlight, this.counters.inFlight);
    try {
      const response = await request(url, {
        method: 'GET',
        headers: sendHeaders,
        dispatcher: this.dispatcher,
        signal: controller.signal,
        headersTimeout: this.options.timeoutMs,
        bodyTimeout: this.options.timeoutMs,
      });
      const responseHeaders = headerRecord(response.headers);
      const body = await this.readBody(response.body, responseHeaders, shown);
      return { status: response.statusCode, headers: responseHeaders, body, url };
    } catch (error) {
      if (error instanceof AttemptError) throw error;
      if (controller.signal.aborted) {
        throw new AttemptError(new IndexError('timeout', `timed out after ${total} ms fetching ${shown}`, shown), true);
      }
      const code = errorCode(error);
      if (code !== undefined && TIMEOUT_CODES.has(code)) {
        throw new AttemptError(new IndexError('timeout', `timed out (${code}) fetching ${shown}`, shown), true);
      }
      const what = code ?? (error instanceof Error ? error.name : 'unknown error');
      throw new AttemptError(
        new IndexError('network', `network error (${what}) fetching ${shown}`, shown),
        code !== undefined && RETRYABLE_CODES.has(code),
      );
    } finally {
      clearTimeout(timer);
      this.counters.inFlight--;
    }
  }

  /** Read the body, decompressing, and stop as soon as it passes the size cap. */
  private async readBody(body: Readable, headers: Record<string, string>, shown: string): Promise<Buffer> {
    const cap = this.options.maxResponseBytes;
    const tooLarge = (): AttemptError =>
      new AttemptError(new IndexError('too-large', `response larger than ${cap} bytes from ${shown}`, shown), false);
    const declared = Number(headers['content-length']);
    if (Number.isFinite(declared) && declared > cap) {
      discard(body);
      throw tooLarge();
    }
    const encoding = (headers['content-encoding'] ?? '').trim().toLowerCase();
    let stream: Readable = body;
    if (encoding === 'gzip' || encoding === 'x-gzip') stream = body.pipe(createGunzip());
    else if (encoding === 'deflate') stream = body.pipe(createInflate());
    else if (encoding === 'br') stream = body.pipe(createBrotliDecompress());
    if (stream !== body) body.on('error', (error) => stream.destroy(error));
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of stream) {
        const buffer = chunk as Buffer;
        size += buffer.length;
        if (size > cap) throw tooLarge();
        chunks.push(buffer);
      }
    } catch (error) {
      discard(body);
      if (stream !== body) discard(stream);
      if (error instanceof AttemptError) throw error;
      if (errorCode(error)?.startsWith('Z_')) {
        throw new AttemptError(new IndexError('invalid-response', `corrupt ${encoding} body from ${shown}`, shown), true);
      }
      throw error;
    }
    return Buffer.concat(chunks);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.dispatcher.close();
  }
}
