/**
 * Putting a project together: a lock and the manifest it locks are one project, and the lock's
 * versions win.
 */
import { canonicalizeName } from '../pep/names.js';
import { compareVersions } from '../pep/versions.js';
import { lockedRequirement, type LockedPackage, type LockResult } from './locks.js';
import type { DeclaredRequirement, IndexOptions, LockFile, ManifestIssue } from './types.js';

/**
 * Give each declared requirement its locked version and files, and return the lock's other
 * packages as transitive (`direct: false`) records. Without the manifest (`hasManifest` false) the
 * lock stands alone: its packages are direct unless the lock itself says otherwise (uv's root
 * package lists its direct dependencies).
 *
 * When a lock holds several versions of one package (uv forks by Python version), the declared
 * requirement gets the newest; the others stay visible as transitive records with their markers.
 */
export function mergeLock(
  declared: DeclaredRequirement[],
  lock: LockResult,
  hasManifest: boolean,
  projectName: string | null,
  issues: ManifestIssue[],
): DeclaredRequirement[] {
  const root = lock.rootName ?? (projectName ? canonicalizeName(projectName) : null);
  const packages = lock.packages.filter((p) => p.normalizedName !== root);
  if (!hasManifest) {
    return packages.map((p) => lockedRequirement(p, lock.direct ? lock.direct.has(p.normalizedName) : true, issues));
  }
  const byName = new Map<string, LockedPackage[]>();
  for (const p of packages) {
    const list = byName.get(p.normalizedName);
    if (list) list.push(p);
    else byName.set(p.normalizedName, [p]);
  }
  // The newest locked version of each name, chosen once however many declarations name it.
  const newest = new Map<string, { pick: LockedPackage; files: LockFile[]; hashes: string[] }>();
  const chosen = new Set<LockedPackage>();
  for (const r of declared) {
    if (r.kind !== 'requirement') continue;
    let locked = newest.get(r.normalizedName);
    if (!locked) {
      const candidates = byName.get(r.normalizedName);
      if (!candidates?.length) continue;
      const pick = candidates.reduce((a, b) => (b.version && (!a.version || compareVersions(b.version, a.version) > 0) ? b : a));
      const files = pick.files.filter((f) => f.filename !== '');
      const hashes = pick.files.flatMap((f) => Object.entries(f.hashes ?? {}).map(([alg, hex]) => `${alg}:${hex}`));
      locked = { pick, files, hashes };
      newest.set(r.normalizedName, locked);
    }
    chosen.add(locked.pick);
    r.lockedVersion = locked.pick.version;
    // Shared, not copied: one name declared many times must not copy a long file list each time.
    if (locked.files.length) r.lockFiles = locked.files;
    if (locked.hashes.length && !r.hashes) r.hashes = locked.hashes;
  }
  return packages.filter((p) => !chosen.has(p)).map((p) => lockedRequirement(p, false, issues));
}

export function mergeIndexOptions(a: IndexOptions, b: IndexOptions): IndexOptions {
  const unique = (xs: string[]): string[] => [...new Set(xs)];
  const merged: IndexOptions = {
    extraIndexUrls: unique([...a.extraIndexUrls, ...b.extraIndexUrls]),
    findLinks: unique([...a.findLinks, ...b.findLinks]),
    pre: a.pre || b.pre,
    ...(a.preferBinary || b.preferBinary ? { preferBinary: true } : {}),
    onlyBinary: unique([...a.onlyBinary, ...b.onlyBinary]),
    noBinary: unique([...a.noBinary, ...b.noBinary]),
    trustedHosts: unique([...a.trustedHosts, ...b.trustedHosts]),
  };
  const indexUrl = b.indexUrl ?? a.indexUrl;
  if (indexUrl !== undefined) merged.indexUrl = indexUrl;
  return merged;
}
