/**
 * Which import sites of a package to keep when there are more than a report shows. Everything
 * after the cut is counted, not read: the roles of the project that import the package and whether
 * every import is optional are decided from the sites kept (`report/bottom-line.ts`, the advice).
 * So the first site of every (role, optional) pair is kept before the rest fill up in file order:
 * twenty views and then one task still say "the workers" too.
 */
import type { Role } from './roles.js';

export function keepSites<T extends { role: Role; optional: boolean }>(sites: readonly T[], max: number): T[] {
  if (sites.length <= max) return [...sites];
  const kept = new Set<number>();
  const pairs = new Set<string>();
  sites.forEach((s, i) => {
    const pair = `${s.role}\n${s.optional}`;
    if (!pairs.has(pair) && kept.size < max) {
      pairs.add(pair);
      kept.add(i);
    }
  });
  for (let i = 0; i < sites.length && kept.size < max; i++) kept.add(i);
  return sites.filter((_, i) => kept.has(i));
}
