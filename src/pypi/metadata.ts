/**
 * Core metadata files (`METADATA` / `PKG-INFO`, the PEP 658 `.metadata` body): email-header
 * style fields, continuation lines folded, the description body after the first blank line
 * ignored. Pure.
 */

import { safeMessage } from '../pep/errors.js';

export interface CoreMetadata {
  metadataVersion: string | null;
  name: string | null;
  version: string | null;
  summary: string | null;
  requiresPython: string | null;
  requiresDist: string[];
  providesExtra: string[];
  classifiers: string[];
  projectUrls: Record<string, string>;
}

export class MetadataParseError extends Error {
  override readonly name = 'MetadataParseError';

  constructor(message: string) {
    super(safeMessage(message, 500));
  }
}

// `s`: a value may hold U+2028, U+2029 or U+0085, which are not line breaks in an email header
// (only CR and LF are) but which `.` does not match without it, so the field was dropped.
const HEADER = /^([A-Za-z0-9][A-Za-z0-9-]*):[ \t]?(.*)$/s;

/** All header fields in order, names lower-cased, values with continuation lines joined. */
export function readHeaders(text: string): Array<[string, string]> {
  const lines = text.replace(/^\ufeff/, '').split(/\r\n|\r|\n/);
  const headers: Array<[string, string]> = [];
  for (const line of lines) {
    if (line === '') break; // the body (long description) starts here
    if (/^[ \t]/.test(line)) {
      const last = headers[headers.length - 1];
      // A continuation keeps its line break (Description fields rely on it); other fields are folded.
      if (last) last[1] += `\n${line.trim()}`;
      continue;
    }
    const match = HEADER.exec(line);
    if (!match) continue; // tolerate junk lines, as Python's email parser does
    headers.push([match[1]!.toLowerCase(), match[2]!.trim()]);
  }
  return headers;
}

/**
 * One line from a folded value. `readHeaders` trims every line, so joining the non-empty lines with
 * a space gives what replacing each line break and the whitespace around it by a space gave, without
 * that regular expression's retries at every character of a long run of spaces (quadratic: a
 * Summary holding 200 KB of spaces took seconds).
 */
function unfold(value: string): string {
  return value
    .split('\n')
    .filter((line) => line !== '')
    .join(' ')
    .trim();
}

export function parseCoreMetadata(text: string): CoreMetadata {
  const headers = readHeaders(text);
  if (!headers.some(([key]) => key === 'metadata-version' || key === 'name')) {
    throw new MetadataParseError('not a core metadata file (no Metadata-Version or Name field)');
  }
  const first = (key: string): string | null => {
    const found = headers.find(([k]) => k === key);
    return found ? unfold(found[1]) || null : null;
  };
  const all = (key: string): string[] =>
    headers.filter(([k]) => k === key).map(([, v]) => unfold(v)).filter((v) => v !== '');
  // fromEntries defines own properties: `projectUrls[label] = …` drops a "__proto__" label.
  const projectUrls: Record<string, string> = Object.fromEntries(
    all('project-url').flatMap((entry): Array<[string, string]> => {
      const comma = entry.indexOf(',');
      return comma === -1 ? [] : [[entry.slice(0, comma).trim(), entry.slice(comma + 1).trim()]];
    }),
  );
  return {
    metadataVersion: first('metadata-version'),
    name: first('name'),
    version: first('version'),
    summary: first('summary'),
    requiresPython: first('requires-python'),
    requiresDist: all('requires-dist'),
    providesExtra: all('provides-extra'),
    classifiers: all('classifier'),
    projectUrls,
  };
}
