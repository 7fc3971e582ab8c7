/**
 * The whole pipeline behind one call: manifests → requirements → resolution on each target →
 * assessment → a plain `ScanResult`. The CLI, the GitHub Action and library users all call this.
 */
import { loadKnowledgeBase, type KnowledgeBase } from '../assess/knowledge.js';
import { IndexClient, type IndexClientOptions } from '../pypi/client.js';
import { parseCoreMetadata } from '../pypi/metadata.js';
import { redactUrl, redactUrlsIn } from '../safe-text.js';
import { IndexError, type DistributionFile } from '../pypi/types.js';
import { loadManifests, type DeclaredRequirement, type ManifestProject } from '../manifests/index.js';
import { formatIssue } from '../manifests/types.js';
import { groupFilesByVersion, type FilesByVersion } from '../resolve/candidates.js';
import { resolveTarget, type Target, type TargetOptions } from '../targets/index.js';
import { toolVersion } from '../version.js';
import { walkDependencies, type PackageSource, type RootRequirement } from './graph.js';
import { SCHEMA_VERSION, type Finding, type ReportError, type ReportRequirement, type ScanResult } from './types.js';

export const DEFAULT_TARGETS = ['pypy3.11-7.3', 'pypy3.11-8.0'];

export interface ScanOptions {
  /** Files or directories to scan (default: the current directory). */
  paths?: string[];
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** Target ids (default: pypy3.11-7.3 and pypy3.11-8.0). */
  targets?: string[];
  /** Platform and libc/macOS baselines applied to every target. */
  targetOptions?: TargetOptions;
  /** Index settings; requirements files' `--index-url`/`--extra-index-url` are merged in as pip does (see pypi/settings.ts). */
  index?: Omit<IndexClientOptions, 'env'>;
  /** Use this client instead of making one (tests, the demo). */
  client?: IndexClient;
  knowledgeBase?: KnowledgeBase;
  /** Include `build-system.requires` (default false: they are not installed into the runtime). */
  includeBuild?: boolean;
}

/** Which requirements the scan assesses. Build requirements and constraints only steer. */
function isAssessed(requirement: DeclaredRequirement, includeBuild: boolean): boolean {
  return requirement.kind === 'requirement' && (includeBuild || requirement.group !== 'build') && !requirement.localPath;
}

function rootsOf(projects: readonly ManifestProject[], includeBuild: boolean): RootRequirement[] {
  const roots: RootRequirement[] = [];
  for (const project of projects) {
    // A lock lists the whole dependency tree already: its versions win and nothing is followed.
    const locked = project.requirements.some((r) => r.lockedVersion !== null && !r.direct);
    const constraints = project.requirements.filter((r) => r.kind === 'constraint');
    for (const requirement of project.requirements) {
      if (!isAssessed(requirement, includeBuild)) continue;
      const constraint = constraints.filter((c) => c.normalizedName === requirement.normalizedName);
      roots.push({
        name: requirement.normalizedName,
        specifiers: [requirement.specifier, ...constraint.map((c) => c.specifier)].filter(Boolean),
        extras: requirement.extras,
        marker: requirement.marker,
        fixedVersion: requirement.lockedVersion ?? requirement.pinnedVersion ?? constraint.find((c) => c.pinnedVersion)?.pinnedVersion ?? null,
        locations: [{ file: requirement.location.file, line: requirement.location.line, column: requirement.location.column }],
        follow: !locked,
        url: requirement.url,
      });
    }
  }
  return roots;
}

function reportRequirements(projects: readonly ManifestProject[]): ReportRequirement[] {
  return projects.flatMap((project) =>
    project.requirements.map((r) => ({
      name: r.normalizedName,
      specifier: r.specifier,
      marker: r.markerText,
      extras: r.extras,
      group: r.group,
      version: r.lockedVersion ?? r.pinnedVersion,
      direct: r.direct,
      location: { file: r.location.file, line: r.location.line, column: r.location.column },
    })),
  );
}

/** Index URLs that requirements files declare. */
function indexFromManifests(projects: readonly ManifestProject[]): { indexUrl?: string; extraIndexUrls: string[] } {
  const indexUrl = projects.map((p) => p.indexOptions.indexUrl).find(Boolean);
  const extraIndexUrls = [...new Set(projects.flatMap((p) => p.indexOptions.extraIndexUrls))];
  return indexUrl ? { indexUrl, extraIndexUrls } : { extraIndexUrls };
}

/** Network failures (as opposed to answers such as 404) tell us the index was not reached. */
const UNREACHABLE_KINDS = new Set(['network', 'timeout']);

class IndexPackageSource implements PackageSource {
  private readonly pages = new Map<string, Promise<{ files: FilesByVersion } | { error: string }>>();
  answered = 0;
  unreachable = 0;

  constructor(private readonly client: IndexClient) {}

  files(name: string): Promise<{ files: FilesByVersion } | { error: string }> {
    let page = this.pages.get(name);
    if (!page) {
      page = this.client.getProject(name).then(
        (project) => {
          this.answered++;
          return { files: groupFilesByVersion(name, project.files) };
        },
        (error: unknown) => {
          if (error instanceof IndexError && UNREACHABLE_KINDS.has(error.kind)) this.unreachable++;
          else this.answered++;
          return { error: describe(error) };
        },
      );
      this.pages.set(name, page);
    }
    return page;
  }

  async requiresDist(name: string, version: string, chosen: { file: DistributionFile }) {
    try {
      if (chosen.file.coreMetadata) {
        const text = await this.client.getCoreMetadata(chosen.file);
        if (text !== null) return { requiresDist: parseCoreMetadata(text).requiresDist };
      }
      const info = await this.client.getProjectInfo(name, version);
      if (info) return { requiresDist: info.requiresDist };
      return { error: `the index offers no metadata for ${name} ${version}` };
    } catch (error) {
      return { error: describe(error) };
    }
  }
}

/** Index errors are already redacted; anything else is redacted here before it can reach output. */
function describe(error: unknown): string {
  return redactUrlsIn(error instanceof Error ? error.message : String(error));
}

export async function scan(options: ScanOptions = {}): Promise<ScanResult> {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  // Targets first: a typo in --target should fail before any work is done.
  const targets: Target[] = (options.targets?.length ? options.targets : DEFAULT_TARGETS).map((id) => resolveTarget(id, options.targetOptions));
  const knowledge = options.knowledgeBase ?? loadKnowledgeBase();

  const projects = await loadManifests(options.paths ?? ['.'], { cwd, env });
  const errors: ReportError[] = projects.flatMap((p) =>
    p.issues.map((issue) => ({ kind: 'manifest' as const, message: formatIssue(issue), file: issue.file, line: issue.line })),
  );
  const requirements = reportRequirements(projects);
  const roots = rootsOf(projects, options.includeBuild ?? false);

  const fromManifests = indexFromManifests(projects);
  const client =
    options.client ??
    new IndexClient({ ...options.index, manifest: fromManifests, env });
  const source = new IndexPackageSource(client);
  let findings: Finding[] = [];
  try {
    const perTarget = await Promise.all(targets.map((target) => walkDependencies(roots, target, source, knowledge)));
    findings = perTarget.flat();
  } finally {
    if (!options.client) await client.close();
  }

  const indexReachable = source.unreachable === 0 || source.answered > 0;
  if (!indexReachable) {
    errors.push({ kind: 'index', message: `no index could be reached (${client.indexUrls.map(redactUrl).join(', ')})` });
  }

  return {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: 'pypy-ready', version: toolVersion() },
    targets: targets.map((t) => ({
      id: t.id,
      interpreter: t.interpreter.id,
      implementation: t.interpreter.implementation,
      pythonVersion: t.interpreter.pythonFullVersion,
      abi: t.interpreter.abi,
      platform: t.platform.id,
      baseline: t.platform.baseline,
    })),
    requirements,
    findings: sortFindings(findings),
    errors,
    indexReachable,
  };
}

const SEVERITY_ORDER = { error: 0, warning: 1, unknown: 2, info: 3, ok: 4 } as const;

function sortFindings(findings: Finding[]): Finding[] {
  return findings.sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || a.name.localeCompare(b.name) || a.target.localeCompare(b.target));
}
