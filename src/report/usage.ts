/**
 * Where the project's code imports a package (issue 16), as one sentence every report shares:
 * "used in: web ledger/views.py:3; workers ledger/tasks.py:8 (optional); and 2 more", or that a
 * direct requirement is never imported. Plain text, not escaped: each renderer escapes it for its
 * own language. Null when the code was not read for the package (nothing is known).
 */
import type { Finding } from '../scan/types.js';
import { keepSites } from '../usage/sites.js';

/** Sites named in the sentence; the JSON report keeps up to 20 (`USED_IN_SHOWN`). */
export const USED_IN_NAMED = 6;

export const NEVER_IMPORTED = "declared but never imported by the project's code (a dependency, a setting or a command may still load it)";

export function usedInSentence(finding: Pick<Finding, 'project' | 'usedIn' | 'usedInCount' | 'imported'>, named = USED_IN_NAMED): string | null {
  if (finding.imported === false) return NEVER_IMPORTED;
  const sites = finding.usedIn ?? [];
  if (sites.length === 0) return null;
  // Files are relative to the scan's directory; within one project, its own folder goes without saying.
  const prefix = finding.project === '.' || finding.project === '' ? '' : `${finding.project}/`;
  const byRole = new Map<string, string[]>();
  for (const s of keepSites(sites, named)) {
    const file = s.file.startsWith(prefix) ? s.file.slice(prefix.length) : s.file;
    byRole.set(s.role, [...(byRole.get(s.role) ?? []), `${file}:${s.line}${s.optional ? ' (optional)' : ''}`]);
  }
  const more = (finding.usedInCount ?? sites.length) - Math.min(sites.length, named);
  return `used in: ${[...byRole].map(([role, at]) => `${role} ${at.join(', ')}`).join('; ')}${more > 0 ? `; and ${more} more` : ''}`;
}

/** The sentence as a line of its own: "Used in: …" (or "Declared but never imported …"). */
export function usedInLine(finding: Parameters<typeof usedInSentence>[0], named = USED_IN_NAMED): string | null {
  const sentence = usedInSentence(finding, named);
  return sentence === null ? null : sentence.charAt(0).toUpperCase() + sentence.slice(1);
}
