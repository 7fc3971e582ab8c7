/**
 * The PyPI JSON API (`/pypi/<name>/json`, `/pypi/<name>/<version>/json`): only the `info`
 * block matters here (classifiers, requires_dist, project_urls). Pure.
 */
import { safeMessage } from '../pep/errors.js';
import type { ProjectInfo } from './types.js';

export class PypiJsonParseError extends Error {
  override readonly name = 'PypiJsonParseError';

  constructor(message: string) {
    // JSON.parse quotes the text around the error, line breaks included.
    super(safeMessage(message, 500));
  }
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function optionalString(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
}

export function parsePypiJson(text: string): ProjectInfo {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw new PypiJsonParseError(`not valid JSON (${(error as Error).message})`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new PypiJsonParseError('not a JSON object');
  const info = (doc as Record<string, unknown>)['info'];
  if (typeof info !== 'object' || info === null || Array.isArray(info)) {
    throw new PypiJsonParseError('no "info" object (not a PyPI JSON API response)');
  }
  const record = info as Record<string, unknown>;
  const name = record['name'];
  const version = record['version'];
  if (typeof name !== 'string' || name === '') throw new PypiJsonParseError('"info.name" is missing');
  if (typeof version !== 'string' || version === '') throw new PypiJsonParseError('"info.version" is missing');
  const rawUrls = record['project_urls'];
  // fromEntries defines own properties: `projectUrls[label] = …` drops a "__proto__" label.
  const projectUrls: Record<string, string> =
    typeof rawUrls === 'object' && rawUrls !== null && !Array.isArray(rawUrls)
      ? Object.fromEntries(Object.entries(rawUrls).filter((entry): entry is [string, string] => typeof entry[1] === 'string'))
      : {};
  return {
    name,
    version,
    classifiers: strings(record['classifiers']),
    requiresDist: strings(record['requires_dist']),
    requiresPython: optionalString(record['requires_python']),
    projectUrls,
    summary: optionalString(record['summary']),
  };
}
