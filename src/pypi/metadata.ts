/**
 * Core metadata files (`METADATA` / `PKG-INFO`, the PEP 658 `.metadata` body): email-header
 * style fields, continuation lines folded, the description body after the first blank line
 * ignored. Pure.
 */

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
}

const HEADER = /^([A-Za-z0-9][A-Za-z0-9-]*):[ \t]?(.*)$/;

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

export function parseCoreMetadata(text: string): CoreMetadata {
  const headers = readHeaders(text);
  if (!headers.some(([key]) => key === 'metadata-version' || key === 'name')) {
    throw new MetadataParseError('not a core metadata file (no Metadata-Version or Name field)');
  }
  const first = (key: string): string | null => {
    const found = headers.find(([k]) => k === key);
    return found ? found[1].replace(/\s*\n\s*/g, ' ').trim() || null : null;
  };
  const all = (key: string): string[] =>
    headers.filter(([k]) => k === key).map(([, v]) => v.replace(/\s*\n\s*/g, ' ').trim()).filter((v) => v !== '');
  const projectUrls: Record<string, string> = {};
  for (const entry of all('project-url')) {
    const comma = entry.indexOf(',');
    if (comma === -1) continue;
    projectUrls[entry.slice(0, comma).trim()] = entry.slice(comma + 1).trim();
  }
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
