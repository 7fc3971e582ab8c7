/**
 * The resolution stage's data: what goes in (a project's requirements, its lock graph, pip's
 * options) and what comes out (one `ResolvedPackage` per package the target would install, or
 * would have installed but for a marker). Plain data; the assessment reads nothing else.
 */
import type { LockGraph } from '../manifests/types.js';
import type { Marker } from '../pep/markers.js';
import type { DistributionFile } from '../pypi/types.js';
import type { Target } from '../targets/index.js';
import type { FilesByVersion, ParsedFile } from './candidates.js';
import type { FormatControl } from './format-control.js';
import type { VersionChoice, VersionRequest } from './version.js';

/** A manifest position, 1-based. */
export interface Location {
  file: string;
  line: number;
  column: number;
}

/** What resolution needs from an index; `src/pypi/package-source.ts` supplies it over HTTP. */
export interface PackageSource {
  /** Every file of a project on the configured indexes, with notes such as "index X skipped". */
  project(name: string): Promise<{ files: readonly DistributionFile[]; notes: readonly string[] } | { error: string }>;
  /** `Requires-Dist` of the release that `file` belongs to, or why it cannot be known. */
  requiresDist(name: string, version: string, file: DistributionFile): Promise<{ requiresDist: readonly string[] } | { error: string }>;
  /** Resolution is done with this project's page: the source may let go of it (optional). */
  release?(name: string): void;
}

/** A direct requirement, as the manifests declare it (one per manifest line). */
export interface RootRequirement {
  /** PEP 503 normalised. */
  name: string;
  specifier: string;
  extras: readonly string[];
  marker: Marker | null;
  markerText: string | null;
  /** A lock's or `==` pin's exact version. */
  fixedVersion: string | null;
  location: Location;
  group: string;
  /** Installed from a URL or VCS (already redacted): the index cannot tell us about it. */
  url: string | null;
}

/** A constraint (`-c` file): narrows whichever package it names, direct or not. */
export interface Constraint {
  name: string;
  specifier: string;
  pinnedVersion: string | null;
}

export interface ResolveInput {
  /** The project's root directory, relative to the scan root: findings are grouped by it. */
  project: string;
  requirements: readonly RootRequirement[];
  constraints?: readonly Constraint[];
  /** The lock's graph, when the project has a lock that records edges. */
  lock?: LockGraph | null;
  /** False when a lock lists the whole tree without edges: every package is a root, nothing is followed. */
  followDependencies?: boolean;
}

export interface ResolveOptions {
  /** `--only-binary` / `--no-binary`. */
  formatControl?: FormatControl;
  /** `--pre`. */
  prereleases?: boolean;
  /** `--prefer-binary`. */
  preferBinary?: boolean;
  /** Packages the target interpreter already has (PyPy's bundled cffi and greenlet): pip installs nothing for them. */
  preinstalled?: (name: string, target: Target) => boolean;
  /**
   * How many resolutions (projects × targets) share the package source. A project's page is kept
   * for them and let go once that many have read it, so a scan of thousands of packages does not
   * hold every page until it ends. Unset: kept for the source's lifetime.
   */
  sharedBy?: number;
  /** Told when a package starts being settled and when it is settled (progress displays). */
  onPackage?: (name: string, phase: 'start' | 'settled') => void;
}

export interface ResolvedPackage {
  /** PEP 503 normalised. */
  readonly name: string;
  readonly project: string;
  readonly target: Target;
  readonly request: VersionRequest;
  /** Where the version came from: the index (pip's choice), the lock, a URL, the interpreter itself, or the project's own code (a workspace member). */
  readonly origin: 'index' | 'lock' | 'url' | 'preinstalled' | 'local';
  /** The direct URL or VCS reference (redacted), for `origin: 'url'`. */
  readonly url: string | null;
  /**
   * The index's files, or null when the index did not tell us: every version, but only the files
   * of the version chosen (`keptOfPage`), which is all the assessment reads.
   */
  readonly files: FilesByVersion | null;
  /** Why `files` is null: a redacted one-line reason. */
  readonly fetchError: string | null;
  readonly choice: VersionChoice | null;
  /** The version pip would install, or null when none installs. */
  readonly version: string | null;
  /** The file pip would install. */
  readonly chosen: ParsedFile | null;
  /** The yank reason when pip would install a yanked file (it does so only for an exact pin). */
  readonly yanked: string | null;
  /** The newest final release that installs on the target, whatever the requirement says. */
  readonly newestInstallable: string | null;
  /** The newest release before `version` (any, when none installs) with a compiled wheel for the target. */
  readonly lastCompiledWheel: string | null;
  /** Manifest lines of the direct requirement(s) that brought the package in. */
  readonly locations: readonly Location[];
  /** The chain of packages from a direct requirement; empty when direct. */
  readonly via: readonly string[];
  /** Dependency groups that bring it in (`main`, `optional:pg`, `group:dev`, `dev`). */
  readonly groups: readonly string[];
  readonly extras: readonly string[];
  /** Facts worth showing beside the verdict. */
  readonly notes: readonly string[];
  /** Why the package, or what it depends on, was not fully checked (never silently fine). */
  readonly unchecked: readonly string[];
  /** Set when no installation on this target includes it: the marker that excludes it. */
  readonly excludedBy: string | null;
}
