/**
 * Resolution of one project on one target: which packages pip would install there, which version
 * and file of each, and through which edge. Direct requirements whose markers hold come first; then
 * what each one depends on, from the lock's own graph when the project is locked (edge markers and
 * extras evaluated for the target) or from each release's `Requires-Dist` otherwise. Every package
 * is resolved once per target; cycles end because a package is never queued twice.
 */
import type { LockEdge, LockGraph, LockNode } from '../manifests/types.js';
import { evaluateMarker, parseMarker, type Marker } from '../pep/markers.js';
import { canonicalizeName } from '../pep/names.js';
import { parseRequirement } from '../pep/requirements.js';
import { compareVersions } from '../pep/versions.js';
import { redactUrl } from '../safe-text.js';
import type { Target } from '../targets/index.js';
import { groupFilesByVersion, keptOfPage, type FilesByVersion } from './candidates.js';
import { allowedFormats, NO_FORMAT_CONTROL } from './format-control.js';
import type { Constraint, Location, PackageSource, ResolvedPackage, ResolveInput, ResolveOptions, RootRequirement } from './types.js';
import { chooseVersion, lastReleaseWithCompiledWheel, newestInstallable, type VersionRequest } from './version.js';

/** Safety bound for hostile metadata that would make the graph explode. */
export const MAX_PACKAGES = 5000;

interface Node {
  name: string;
  specifiers: Set<string>;
  extras: Set<string>;
  fixedVersion: string | null;
  locations: Location[];
  via: string[];
  groups: Set<string>;
  url: string | null;
  /** The lock's entry, when the version and the edges come from a lock. */
  lock: LockNode | null;
  notes: string[];
  unchecked: string[];
  settled?: Settled;
  followedExtras: Set<string>;
}

type Settled = Pick<ResolvedPackage, 'origin' | 'url' | 'files' | 'fetchError' | 'choice' | 'version' | 'chosen' | 'yanked' | 'newestInstallable' | 'lastCompiledWheel' | 'request'>;

type GroupedPage = { files: FilesByVersion; notes: readonly string[] } | { error: string };

/** Grouped files per source and name: shared by every project and target of a scan. */
const groupedBySource = new WeakMap<PackageSource, Map<string, { pending: Promise<GroupedPage>; reads: number }>>();

/**
 * A project's files, grouped once per source. With `sharedBy`, the entry is dropped (and the
 * source told) when that many resolutions have read it: each reads a package at most once.
 */
function projectFiles(source: PackageSource, name: string, sharedBy: number | undefined): Promise<GroupedPage> {
  let byName = groupedBySource.get(source);
  if (!byName) groupedBySource.set(source, (byName = new Map()));
  let entry = byName.get(name);
  if (!entry) {
    const pending = source.project(name).then((page): GroupedPage => ('error' in page ? page : { files: groupFilesByVersion(name, page.files), notes: page.notes }));
    byName.set(name, (entry = { pending, reads: 0 }));
  }
  entry.reads++;
  if (sharedBy !== undefined && entry.reads >= sharedBy) {
    byName.delete(name);
    const release = () => source.release?.(name);
    entry.pending.then(release, release);
  }
  return entry.pending;
}

/** Evaluate a marker for the target; a marker that cannot be evaluated is reported, not guessed. */
function markerHolds(marker: Marker | string | null, target: Target, extras: readonly string[]): { holds: boolean; error?: string } {
  if (marker === null) return { holds: true };
  try {
    const parsed = typeof marker === 'string' ? parseMarker(marker) : marker;
    return { holds: evaluateMarker(parsed, target.environment, { extras: [...extras] }) };
  } catch (error) {
    return { holds: true, error: (error as Error).message };
  }
}

/** Lock entries by name, for following edges. */
function lockIndex(lock: LockGraph | null | undefined): Map<string, LockNode[]> | null {
  if (!lock?.hasEdges) return null;
  const byName = new Map<string, LockNode[]>();
  for (const node of lock.nodes) byName.set(node.name, [...(byName.get(node.name) ?? []), node]);
  return byName;
}

/** The lock entry an edge (or a root) means on this target: the named version, else the one whose own marker holds. */
function lockEntryFor(byName: Map<string, LockNode[]>, name: string, version: string | null, target: Target): LockNode | null {
  const entries = byName.get(name) ?? [];
  if (entries.length <= 1) return entries[0] ?? null;
  if (version) {
    const exact = entries.find((e) => e.version !== null && compareVersions(e.version, version) === 0);
    if (exact) return exact;
  }
  return entries.find((e) => markerHolds(e.markerText, target, []).holds) ?? entries[0]!;
}

interface Child {
  name: string;
  specifier: string;
  extras: string[];
  url: string | null;
  lockVersion: string | null;
}

export async function resolve(input: ResolveInput, target: Target, source: PackageSource, options: ResolveOptions = {}): Promise<ResolvedPackage[]> {
  const nodes = new Map<string, Node>();
  const excluded = new Map<string, { name: string; marker: string; location: Location; group: string }>();
  const locked = lockIndex(input.lock);
  // Lock edges not taken on this target, by the package they lead to: the first one seen explains it.
  const excludedEdges = new Map<string, string>();
  const constraints = new Map<string, Constraint[]>();
  for (const c of input.constraints ?? []) constraints.set(c.name, [...(constraints.get(c.name) ?? []), c]);

  const newNode = (name: string, fields: Partial<Node>): Node => {
    const node: Node = {
      name,
      specifiers: new Set((constraints.get(name) ?? []).map((c) => c.specifier).filter(Boolean)),
      extras: new Set(),
      fixedVersion: (constraints.get(name) ?? []).find((c) => c.pinnedVersion)?.pinnedVersion ?? null,
      locations: [],
      via: [],
      groups: new Set(),
      url: null,
      lock: null,
      notes: [],
      unchecked: [],
      followedExtras: new Set(),
      ...fields,
    };
    nodes.set(name, node);
    return node;
  };

  for (const root of rootsOf(input, locked)) {
    const marker = markerHolds(root.marker, target, []);
    if (!marker.holds) {
      if (!excluded.has(root.name)) excluded.set(root.name, { name: root.name, marker: root.markerText ?? '', location: root.location, group: root.group });
      continue;
    }
    const node = nodes.get(root.name) ?? newNode(root.name, {});
    if (root.specifier) node.specifiers.add(root.specifier);
    root.extras.forEach((e) => node.extras.add(e));
    node.locations.push(root.location);
    node.groups.add(root.group);
    node.fixedVersion ??= root.fixedVersion;
    node.url ??= root.url;
    if (marker.error) node.unchecked.push(`marker could not be evaluated for ${target.id}, so it was assumed to hold: ${marker.error}`);
    if (locked && !node.lock) node.lock = lockEntryFor(locked, root.name, root.fixedVersion, target);
  }

  // Each package is followed as soon as it is settled, not level by level: a level waited for its
  // slowest page (a 20,000-file one) before any child of the others was asked for.
  const walking = new Set<Promise<void>>();
  const visit = (node: Node): void => {
    const walk = (async () => {
      if (!node.settled) {
        options.onPackage?.(node.name, 'start');
        node.settled = await settle(node, target, source, options);
        options.onPackage?.(node.name, 'settled');
      }
      const children = input.followDependencies === false ? [] : await childrenOf(node, target, source, locked, excludedEdges);
      for (const child of children) {
        const existing = nodes.get(child.name);
        if (existing) {
          // A new extra or group on a resolved package may pull in more.
          const before = existing.extras.size;
          child.extras.forEach((e) => existing.extras.add(e));
          node.groups.forEach((g) => existing.groups.add(g));
          if (existing.extras.size > before && existing.settled) visit(existing);
          continue;
        }
        if (nodes.size >= MAX_PACKAGES) {
          if (!node.unchecked.some((u) => u.startsWith('dependency graph truncated'))) node.unchecked.push(`dependency graph truncated at ${MAX_PACKAGES} packages: ${child.name} and others not checked`);
          continue;
        }
        const created = newNode(child.name, {
          extras: new Set(child.extras),
          locations: node.locations,
          via: [...node.via, node.name],
          groups: new Set(node.groups),
          url: child.url,
          lock: locked && child.url === null ? lockEntryFor(locked, child.name, child.lockVersion, target) : null,
        });
        if (child.specifier) created.specifiers.add(child.specifier);
        visit(created);
      }
    })();
    walking.add(walk);
    void walk.then(() => walking.delete(walk), () => undefined);
  };
  for (const node of [...nodes.values()]) visit(node);
  // Until nothing is left to follow; the first failure (a bug: settle and childrenOf report
  // errors as data) rejects the resolution, as it did when levels were awaited.
  while (walking.size > 0) await Promise.all([...walking]);

  const resolved: ResolvedPackage[] = [...nodes.values()].map((node) => ({
    name: node.name,
    project: input.project,
    target,
    ...node.settled!,
    locations: dedupeLocations(node.locations),
    via: node.via,
    groups: [...node.groups].sort(),
    extras: [...node.extras].sort(),
    notes: node.notes,
    unchecked: node.unchecked,
    excludedBy: null,
  }));
  // Locked packages no installation on this target reaches, and direct requirements whose marker is false.
  for (const [name, info] of excluded) {
    if (nodes.has(name)) continue;
    resolved.push(excludedPackage(name, input.project, target, info.marker, [info.location], [info.group]));
  }
  if (locked && input.lock) {
    // A locked package nothing depends on is the project itself (or a workspace member), not a dependency.
    const targets = dependedOn(input.lock);
    for (const [name, entries] of locked) {
      if (nodes.has(name) || excluded.has(name) || !targets.has(name)) continue;
      const edge = excludedEdges.get(name);
      const marker = entries.find((e) => e.markerText)?.markerText;
      const reason = edge
        ? `only reached through edges whose markers exclude ${target.id}, e.g. ${edge}`
        : `no edge that holds on ${target.id} reaches it${marker ? ` (lock marker: ${marker})` : ''}`;
      resolved.push(excludedPackage(name, input.project, target, reason, [], []));
    }
  }
  return resolved;
}

function excludedPackage(name: string, project: string, target: Target, reason: string, locations: Location[], groups: string[]): ResolvedPackage {
  return {
    name,
    project,
    target,
    request: { specifier: '' },
    origin: 'index',
    url: null,
    files: null,
    fetchError: null,
    choice: null,
    version: null,
    chosen: null,
    yanked: null,
    newestInstallable: null,
    lastCompiledWheel: null,
    locations,
    via: [],
    groups,
    extras: [],
    notes: [],
    unchecked: [],
    excludedBy: reason || 'a marker that is false on this target',
  };
}

/**
 * The roots of the walk. With a lock graph, the direct requirements; when nothing says which
 * locked packages are direct (a lock without its manifest), those no other package depends on.
 */
function rootsOf(input: ResolveInput, locked: Map<string, LockNode[]> | null): readonly RootRequirement[] {
  if (!locked || !input.lock) return input.requirements;
  if (input.lock.roots && input.requirements.length === 0) {
    return input.lock.roots.map((edge) => ({
      name: edge.name,
      specifier: '',
      extras: edge.extras,
      marker: null,
      markerText: edge.markerText,
      fixedVersion: edge.version,
      location: { file: input.lock!.file, line: 1, column: 1 },
      group: edge.group,
      url: null,
    })).map((root) => ({ ...root, marker: root.markerText ? safeParse(root.markerText) : null }));
  }
  const declared = new Set(input.requirements.map((r) => r.name));
  if ([...locked.keys()].every((name) => declared.has(name))) {
    // Every locked package came in as direct: the roots are those nothing in the lock depends on.
    const targets = dependedOn(input.lock);
    const roots = input.requirements.filter((r) => !targets.has(r.name));
    if (roots.length > 0) return roots;
  }
  return input.requirements;
}

/** Every package some lock edge leads to. */
function dependedOn(lock: LockGraph): Set<string> {
  return new Set(lock.nodes.flatMap((n) => [...n.dependencies, ...Object.values(n.optionalDependencies).flat()].map((e) => e.name)));
}

function safeParse(text: string): Marker | null {
  try {
    return parseMarker(text);
  } catch {
    return null;
  }
}

async function settle(node: Node, target: Target, source: PackageSource, options: ResolveOptions): Promise<Settled> {
  const request: VersionRequest = {
    specifier: [...node.specifiers].join(','),
    fixedVersion: node.lock?.version ?? node.fixedVersion,
    prereleases: options.prereleases === true,
    formats: allowedFormats(options.formatControl ?? NO_FORMAT_CONTROL, node.name),
    preferBinary: options.preferBinary === true,
  };
  const origin = node.lock ? 'lock' : 'index';
  const empty = { url: null, files: null, fetchError: null, choice: null, version: null, chosen: null, yanked: null, newestInstallable: null, lastCompiledWheel: null, request };
  // The project itself or a workspace member, as the lock records it: its edges are followed, it is not assessed.
  if (node.lock?.localPath) return { ...empty, origin: 'local' };
  // A manifest, a lock or an index's Requires-Dist (a stranger's) may put credentials in the URL.
  const direct = node.url ?? node.lock?.url ?? null;
  const url = direct ? redactUrl(direct) : null;
  if (url) return { ...empty, origin: 'url', url, fetchError: `installed from ${url.split('#')[0]}, not from the index: not assessed` };
  if (options.preinstalled?.(node.name, target)) return { ...empty, origin: 'preinstalled' };
  const fetched = await projectFiles(source, node.name, options.sharedBy);
  if ('error' in fetched) return { ...empty, origin, fetchError: fetched.error };
  node.notes.push(...fetched.notes);
  const settled = chooseFromFiles(fetched.files, target, request);
  return { ...settled, files: keptOfPage(fetched.files, settled.version), origin };
}

/** pip's choice among a project's files for one request on one target: pure. */
export function chooseFromFiles(files: FilesByVersion, target: Target, request: VersionRequest): Omit<Settled, 'origin'> {
  const choice = chooseVersion(files, target, request);
  const chosen = choice.choice?.chosen ?? null;
  const yanked = chosen && chosen.file.yanked !== false ? (typeof chosen.file.yanked === 'string' && chosen.file.yanked ? chosen.file.yanked : 'no reason given') : null;
  return {
    url: null,
    request,
    files,
    fetchError: null,
    choice,
    version: choice.version,
    chosen,
    yanked,
    newestInstallable: newestInstallable(files, target, request.formats),
    lastCompiledWheel: lastReleaseWithCompiledWheel(files, target, chosen ? choice.version : null),
  };
}

/** A direct requirement resolved from a listing alone, without a graph: what unit tests of the rules need. */
export function resolveListing(name: string, files: FilesByVersion, target: Target, request: VersionRequest, project = '.'): ResolvedPackage {
  return {
    name,
    project,
    target,
    origin: 'index',
    ...chooseFromFiles(files, target, request),
    locations: [],
    via: [],
    groups: ['main'],
    extras: [],
    notes: [],
    unchecked: [],
    excludedBy: null,
  };
}

async function childrenOf(node: Node, target: Target, source: PackageSource, locked: Map<string, LockNode[]> | null, excludedEdges: Map<string, string>): Promise<Child[]> {
  const settled = node.settled!;
  const extras = [...node.extras].sort();
  const key = extras.join(',');
  if (node.followedExtras.has(key)) return [];
  node.followedExtras.add(key);
  if (settled.origin === 'url' || settled.origin === 'preinstalled') return [];
  if (node.lock) return lockChildren(node, node.lock, extras, target, excludedEdges);
  if (locked) {
    // Locked project, package missing from the lock: its dependencies come from the index.
    if (!node.notes.some((n) => n.startsWith('not in the lock'))) node.notes.push(`not in the lock file: resolved from the index`);
  }
  if (!settled.version || !settled.chosen) return [];

  const metadata = await source.requiresDist(node.name, settled.version, settled.chosen.file);
  if ('error' in metadata) {
    if (!node.unchecked.some((n) => n.startsWith('dependencies not checked'))) node.unchecked.push(`dependencies not checked: ${metadata.error}`);
    return [];
  }
  const found: Child[] = [];
  for (const text of metadata.requiresDist) {
    let requirement;
    try {
      requirement = parseRequirement(text);
    } catch (error) {
      node.unchecked.push(`dependency not checked: invalid Requires-Dist of ${node.name} ${settled.version}: ${(error as Error).message}`);
      continue;
    }
    const marker = markerHolds(requirement.marker, target, extras);
    if (marker.error) node.unchecked.push(`dependency ${requirement.name} not checked: its marker could not be evaluated: ${marker.error}`);
    if (!marker.holds || marker.error) continue;
    found.push({ name: canonicalizeName(requirement.name), specifier: requirement.specifier, extras: requirement.extras.map((e) => canonicalizeName(e)), url: requirement.url, lockVersion: null });
  }
  return found;
}

function lockChildren(node: Node, entry: LockNode, extras: readonly string[], target: Target, excludedEdges: Map<string, string>): Child[] {
  const edges: LockEdge[] = [...entry.dependencies, ...extras.flatMap((extra) => entry.optionalDependencies[extra] ?? [])];
  const found: Child[] = [];
  for (const edge of edges) {
    const marker = markerHolds(edge.markerText, target, extras);
    if (marker.error) node.unchecked.push(`dependency ${edge.name} not checked: its lock marker could not be evaluated: ${marker.error}`);
    if (!marker.holds && !excludedEdges.has(edge.name)) excludedEdges.set(edge.name, `${node.name} -> ${edge.name} (${edge.markerText})`);
    if (!marker.holds || marker.error) continue;
    found.push({ name: edge.name, specifier: '', extras: [...edge.extras], url: null, lockVersion: edge.version });
  }
  return found;
}

function dedupeLocations(locations: readonly Location[]): Location[] {
  const seen = new Set<string>();
  return locations.filter((l) => {
    const key = `${l.file}:${l.line}:${l.column}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
