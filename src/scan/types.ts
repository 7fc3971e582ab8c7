/**
 * The result of a scan: plain data. The JSON report (schema version 1, schema/report-v1.schema.json)
 * is this object without `indexReachable`, which only decides the exit code.
 */
import type { Advice } from '../assess/advice.js';
import type { Assessment } from '../assess/types.js';
import type { Comparison } from './baseline.js';
import type { IgnoreMark } from './ignores.js';
import type { Role } from '../usage/roles.js';

export const SCHEMA_VERSION = 1;

export interface ReportLocation {
  file: string;
  line: number;
  column: number;
}

export interface ReportTarget {
  id: string;
  interpreter: string;
  implementation: 'pypy' | 'cpython';
  pythonVersion: string;
  abi: string;
  platform: string;
  baseline: string;
}

export interface ReportRequirement {
  /** PEP 503 normalised name. */
  name: string;
  specifier: string;
  marker: string | null;
  extras: string[];
  group: string;
  /** Locked or pinned version, if any. */
  version: string | null;
  direct: boolean;
  location: ReportLocation;
  /** The project (its root directory) that declares it. */
  project: string;
}

export interface Finding extends Assessment {
  /** The project (its root directory, relative to the scan root) whose resolution this is. */
  project: string;
  /** Dependency groups that bring the package in: `main`, `optional:<extra>`, `group:<name>`, `dev`. */
  groups: string[];
  /** Manifest lines that declare the package (for a transitive one: those of the direct requirement that pulled it in). */
  locations: ReportLocation[];
  /** The chain of packages that pulled this one in, from a direct requirement; empty when direct. */
  via: string[];
  /** Why the package or its dependencies were not fully checked; empty when they were. Never "fine" when not empty. */
  unchecked: string[];
  /** An ignore in the configuration applies: shown with its reason, does not fail the run. */
  ignored?: IgnoreMark;
  /** An ignore matched but lapsed (its `until` has come): the finding counts again. */
  ignoreExpired?: IgnoreMark;
  /** Where the project's code imports the package (`src/usage/`), at most `USED_IN_SHOWN` sites in file order, the first of each role (optional or not) among them (`usage/sites.ts`). */
  usedIn?: UsageLocation[];
  /** How many sites import it in all (`usedIn` may hold fewer). */
  usedInCount?: number;
  /** False: a direct requirement no file of the project imports ("declared but never imported"); true: imported; absent: not known (no code read, or a transitive package no code imports). */
  imported?: boolean;
}

/** One import of a package by the project's own code. */
export interface UsageLocation {
  /** Relative to the scan's working directory. */
  file: string;
  line: number;
  /** The file's part of the project (`src/usage/roles.ts`). */
  role: Role;
  /** Under a `try` whose handler takes an ImportError: the code runs without it. */
  optional: boolean;
}

/** What reading one project's code found (`src/usage/`). */
export interface ProjectUsageSummary {
  project: string;
  /** Python files read. */
  files: number;
  /** Files per role. */
  roles: Record<Role, number>;
  /** Files parsed with error recovery (Python 2, templates) or not parsed (too large): the rest of the file, or the scan, goes on. */
  parseErrors: { file: string; line: number; message: string }[];
  /** Third-party imports tied to no known distribution (neither the venv nor the table maps them, and no declared package has their name). */
  unmapped: string[];
  /** The virtual environment whose dist-info mapped the imports, or null. */
  venv: string | null;
  /** The walk stopped at a limit, or null. */
  truncated: string | null;
}

/** A package the manifests or the lock name that this target does not install, because of a marker. */
export interface NotInstalled {
  name: string;
  project: string;
  target: string;
  reason: string;
  locations: ReportLocation[];
}

export interface ReportError {
  /** One line, already redacted. */
  message: string;
  kind: 'manifest' | 'index' | 'knowledge-base' | 'config';
  /** `error`: part of the input could not be read (exit 2 for manifests); `warning`: read, with a caveat. */
  severity: 'error' | 'warning';
  file?: string;
  line?: number;
  url?: string;
}

export interface ScanResult {
  schemaVersion: typeof SCHEMA_VERSION;
  tool: { name: 'pypy-ready'; version: string };
  targets: ReportTarget[];
  /** Each project's root directory; every project is resolved on its own. */
  projects: string[];
  requirements: ReportRequirement[];
  findings: Finding[];
  /** Packages the target does not install because of a marker (shown with --verbose). */
  notInstalled: NotInstalled[];
  errors: ReportError[];
  /** False when no request to any index got an answer (the CLI exits 3). */
  indexReachable: boolean;
  /** PR mode (`--baseline`): `findings` holds only what is new or worse; this gives the whole picture. */
  comparison?: Comparison;
  /**
   * Advice drawn from the findings (`assess/advice.ts`), computed by `scan()` after ignores are
   * applied, over the whole picture (in PR mode too). Always set by `scan()`; optional so that
   * results built by hand (tests, library users) need not carry it.
   */
  advice?: Advice[];
  /** Where the projects' code imports each package (`src/usage/`); absent when the scan was told not to read code (`--no-usage`). */
  usage?: { projects: ProjectUsageSummary[] };
}
