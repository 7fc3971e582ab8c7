/**
 * Walk a project's dependencies for one target: direct requirements whose markers hold there, then
 * what each assessed release requires (markers evaluated for the target, extras carried along).
 * Every package is assessed once per target; cycles end because a package is never queued twice.
 */
import { assessPackage, type AssessmentResult } from '../assess/rules.js';
import type { KnowledgeBase } from '../assess/knowledge.js';
import { evaluateMarker, type Marker } from '../pep/markers.js';
import { canonicalizeName } from '../pep/names.js';
import { parseRequirement } from '../pep/requirements.js';
import type { FilesByVersion, ParsedFile } from '../resolve/candidates.js';
import type { Target } from '../targets/index.js';
import type { Finding, ReportLocation } from './types.js';

/** What the graph needs from the index; the scan supplies it with caching and error handling. */
export interface PackageSource {
  files(name: string): Promise<{ files: FilesByVersion } | { error: string }>;
  /** `Requires-Dist` of a release, or an explanation when it cannot be known. */
  requiresDist(name: string, version: string, chosen: ParsedFile): Promise<{ requiresDist: string[] } | { error: string }>;
}

/** A requirement as the graph sees it: already merged from every manifest line that declares it. */
export interface RootRequirement {
  name: string;
  specifiers: string[];
  extras: string[];
  marker: Marker | null;
  fixedVersion: string | null;
  locations: ReportLocation[];
  /** Follow this package's own dependencies (false when a lock file already lists them). */
  follow: boolean;
  /** Installed from a URL or VCS: not something an index can tell us about. */
  url: string | null;
}

interface Node {
  name: string;
  specifiers: Set<string>;
  extras: Set<string>;
  fixedVersion: string | null;
  locations: ReportLocation[];
  via: string[];
  follow: boolean;
  url: string | null;
  result?: AssessmentResult;
  followedExtras?: Set<string>;
  notes: string[];
}

/** Safety bound for hostile metadata that would make the graph explode. */
const MAX_PACKAGES = 5000;

export async function walkDependencies(
  roots: readonly RootRequirement[],
  target: Target,
  source: PackageSource,
  knowledge: KnowledgeBase,
): Promise<Finding[]> {
  const nodes = new Map<string, Node>();
  const env = target.environment;

  for (const root of roots) {
    let markerNote: string | null = null;
    if (root.marker) {
      try {
        if (!evaluateMarker(root.marker, env)) continue;
      } catch (error) {
        // A marker that cannot be evaluated here (e.g. `~=` on a non-version) must not hide the package.
        markerNote = `marker could not be evaluated for ${target.id}, assessed anyway: ${(error as Error).message}`;
      }
    }
    const existing = nodes.get(root.name);
    if (existing) {
      root.specifiers.forEach((s) => existing.specifiers.add(s));
      root.extras.forEach((e) => existing.extras.add(e));
      existing.locations.push(...root.locations);
      existing.fixedVersion ??= root.fixedVersion;
      existing.follow &&= root.follow;
      continue;
    }
    nodes.set(root.name, {
      name: root.name,
      specifiers: new Set(root.specifiers.filter(Boolean)),
      extras: new Set(root.extras),
      fixedVersion: root.fixedVersion,
      locations: [...root.locations],
      via: [],
      follow: root.follow,
      url: root.url,
      notes: markerNote ? [markerNote] : [],
    });
  }

  let frontier = [...nodes.values()];
  while (frontier.length > 0) {
    const next = new Set<Node>();
    await Promise.all(
      frontier.map(async (node) => {
        node.result ??= await assess(node, target, source, knowledge);
        for (const child of await children(node, env, source)) {
          const existing = nodes.get(child.name);
          if (existing) {
            // A new extra on an assessed package may pull in more dependencies.
            const before = existing.extras.size;
            child.extras.forEach((e) => existing.extras.add(e));
            if (existing.extras.size > before && existing.result) next.add(existing);
            continue;
          }
          if (nodes.size >= MAX_PACKAGES) continue;
          const created: Node = {
            name: child.name,
            specifiers: new Set(child.specifier ? [child.specifier] : []),
            extras: new Set(child.extras),
            fixedVersion: null,
            locations: node.locations,
            via: [...node.via, node.name],
            follow: true,
            url: child.url,
            notes: [],
          };
          nodes.set(child.name, created);
          next.add(created);
        }
      }),
    );
    frontier = [...next];
  }

  return [...nodes.values()].map((node) => toFinding(node));
}

async function assess(node: Node, target: Target, source: PackageSource, knowledge: KnowledgeBase): Promise<AssessmentResult> {
  const request = { specifier: [...node.specifiers].join(','), fixedVersion: node.fixedVersion };
  if (node.url) {
    return assessPackage(
      { name: node.name, files: null, fetchError: `installed from ${node.url.split('#')[0]}, not from the index: not assessed`, request, knowledge: knowledge.get(node.name) },
      target,
    );
  }
  const fetched = await source.files(node.name);
  if ('error' in fetched) {
    return assessPackage({ name: node.name, files: null, fetchError: fetched.error, request, knowledge: knowledge.get(node.name) }, target);
  }
  return assessPackage({ name: node.name, files: fetched.files, request, knowledge: knowledge.get(node.name) }, target);
}

interface Child {
  name: string;
  specifier: string;
  extras: string[];
  url: string | null;
}

async function children(node: Node, env: Target['environment'], source: PackageSource): Promise<Child[]> {
  const result = node.result!;
  const version = result.assessment.version;
  if (!node.follow || !version || !result.chosen) return [];
  const extras = [...node.extras].sort();
  const key = extras.join(',');
  if (node.followedExtras?.has(key)) return [];
  (node.followedExtras ??= new Set()).add(key);

  const metadata = await source.requiresDist(node.name, version, result.chosen);
  if ('error' in metadata) {
    if (!node.notes.some((n) => n.startsWith('dependencies not followed'))) node.notes.push(`dependencies not followed: ${metadata.error}`);
    return [];
  }
  const found: Child[] = [];
  for (const text of metadata.requiresDist) {
    let requirement;
    try {
      requirement = parseRequirement(text);
    } catch (error) {
      node.notes.push(`ignored invalid Requires-Dist of ${node.name} ${version}: ${(error as Error).message}`);
      continue;
    }
    if (requirement.marker) {
      try {
        if (!evaluateMarker(requirement.marker, env, { extras })) continue;
      } catch (error) {
        node.notes.push(`ignored Requires-Dist with an unusable marker: ${(error as Error).message}`);
        continue;
      }
    }
    found.push({ name: canonicalizeName(requirement.name), specifier: requirement.specifier, extras: requirement.extras, url: requirement.url });
  }
  return found;
}

function toFinding(node: Node): Finding {
  const assessment = node.result!.assessment;
  return {
    ...assessment,
    evidence: [...assessment.evidence, ...node.notes],
    locations: dedupeLocations(node.locations),
    via: node.via,
  };
}

function dedupeLocations(locations: readonly ReportLocation[]): ReportLocation[] {
  const seen = new Set<string>();
  return locations.filter((l) => {
    const key = `${l.file}:${l.line}:${l.column}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
