/**
 * PEP 691 Simple API, JSON form (`application/vnd.pypi.simple.v1+json`), with the PEP 700 fields
 * (`versions`, `size`, `upload-time`) and PEP 714 `core-metadata`. Pure: text in, data out.
 */
import { safeMessage } from '../pep/errors.js';
import { quote } from '../safe-text.js';
import type { DistributionFile } from './types.js';

export interface ParsedSimplePage {
  /** The `name` the page declares (not normalised), or null. */
  name: string | null;
  files: DistributionFile[];
  versions: string[];
  apiVersion: string | null;
  /** Entries left out, each with the reason. */
  skipped: string[];
}

/** Thrown for a response that is not a usable Simple API page; the message says why. */
export class SimpleParseError extends Error {
  override readonly name = 'SimpleParseError';

  constructor(message: string) {
    // JSON.parse quotes the text around the error, line breaks included.
    super(safeMessage(message, 500));
  }
}

/** Check `meta.api-version` / `pypi:repository-version`: only major version 1 is understood (PEP 629). */
export function checkApiVersion(version: string | null): void {
  if (version === null) return;
  const match = /^\s*(\d+)\.(\d+)\s*$/.exec(version);
  if (!match) throw new SimpleParseError(`unreadable API version ${quote(version)}`);
  if (match[1] !== '1') {
    throw new SimpleParseError(`unsupported API version ${quote(version)} (this client understands 1.x)`);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A hashes object: lower-case algorithm names, hex digests only. */
export function readHashes(value: unknown): Record<string, string> {
  if (!isRecord(value)) return {};
  // Already in the form kept (the usual case): the parsed object itself, not a copy per file.
  if (isCanonicalHashes(value)) return value as Record<string, string>;
  const out: Record<string, string> = {};
  // A loop over own keys, not Object.entries: a page of 20,000 files has 40,000 hash objects.
  for (const algo in value) {
    if (!Object.hasOwn(value, algo)) continue;
    const digest = value[algo];
    if (typeof digest === 'string' && isHex(digest)) out[algo.toLowerCase()] = digest.toLowerCase();
  }
  return out;
}

/** Own string keys in lower case, each with a lower-case hex digest, on a plain object. */
function isCanonicalHashes(value: Record<string, unknown>): boolean {
  if (Object.getPrototypeOf(value) !== Object.prototype) return false;
  for (const algo in value) {
    // `__proto__` from JSON.parse is an own key; a copy would not keep it as one.
    if (!Object.hasOwn(value, algo) || algo === '__proto__') return false;
    const digest = value[algo];
    if (typeof digest !== 'string' || !isHex(digest) || algo !== algo.toLowerCase() || digest !== digest.toLowerCase()) return false;
  }
  return true;
}

function isHex(text: string): boolean {
  if (text.length === 0) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i) | 0x20; // ASCII letters to lower case; digits keep their code
    if (!((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66))) return false;
  }
  return true;
}

function readCoreMetadata(entry: Record<string, unknown>): boolean | Record<string, string> {
  // PEP 714 renamed `data-dist-info-metadata` to `core-metadata`; the new key wins when both exist.
  const raw = entry['core-metadata'] ?? entry['data-dist-info-metadata'] ?? entry['dist-info-metadata'];
  if (raw === true) return true;
  if (isRecord(raw)) {
    const hashes = readHashes(raw);
    return Object.keys(hashes).length > 0 ? hashes : true;
  }
  return false;
}

function readYanked(value: unknown): boolean | string {
  if (typeof value === 'string') return value === '' ? true : value;
  return value === true;
}

/**
 * An absolute http(s) URL that the WHATWG parser would return unchanged but for its fragment: a
 * lower-case host name (no credentials, no IDNA label, no number that is an IPv4 address in
 * disguise), a port that is not the default one, and a path of characters it never encodes with
 * no dot segment. Index pages list every file this way, and a page of 20,000 files spent a third
 * of its parsing in `new URL`.
 */
const PLAIN_URL = /^(https?):\/\/([a-z0-9-]+(?:\.[a-z0-9-]+)*)(?::([1-9][0-9]{0,4}))?(\/[A-Za-z0-9\-._~!$&'()*+,;=:@%/]*)(?:#.*)?$/;
const DOT_SEGMENT = /\/(?:\.|%2e)/i;
const DOTTED_QUAD = /^(?:(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])$/;

function plainUrl(href: string): string | null {
  const match = PLAIN_URL.exec(href);
  if (match === null) return null;
  const [, scheme, host, port, path] = match as unknown as [string, string, string, string | undefined, string];
  if (host.includes('xn--') || DOT_SEGMENT.test(path)) return null;
  // A host whose last label is a number is an IPv4 address to the parser, which rewrites it.
  const last = host.slice(host.lastIndexOf('.') + 1);
  if (/^(?:[0-9]+|0x[0-9a-f]*)$/.test(last) && !DOTTED_QUAD.test(host)) return null;
  if (port !== undefined && (Number(port) > 65535 || port === (scheme === 'https' ? '443' : '80'))) return null;
  // The parser's answer is the text itself up to the fragment: no new string when there is none.
  const hash = href.indexOf('#');
  return hash === -1 ? href : href.slice(0, hash);
}

/** Resolve a (possibly relative) file URL against the page URL and drop its fragment. */
export function resolveFileUrl(href: string, base: string): string | null {
  const plain = plainUrl(href);
  if (plain !== null) return plain;
  try {
    const url = new URL(href, base);
    if (url.protocol !== 'http:' && url.protocol !== 'https:' && url.protocol !== 'file:') return null;
    url.hash = '';
    // Credentials in a file URL would end up in reports; the auth table sends them instead.
    url.username = '';
    url.password = '';
    return url.toString();
  } catch {
    return null;
  }
}

export function parseSimpleJson(text: string, pageUrl: string): ParsedSimplePage {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw new SimpleParseError(`not valid JSON (${(error as Error).message})`);
  }
  if (!isRecord(doc)) throw new SimpleParseError('JSON page is not an object');
  const meta = doc['meta'];
  const apiVersion = isRecord(meta) && typeof meta['api-version'] === 'string' ? meta['api-version'] : null;
  checkApiVersion(apiVersion);
  const rawFiles = doc['files'];
  if (!Array.isArray(rawFiles)) throw new SimpleParseError('JSON page has no "files" array');

  const files: DistributionFile[] = [];
  const skipped: string[] = [];
  rawFiles.forEach((entry, index) => {
    if (!isRecord(entry)) {
      skipped.push(`files[${index}] is not an object`);
      return;
    }
    const filename = entry['filename'];
    const href = entry['url'];
    if (typeof filename !== 'string' || filename === '' || filename.includes('/') || filename.includes('\\')) {
      skipped.push(`files[${index}] has no usable "filename"`);
      return;
    }
    if (typeof href !== 'string') {
      skipped.push(safeMessage(`files[${index}] ${quote(filename)} has no "url"`));
      return;
    }
    const url = resolveFileUrl(href, pageUrl);
    if (url === null) {
      skipped.push(safeMessage(`files[${index}] ${quote(filename)} has an unusable URL`));
      return;
    }
    const requiresPython = entry['requires-python'];
    const file: DistributionFile = {
      filename,
      url,
      requiresPython: typeof requiresPython === 'string' && requiresPython.trim() !== '' ? requiresPython.trim() : null,
      yanked: readYanked(entry['yanked']),
      hashes: readHashes(entry['hashes']),
      coreMetadata: readCoreMetadata(entry),
    };
    const size = entry['size'];
    if (typeof size === 'number' && Number.isSafeInteger(size) && size >= 0) file.size = size;
    const uploadTime = entry['upload-time'];
    if (typeof uploadTime === 'string') file.uploadTime = uploadTime;
    files.push(file);
  });

  const versions = Array.isArray(doc['versions'])
    ? doc['versions'].filter((v): v is string => typeof v === 'string')
    : [];
  const name = typeof doc['name'] === 'string' ? doc['name'] : null;
  return { name, files, versions, apiVersion, skipped };
}
