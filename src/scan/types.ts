/**
 * The result of a scan: plain data. The JSON report (schema version 1, schema/report-v1.schema.json)
 * is this object without `indexReachable`, which only decides the exit code.
 */
import type { Assessment } from '../assess/types.js';

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
}

export interface Finding extends Assessment {
  /** Manifest lines that declare the package (for a transitive one: those of the direct requirement that pulled it in). */
  locations: ReportLocation[];
  /** The chain of packages that pulled this one in, from a direct requirement; empty when direct. */
  via: string[];
}

export interface ReportError {
  /** One line, already redacted. */
  message: string;
  kind: 'manifest' | 'index' | 'knowledge-base';
  file?: string;
  line?: number;
  url?: string;
}

export interface ScanResult {
  schemaVersion: typeof SCHEMA_VERSION;
  tool: { name: 'pypy-ready'; version: string };
  targets: ReportTarget[];
  requirements: ReportRequirement[];
  findings: Finding[];
  errors: ReportError[];
  /** False when no request to any index got an answer (the CLI exits 3). */
  indexReachable: boolean;
}
