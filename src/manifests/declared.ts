/**
 * Building `DeclaredRequirement` records. Every format ends up here with a PEP 508 string (written
 * by the user, or put together from a Poetry/Pipfile/lock entry), so one parser decides what a
 * requirement means whatever file it came from.
 */
import { PackagingError } from '../pep/errors.js';
import { localPathOfFileUrl } from './file-url.js';
import { quote } from '../safe-text.js';
import { oneLine } from './limits.js';
import { canonicalizeName } from '../pep/names.js';
import { parseRequirement } from '../pep/requirements.js';
import type { DeclaredRequirement, ManifestIssue, RequirementGroup, SourceLocation } from './types.js';

export interface DeclareOptions {
  group: RequirementGroup;
  kind?: 'requirement' | 'constraint';
  direct?: boolean;
  editable?: boolean;
  localPath?: string | null;
  lockedVersion?: string | null;
  hashes?: string[];
  /** The text was put together from a table (Poetry, Pipfile, locks): offsets in it are not file columns. */
  synthesized?: boolean;
}

export type Declared = { ok: true; requirement: DeclaredRequirement } | { ok: false; issue: ManifestIssue };

/**
 * `fn()` with no stack trace captured for what it throws. An invalid requirement is an expected
 * outcome here, reported as an issue; capturing a trace for each of the lines of a file of a
 * million bad ones costs seconds for traces nobody reads.
 */
export function withoutStackTraces<T>(fn: () => T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return fn();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** `parseRequirement`, throwing its PackagingError without a stack trace. */
export function parseRequirementQuietly(text: string): ReturnType<typeof parseRequirement> {
  return withoutStackTraces(() => parseRequirement(text));
}

/** Parse `text` as PEP 508 and wrap it in a record at `location`; an invalid string becomes an issue. */
export function declare(text: string, location: SourceLocation, options: DeclareOptions): Declared {
  let parsed;
  try {
    parsed = parseRequirementQuietly(text);
  } catch (error) {
    return { ok: false, issue: requirementIssue(text, location, error, options.synthesized === true) };
  }
  const requirement: DeclaredRequirement = {
    name: parsed.name,
    normalizedName: parsed.normalizedName,
    extras: [...parsed.extras],
    specifier: parsed.specifier,
    markerText: parsed.markerText,
    marker: parsed.marker,
    url: parsed.url,
    editable: options.editable ?? false,
    localPath: options.localPath ?? (parsed.url === null ? null : localPathOfFileUrl(parsed.url)),
    group: options.group,
    pinnedVersion: exactPin(parsed.specifier),
    lockedVersion: options.lockedVersion ?? null,
    direct: options.direct ?? true,
    location,
    kind: options.kind ?? 'requirement',
  };
  if (options.hashes && options.hashes.length > 0) requirement.hashes = options.hashes;
  return { ok: true, requirement };
}

/** A record for something that has no usable PEP 508 form (a bare local path, a URL without a name). */
export function declareUnnamed(
  name: string,
  location: SourceLocation,
  options: DeclareOptions & { url: string | null; markerText?: string | null },
): DeclaredRequirement {
  return {
    name,
    normalizedName: canonicalizeName(name),
    extras: [],
    specifier: '',
    markerText: options.markerText ?? null,
    marker: null,
    url: options.url,
    editable: options.editable ?? false,
    localPath: options.localPath ?? null,
    group: options.group,
    pinnedVersion: null,
    lockedVersion: options.lockedVersion ?? null,
    direct: options.direct ?? true,
    location,
    kind: options.kind ?? 'requirement',
    ...(options.hashes && options.hashes.length > 0 ? { hashes: options.hashes } : {}),
  };
}

export function requirementIssue(text: string, location: SourceLocation, error: unknown, synthesized = false): ManifestIssue {
  // PackagingError messages already quote the requirement; anything else gets it added.
  const detail = error instanceof PackagingError ? error.message : `${error instanceof Error ? error.message : String(error)} in ${quote(text)}`;
  const offset = (error as { offset?: unknown } | null)?.offset;
  const column =
    !synthesized && typeof offset === 'number' && location.endLine === location.line ? location.column + offset : location.column;
  return {
    file: location.file,
    line: location.line,
    column,
    message: oneLine(`invalid requirement: ${detail}`),
    severity: 'error',
  };
}

/** `==1.2.3` (or `===x`) as the only clause; wildcards and ranges are not pins. */
export function exactPin(specifier: string): string | null {
  const clauses = specifier.split(',').map((c) => c.trim()).filter((c) => c !== '');
  if (clauses.length !== 1) return null;
  const m = /^(===?)\s*([^\s*]+)$/.exec(clauses[0]!);
  return m ? m[2]! : null;
}

