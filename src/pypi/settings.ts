/**
 * Which indexes to ask, decided the way pip and uv decide it.
 *
 * Precedence for the primary index (first that is set wins):
 *   1. explicit options (`--index-url`)
 *   2. the manifest's own options (`--index-url` / `-i` in a requirements file): pip lets a
 *      requirements file replace the index, and a project that names its private index there
 *      needs it to be scanned at all
 *   3. environment: PIP_INDEX_URL, then UV_DEFAULT_INDEX, then UV_INDEX_URL (uv's older name)
 *   4. https://pypi.org/simple/
 * Extra indexes are never overridden, only added (options, manifest, then environment:
 * PIP_EXTRA_INDEX_URL, UV_EXTRA_INDEX_URL, UV_INDEX — whitespace-separated lists), duplicates
 * and the primary removed, order kept.
 */
import { redactUrl } from '../safe-text.js';
import { oneLine } from '../safe-text.js';

export const DEFAULT_INDEX_URL = 'https://pypi.org/simple/';

export interface IndexOptions {
  indexUrl?: string;
  extraIndexUrls?: string[];
}

export interface IndexSettings {
  indexUrl: string;
  extraIndexUrls: string[];
}

export class IndexSettingsError extends Error {
  override readonly name = 'IndexSettingsError';
  constructor(message: string) {
    super(oneLine(message));
  }
}

/** Validate an index URL and give it the trailing slash that relative project URLs need. */
export function normaliseIndexUrl(raw: string, origin: string): string {
  const text = raw.trim();
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new IndexSettingsError(`${origin}: not a URL: ${redactUrl(text)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new IndexSettingsError(`${origin}: index URL must be http or https: ${redactUrl(text)}`);
  }
  url.hash = '';
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return url.toString();
}

function splitList(value: string | undefined): string[] {
  return value === undefined ? [] : value.split(/\s+/).filter((item) => item !== '');
}

/** uv's UV_INDEX entries may be `name=url`; only the URL matters here. */
function uvIndexEntry(entry: string): string {
  const match = /^([A-Za-z0-9_.-]+)=(.+)$/.exec(entry);
  return match && !/^[a-z][a-z0-9+.-]*:/i.test(entry) ? match[2]! : entry;
}

export function resolveIndexSettings(sources: {
  options?: IndexOptions;
  manifest?: IndexOptions;
  env?: Record<string, string | undefined>;
}): IndexSettings {
  const env = sources.env ?? {};
  const nonEmpty = (value: string | undefined): string | undefined =>
    value !== undefined && value.trim() !== '' ? value : undefined;
  const candidates: Array<[string | undefined, string]> = [
    [nonEmpty(sources.options?.indexUrl), '--index-url'],
    [nonEmpty(sources.manifest?.indexUrl), 'requirements --index-url'],
    [nonEmpty(env['PIP_INDEX_URL']), 'PIP_INDEX_URL'],
    [nonEmpty(env['UV_DEFAULT_INDEX']), 'UV_DEFAULT_INDEX'],
    [nonEmpty(env['UV_INDEX_URL']), 'UV_INDEX_URL'],
  ];
  const chosen = candidates.find(([value]) => value !== undefined);
  const indexUrl = chosen ? normaliseIndexUrl(chosen[0]!, chosen[1]) : DEFAULT_INDEX_URL;

  const extras: Array<[string, string]> = [
    ...(sources.options?.extraIndexUrls ?? []).map((u): [string, string] => [u, '--extra-index-url']),
    ...(sources.manifest?.extraIndexUrls ?? []).map((u): [string, string] => [u, 'requirements --extra-index-url']),
    ...splitList(env['PIP_EXTRA_INDEX_URL']).map((u): [string, string] => [u, 'PIP_EXTRA_INDEX_URL']),
    ...splitList(env['UV_EXTRA_INDEX_URL']).map((u): [string, string] => [u, 'UV_EXTRA_INDEX_URL']),
    ...splitList(env['UV_INDEX']).map((u): [string, string] => [uvIndexEntry(u), 'UV_INDEX']),
  ];
  const seen = new Set([indexUrl]);
  const extraIndexUrls: string[] = [];
  for (const [raw, origin] of extras) {
    if (raw.trim() === '') continue;
    const url = normaliseIndexUrl(raw, origin);
    if (seen.has(url)) continue;
    seen.add(url);
    extraIndexUrls.push(url);
  }
  return { indexUrl, extraIndexUrls };
}
