/** The JSON report (schema version 1): the ScanResult itself, with a stable key order. */
import type { ScanResult } from '../scan/types.js';

export function renderJson(result: ScanResult): string {
  const { schemaVersion, tool, targets, projects, requirements, findings, notInstalled, errors } = result;
  return `${JSON.stringify({ schemaVersion, tool, targets, projects, requirements, findings, notInstalled, errors }, null, 2)}\n`;
}
