/**
 * The JSON report (schema version 1): the ScanResult itself, with a stable key order. A finding's
 * evidence and suggestion are sentences for people; the facts they name that programs need are
 * fields of their own (`lastVersionWithWheels`, `newestInstallable`; see the schema), which
 * programs read instead of the wording.
 */
import type { ScanResult } from '../scan/types.js';

/**
 * Characters that must not appear raw in the report, though JSON allows them: DEL and the C1
 * controls (U+009B is an 8-bit CSI that terminals act on), the line and paragraph separators, and
 * the bidirectional marks, embeddings, overrides and isolates (which make a line read differently
 * from what it holds). `JSON.stringify` already escapes U+0000–U+001F.
 */
const UNSAFE = /[\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Escape them as `\uXXXX`: the document parses back to the same strings, and viewing the file
 * (`cat`, a CI log, a diff) cannot drive a terminal or reorder a line. They only ever occur inside
 * strings (everything outside strings is ASCII), so the replacement is always inside one.
 * Shared by every JSON-based report (the JSON report, SARIF).
 */
export function escapeUnsafe(json: string): string {
  // `##[` anywhere in a CI log line is a workflow command in the runner's older syntax; it only
  // occurs inside strings, where `\u0023` reads back as the same `#`.
  return json.replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).replace(/##\[/g, '#\\u0023[');
}

export function renderJson(result: ScanResult): string {
  const { schemaVersion, tool, targets, projects, requirements, findings, notInstalled, errors, comparison, advice, usage } = result;
  const report = { schemaVersion, tool, targets, projects, requirements, findings, notInstalled, errors, ...(comparison ? { comparison } : {}), ...(advice ? { advice } : {}), ...(usage ? { usage } : {}) };
  return `${escapeUnsafe(JSON.stringify(report, null, 2))}\n`;
}
