/**
 * The records every manifest parser produces. A parser is a pure function of a file's text; the
 * records carry enough (exact locations, group, pin/lock, directness) for the later stages to
 * point every finding at the line that introduced it.
 */
import type { Marker } from '../pep/markers.js';

/** 1-based; `file` is relative to the scan root with '/' separators. */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

export type RequirementGroup = 'main' | 'build' | 'dev' | `optional:${string}` | `group:${string}`;

export interface LockFile {
  filename: string;
  url?: string;
  hashes?: Record<string, string>;
}

export interface DeclaredRequirement {
  name: string;
  normalizedName: string;
  extras: string[];
  specifier: string;
  markerText: string | null;
  marker: Marker | null;
  url: string | null;
  editable: boolean;
  localPath: string | null;
  group: RequirementGroup;
  /** The version of an exact `==x` pin (no wildcard), else null. */
  pinnedVersion: string | null;
  lockedVersion: string | null;
  direct: boolean;
  location: SourceLocation;
  kind: 'requirement' | 'constraint';
  lockFiles?: LockFile[];
  hashes?: string[];
  /** pip-compile `# via` parents, when the file records them. */
  via?: string[];
}

export interface ManifestIssue {
  file: string;
  line: number;
  column?: number;
  /** One line; shown as `file:line: message`. */
  message: string;
  severity: 'error' | 'warning';
  /** The whole file could not be read (unreadable, too large, binary, syntax error): nothing came from it. */
  fatal?: boolean;
}

export interface IndexOptions {
  indexUrl?: string;
  extraIndexUrls: string[];
  findLinks: string[];
  pre: boolean;
  /** `--prefer-binary` in a requirements file. */
  preferBinary?: boolean;
  onlyBinary: string[];
  noBinary: string[];
  trustedHosts: string[];
}

export interface ManifestProject {
  root: string;
  manifests: string[];
  requirements: DeclaredRequirement[];
  issues: ManifestIssue[];
  indexOptions: IndexOptions;
  requiresPython?: string | null;
  /** The dependency graph each lock file of the project records (empty without a lock). */
  lockGraphs?: LockGraph[];
}

/** One dependency edge recorded in a lock file, as the lock writes it. */
export interface LockEdge {
  /** PEP 503 normalised name of the dependency. */
  name: string;
  /** Which locked version is meant, when the lock holds several of one package (uv forks); else null. */
  version: string | null;
  /** The edge's environment marker (PEP 508 text), or null. */
  markerText: string | null;
  /** Extras requested on the dependency (`uvicorn[standard]`), normalised. */
  extras: string[];
}

/** A locked package with the edges that leave it. */
export interface LockNode {
  /** PEP 503 normalised. */
  name: string;
  version: string | null;
  /** The package's own marker (uv `resolution-markers`, poetry `markers`, pdm/pylock `marker`), or null. */
  markerText: string | null;
  dependencies: LockEdge[];
  /** Edges that apply only when the package is installed with that extra (normalised extra name). */
  optionalDependencies: Record<string, LockEdge[]>;
  /** Where the lock says the package comes from when not an index: a VCS or archive URL. */
  url?: string | null;
  /** A local directory or file (uv workspace members and the project itself, path dependencies). */
  localPath?: string | null;
}

export interface LockGraph {
  /** The lock file, relative to the scan root. */
  file: string;
  /** False for formats that record no edges (Pipfile.lock, pylock.toml): every locked package whose own marker holds is installed. */
  hasEdges: boolean;
  nodes: LockNode[];
  /**
   * The project's own edges when the lock records them (uv's root package), with the group each
   * belongs to; null when the lock does not say (the pyproject's declared requirements are the roots).
   */
  roots: (LockEdge & { group: RequirementGroup })[] | null;
}

export function emptyIndexOptions(): IndexOptions {
  return { extraIndexUrls: [], findLinks: [], pre: false, onlyBinary: [], noBinary: [], trustedHosts: [] };
}

export function formatIssue(i: ManifestIssue): string {
  const where = i.column !== undefined ? `${i.file}:${i.line}:${i.column}` : `${i.file}:${i.line}`;
  return `${where}: ${i.severity === 'warning' ? 'warning: ' : ''}${i.message}`;
}
