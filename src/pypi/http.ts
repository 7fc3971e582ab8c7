/**
 * The only place that talks to the network. One undici dispatcher per client (keep-alive,
 * connection reuse, proxies from the environment), bounded concurrency, timeouts, retries with
 * exponential backoff and jitter, `Retry-After`, a response size cap (decoded bytes and bytes on
 * the wire), redirects, and Basic auth from the `AuthTable`. Every URL in an error is redacted.
 *
 * Timeouts come in two layers:
 * - per attempt, `timeoutMs`: connecting, waiting for the response headers, and the longest
 *   silence while the body streams (a stalled body ends the attempt, which is then retried);
 * - per request, `totalTimeoutMs`: one deadline from the moment the request is first sent to the
 *   last byte of its body, across redirects, retries and every wait between them (backoff and
 *   `Retry-After`). A body that keeps dripping a byte at a time never trips the silence limit but
 *   always meets the deadline. Time spent queued for the first concurrency slot does not count.
 *
 * Redirects (at most 5, http and https only) are followed to any host, as pip follows them, but
 * credentials are chosen per URL by the `AuthTable`: credentials from an index URL go only to that
 * index's origin (scheme, host and port), never to the host a redirect names.
 */
import { Readable, type Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import pLimit from 'p-limit';
import { Agent, Dispatcher, EnvHttpProxyAgent, request } from 'undici';
import { AuthTable } from './auth.js';
import { quote, redactUrl } from '../safe-text.js';
import { IndexError } from './types.js';

export interface HttpOptions {
  concurrency: number;
  /** Per attempt: time to connect, to the response headers, and longest silence while the body streams. */
  timeoutMs: number;
  /**
   * Per request: the deadline of the whole request (connect, headers, the whole body), across
   * redirects, retries and the waits between them. Defaults to 30 s.
   */
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
export const DEFAULT_TOTAL_TIMEOUT_MS = 30_000;
/** Content codings the client asks for (and so accepts); anything else is an invalid response. */
const DECODERS: Record<string, (() => Transform) | null> = {
  '': null,
  identity: null,
  gzip: createGunzip,
  'x-gzip': createGunzip,
  deflate: createInflate,
  br: createBrotliDecompress,
};

/** A duration for messages: `30 s`, `1.5 s`, `0.25 s`. */
export function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(2))} s`;
}

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

/** The request's deadline passed (during an attempt, or before one could start). */
class DeadlineError extends Error {}

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
   * caller to interpret; rejects with an IndexError when no answer could be had, at the latest
   * when the request's deadline (`totalTimeoutMs`) passes.
   */
  async get(url: string, headers: Record<string, string>): Promise<HttpResponse> {
    const shown = redactUrl(url);
    const attempts = Math.max(0, Math.floor(this.options.retries)) + 1;
    const total = this.options.totalTimeoutMs ?? DEFAULT_TOTAL_TIMEOUT_MS;
    // Set when the first attempt gets its concurrency slot: waiting in the queue is not the index's fault.
    let deadline: number | null = null;
    const timedOut = (tried: number): IndexError =>
      new IndexError('timeout', `timed out after ${formatSeconds(total)} fetching ${shown}${tried > 1 ? ` (after ${tried} attempts)` : ''}`, shown);
    let last: AttemptError | undefined;
    for (let attempt = 0; attempt < attempts; attempt++) {
      if (this.closed) throw new IndexError('network', `client closed before fetching ${shown}`, shown);
      try {
        // Only the request itself holds a concurrency slot, not the wait before a retry.
        const response = await this.limit(() => {
          deadline ??= Date.now() + total;
          return this.followRedirects(url, headers, deadline);
        });
        if (!RETRY_STATUS.has(response.status)) return response;
        const retryAfterMs = response.status === 429 || response.status === 503 ? parseRetryAfter(response.headers['retry-after']) : null;
        last = new AttemptError(
          new IndexError('http', `HTTP ${response.status} from ${shown}`, shown, response.status),
          true,
          retryAfterMs,
        );
      } catch (error) {
        if (error instanceof DeadlineError) throw timedOut(attempt + 1);
        if (!(error instanceof AttemptError)) throw error;
        last = error;
      }
      if (!last.retry || attempt === attempts - 1) break;
      let delay = Math.min(this.options.maxBackoffMs, this.options.backoffMs * 2 ** attempt);
      delay = delay / 2 + Math.random() * (delay / 2); // jitter: spread clients that failed together
      const left = deadline! - Date.now();
      if (last.retryAfterMs !== null) {
        const e = last.error;
        const asks = `server asks to retry after ${Math.ceil(last.retryAfterMs / 1000)}s`;
        if (last.retryAfterMs > this.options.maxRetryAfterMs) {
          throw new IndexError(e.kind, `${e.message}: ${asks}, more than the ${Math.ceil(this.options.maxRetryAfterMs / 1000)}s limit`, e.url, e.status);
        }
        if (last.retryAfterMs >= left) {
          throw new IndexError(e.kind, `${e.message}: ${asks}, past the ${formatSeconds(total)} deadline of this request`, e.url, e.status);
        }
        delay = Math.max(delay, last.retryAfterMs);
      }
      // No time for another attempt: say what went wrong last, and why it was not retried.
      if (delay >= left) {
        const e = last.error;
        const tried = attempt + 1;
        throw new IndexError(
          e.kind,
          `${e.message} (${tried > 1 ? `after ${tried} attempts; ` : ''}no time left to retry within the ${formatSeconds(total)} deadline)`,
          e.url,
          e.status,
        );
      }
      await sleep(delay);
    }
    const e = last!.error;
    const tries = attempts > 1 && last!.retry ? ` (after ${attempts} attempts)` : '';
    throw new IndexError(e.kind, `${e.message}${tries}`, e.url, e.status);
  }

  private async followRedirects(url: string, headers: Record<string, string>, deadline: number): Promise<HttpResponse> {
    let current = url;
    for (let hop = 0; ; hop++) {
      const response = await this.attempt(current, headers, deadline);
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
      // Credentials never travel in a redirected URL; the auth table decides per origin, so
      // credentials of the index URL are not sent to another host or port.
      next.username = '';
      next.password = '';
      current = next.toString();
    }
  }

  private async attempt(url: string, headers: Record<string, string>, deadline: number): Promise<HttpResponse> {
    const shown = redactUrl(url);
    const left = deadline - Date.now();
    if (left <= 0) throw new DeadlineError();
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), left);
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
      if (controller.signal.aborted) throw new DeadlineError();
      const code = errorCode(error);
      if (code !== undefined && TIMEOUT_CODES.has(code)) {
        throw new AttemptError(new IndexError('timeout', `timed out (${this.timeoutReason(code)}) fetching ${shown}`, shown), true);
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

  private timeoutReason(code: string): string {
    const limit = formatSeconds(Math.min(this.options.timeoutMs, this.options.totalTimeoutMs ?? DEFAULT_TOTAL_TIMEOUT_MS));
    if (code === 'UND_ERR_CONNECT_TIMEOUT') return `could not connect within ${limit}`;
    if (code === 'UND_ERR_HEADERS_TIMEOUT') return `no response headers within ${limit}`;
    if (code === 'UND_ERR_BODY_TIMEOUT') return `the body stalled: no data for ${limit}`;
    return code;
  }

  /**
   * Read the body, decompressing, and stop as soon as it passes the size cap. The cap applies to
   * the decoded bytes (a gzip bomb ends at the cap, not when memory runs out) and to the bytes on
   * the wire (a coding that decodes to nothing cannot stream forever either).
   */
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
    const decoder = Object.hasOwn(DECODERS, encoding) ? DECODERS[encoding] : undefined;
    if (decoder === undefined) {
      discard(body);
      throw new AttemptError(new IndexError('invalid-response', `unsupported Content-Encoding ${quote(encoding, 40)} from ${shown}`, shown), false);
    }
    let stream: Readable = body;
    if (decoder !== null) {
      stream = body.pipe(decoder());
      let wire = 0;
      body.on('data', (chunk: Buffer) => {
        wire += chunk.length;
        if (wire > cap) stream.destroy(tooLarge());
      });
      body.on('error', (error) => stream.destroy(error));
    }
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
