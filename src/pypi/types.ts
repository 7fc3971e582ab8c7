/**
 * Plain data that the index client hands to the rest of the app. Nothing here does I/O.
 */
import { oneLine } from '../safe-text.js';

/** One downloadable file of a project, as an index lists it (PEP 503 / PEP 691). */
export interface DistributionFile {
  filename: string;
  /** Absolute URL, fragment removed, credentials removed (they are sent from the client's auth table). */
  url: string;
  requiresPython: string | null;
  /** `false`, `true` (yanked without reason) or the reason. */
  yanked: boolean | string;
  hashes: Record<string, string>;
  /** PEP 658/714: `false`, `true` (metadata file exists, no hash), or its hashes. */
  coreMetadata: boolean | Record<string, string>;
  size?: number;
  uploadTime?: string;
}

export interface ProjectPage {
  /** PEP 503 normalised project name. */
  name: string;
  files: DistributionFile[];
  /** From PEP 700 `versions` when an index sends it; `[]` otherwise (callers derive from filenames). */
  versions: string[];
  /** Redacted URL(s) the page came from (several joined with a space when extra indexes contributed). */
  source: string;
}

/** What the PyPI JSON API says about one release. */
export interface ProjectInfo {
  name: string;
  version: string;
  classifiers: string[];
  requiresDist: string[];
  requiresPython: string | null;
  projectUrls: Record<string, string>;
  summary: string | null;
}

export type IndexErrorKind =
  | 'not-found'
  | 'auth'
  | 'http'
  | 'network'
  | 'timeout'
  | 'invalid-response'
  | 'too-large'
  | 'offline';

/**
 * Why something could not be fetched. Later stages turn it into the `unknown` verdict with this
 * message as the reason, so the message is one line and only ever carries a redacted URL.
 */
export class IndexError extends Error {
  override readonly name = 'IndexError';

  constructor(
    readonly kind: IndexErrorKind,
    message: string,
    /** Redacted URL the failure concerns. */
    readonly url: string,
    readonly status?: number,
  ) {
    super(oneLine(message, 500));
  }
}

export function isIndexError(value: unknown): value is IndexError {
  return value instanceof IndexError;
}
