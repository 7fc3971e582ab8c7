/**
 * Compact descriptions of what a test index holds. Filenames are data: the server never parses
 * them, it only lists them. Everything else (hashes, METADATA text, JSON API documents) is
 * generated from these descriptions.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface FixtureFileSpec {
  filename: string;
  /** Overrides the release's requiresPython for this file. */
  requiresPython?: string | null;
  /** Overrides the release's yanked state for this file. */
  yanked?: boolean | string;
  /** Serve a PEP 658 `.metadata` file (default: true for wheels, false otherwise). */
  coreMetadata?: boolean;
  uploadTime?: string;
}

export interface FixtureRelease {
  requiresPython?: string | null;
  files: Array<string | FixtureFileSpec>;
  /** true, or the reason. Applies to every file of the release unless a file says otherwise. */
  yanked?: boolean | string;
  requiresDist?: string[];
  classifiers?: string[];
  summary?: string;
  projectUrls?: Record<string, string>;
}

export interface FixtureProject {
  versions: Record<string, FixtureRelease>;
  /** Which Simple API forms this project is served in (default both; JSON preferred). */
  formats?: Array<'json' | 'html'>;
  /** Serve `/pypi/<name>/json` for it (default true). */
  jsonApi?: boolean;
}

/** Keyed by project name as displayed (e.g. "Django"); URLs use the normalised form. */
export type FixtureIndex = Record<string, FixtureProject>;

export class FixtureError extends Error {
  override readonly name = 'FixtureError';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Check the shape of a parsed fixture document; the message names the file and the entry. */
export function validateFixtureIndex(doc: unknown, origin: string): FixtureIndex {
  if (!isRecord(doc)) throw new FixtureError(`${origin}: expected an object of projects`);
  for (const [project, spec] of Object.entries(doc)) {
    if (!isRecord(spec) || !isRecord(spec['versions'])) {
      throw new FixtureError(`${origin}: project "${project}" needs a "versions" object`);
    }
    for (const [version, release] of Object.entries(spec['versions'])) {
      if (!isRecord(release) || !Array.isArray(release['files'])) {
        throw new FixtureError(`${origin}: ${project} ${version} needs a "files" array`);
      }
      for (const file of release['files']) {
        const ok = typeof file === 'string' || (isRecord(file) && typeof file['filename'] === 'string');
        if (!ok) throw new FixtureError(`${origin}: ${project} ${version} has a file entry without a filename`);
      }
    }
  }
  return doc as unknown as FixtureIndex;
}

/** Read every `*.json` file of a directory and merge them into one index (later files win). */
export function loadFixtureDir(dir: string): FixtureIndex {
  const merged: FixtureIndex = {};
  for (const entry of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    const path = join(dir, entry);
    let doc: unknown;
    try {
      doc = JSON.parse(readFileSync(path, 'utf8'));
    } catch (error) {
      throw new FixtureError(`${path}: not valid JSON (${(error as Error).message})`);
    }
    Object.assign(merged, validateFixtureIndex(doc, path));
  }
  return merged;
}
