/**
 * The whole pipeline behind one call: manifests → one resolution per project and target →
 * assessment → a plain `ScanResult`. The CLI, the GitHub Action and library users all call this.
 * Only this module wires stages together; each stage is its own folder.
 */
import { applyIgnores, type IgnoreRule } from './ignores.js';
import path from 'node:path';
import { loadKnowledgeBase, type KnowledgeBase } from '../assess/knowledge.js';
import { assess } from '../assess/rules.js';
import { withAdvice } from '../assess/advice.js';
import { severityPosition } from '../assess/types.js';
import { loadManifests, type DeclaredRequirement, type ManifestProject } from '../manifests/index.js';
import { formatIssue } from '../manifests/types.js';
import { IndexClient, type IndexClientOptions } from '../pypi/client.js';
import { IndexPackageSource } from '../pypi/package-source.js';
import { formatControlFrom, type FormatOption } from '../resolve/format-control.js';
import { resolve } from '../resolve/resolve.js';
import type { Constraint, ResolveInput, ResolveOptions, RootRequirement } from '../resolve/types.js';
import { oneLine, redactUrl, redactUrlsIn } from '../safe-text.js';
import { resolveTarget, type Target, type TargetOptions } from '../targets/index.js';
import { toolVersion } from '../version.js';
import { usageForScan } from '../usage/attach.js';
import { withDjangoSettings } from '../usage/django-settings.js';
import { SCHEMA_VERSION, type Finding, type NotInstalled, type ReportError, type ReportRequirement, type ScanResult } from './types.js';

export const DEFAULT_TARGETS = ['pypy3.11-7.3', 'pypy3.11-8.0'];

/** pip's options that change which file installs, as given on the command line. */
export interface PipOptions {
  /** `--only-binary` values, in order (`:all:`, `:none:` or package names). */
  onlyBinary?: string[];
  /** `--no-binary` values, in order. */
  noBinary?: string[];
  /** `--prefer-binary`. */
  preferBinary?: boolean;
  /** `--pre`. */
  pre?: boolean;
}

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
  /** pip's file-choice options; requirements files' own `--only-binary` … lines apply after these, as in pip. */
  pip?: PipOptions;
  /** Use this client instead of making one (tests, the demo). */
  client?: IndexClient;
  knowledgeBase?: KnowledgeBase;
  /** Include `build-system.requires` (default false: they are not installed into the runtime). */
  includeBuild?: boolean;
  /**
   * Told how the scan goes, at most every `PROGRESS_INTERVAL_MS` and once at the end (the
   * interactive audit and the one-line progress on a terminal's stderr). Plain data, copied.
   */
  onProgress?: (progress: ScanProgress) => void;
  /** Ignores from the configuration (`scan/ignores.ts`), applied to the findings. */
  ignores?: readonly IgnoreRule[];
  /** The day ignores are judged on (`YYYY-MM-DD`, default today in UTC). */
  today?: string;
  /** `--exclude`: gitignore-syntax patterns of paths not to walk, relative to each directory scanned. */
  exclude?: string[];
  /** Honour `.gitignore` files while walking (default true; `--no-gitignore` sets false). */
  gitignore?: boolean;
  /** Read each project's Django settings (`usage/django-settings.ts`) into its findings' evidence (default true). */
  djangoSettings?: boolean;
  /** Read the projects' Python code for where each package is imported (`src/usage/`; default true; `--no-usage` sets false). */
  usage?: boolean;
  /** `--venv PATH`: the virtual environment whose dist-info maps import names to distributions (default `.venv` or `venv` in each project). */
  venv?: string;
}

export interface ScanProgress {
  stage: 'manifests' | 'resolving' | 'done';
  /** Manifest files read, and the projects they make. */
  manifests: number;
  projects: number;
  /** Package × target resolutions settled, of those started so far (the total grows as the graph is walked). */
  resolved: number;
  total: number;
  requests: number;
  inFlight: number;
  cacheHits: number;
  /** The package most recently started, or null. */
  current: string | null;
  elapsedMs: number;
}

export const PROGRESS_INTERVAL_MS = 80;

/** A path that holds no manifest at all: the caller's mistake, reported as one line (exit 2). */
export class NoManifestError extends Error {
  override readonly name = 'NoManifestError';
}

/** Which requirements the scan assesses. Build requirements and constraints only steer. */
function isAssessed(requirement: DeclaredRequirement, includeBuild: boolean): boolean {
  return requirement.kind === 'requirement' && (includeBuild || requirement.group !== 'build') && !requirement.localPath;
}

function rootOf(r: DeclaredRequirement): RootRequirement {
  return {
    name: r.normalizedName,
    specifier: r.specifier,
    extras: r.extras,
    marker: r.marker,
    markerText: r.markerText,
    fixedVersion: r.lockedVersion ?? r.pinnedVersion,
    location: { file: r.location.file, line: r.location.line, column: r.location.column },
    group: r.group,
    url: r.url === null ? null : redactUrl(r.url),
  };
}

/** One project's resolution input: with a lock that records edges, only the direct requirements are roots. */
export function resolveInputOf(project: ManifestProject, includeBuild: boolean): ResolveInput {
  const lock = project.lockGraphs?.find((g) => g.hasEdges) ?? project.lockGraphs?.[0] ?? null;
  const assessed = project.requirements.filter((r) => isAssessed(r, includeBuild));
  const requirements = lock?.hasEdges ? assessed.filter((r) => r.direct) : assessed;
  // A lock that records no edges (or none we read) lists the whole tree: nothing more is followed.
  const flat = lock ? !lock.hasEdges : project.requirements.some((r) => r.lockedVersion !== null && !r.direct);
  const constraints: Constraint[] = project.requirements
    .filter((r) => r.kind === 'constraint')
    .map((c) => ({ name: c.normalizedName, specifier: c.specifier, pinnedVersion: c.pinnedVersion }));
  return { project: project.root, requirements: requirements.map(rootOf), constraints, lock, followDependencies: !flat };
}

/** pip reads the command line first; options in requirements files then change the same settings. */
export function resolveOptionsOf(project: ManifestProject, pip: PipOptions, knowledge: KnowledgeBase): ResolveOptions {
  const ops: FormatOption[] = [
    ...(pip.noBinary ?? []).map((value) => ({ option: 'no-binary' as const, value })),
    ...(pip.onlyBinary ?? []).map((value) => ({ option: 'only-binary' as const, value })),
    ...project.indexOptions.noBinary.map((value) => ({ option: 'no-binary' as const, value })),
    ...project.indexOptions.onlyBinary.map((value) => ({ option: 'only-binary' as const, value })),
  ];
  return {
    formatControl: formatControlFrom(ops),
    prereleases: pip.pre === true || project.indexOptions.pre,
    preferBinary: pip.preferBinary === true || project.indexOptions.preferBinary === true,
    preinstalled: (name, target) => target.interpreter.implementation === 'pypy' && knowledge.get(name)?.status === 'builtin',
  };
}

function reportRequirements(projects: readonly ManifestProject[]): ReportRequirement[] {
  return projects.flatMap((project) =>
    project.requirements.map((r) => ({
      name: r.normalizedName,
      // Manifest text: a specifier or marker never should hold a URL, but a stranger's file may.
      specifier: redactUrlsIn(r.specifier),
      marker: r.markerText === null ? null : redactUrlsIn(r.markerText),
      extras: r.extras,
      group: r.group,
      version: r.lockedVersion ?? r.pinnedVersion,
      direct: r.direct,
      location: { file: r.location.file, line: r.location.line, column: r.location.column },
      project: project.root,
    })),
  );
}

/** Index URLs that requirements files declare, merged across projects (the first `--index-url`, every `--extra-index-url` once); verify gives pip the same. */
export function indexFromManifests(projects: readonly ManifestProject[]): { indexUrl?: string; extraIndexUrls: string[] } {
  const indexUrl = projects.map((p) => p.indexOptions.indexUrl).find(Boolean);
  const extraIndexUrls = [...new Set(projects.flatMap((p) => p.indexOptions.extraIndexUrls))];
  return indexUrl ? { indexUrl, extraIndexUrls } : { extraIndexUrls };
}

export async function scan(options: ScanOptions = {}): Promise<ScanResult> {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  // Targets first: a typo in --target should fail before any work is done.
  const targets: Target[] = (options.targets?.length ? options.targets : DEFAULT_TARGETS).map((id) => resolveTarget(id, options.targetOptions));
  const knowledge = options.knowledgeBase ?? loadKnowledgeBase();
  const paths = options.paths ?? ['.'];

  const startedAt = Date.now();
  const progress: ScanProgress = { stage: 'manifests', manifests: 0, projects: 0, resolved: 0, total: 0, requests: 0, inFlight: 0, cacheHits: 0, current: null, elapsedMs: 0 };
  let lastReport = 0;
  let statsOf: (() => { requests: number; inFlight: number; cacheHits: number }) | null = null;
  const report = (force = false): void => {
    if (!options.onProgress) return;
    const now = Date.now();
    if (!force && now - lastReport < PROGRESS_INTERVAL_MS) return;
    lastReport = now;
    if (statsOf) Object.assign(progress, statsOf());
    options.onProgress({ ...progress, elapsedMs: now - startedAt });
  };
  report(true);

  const projects = await loadManifests(paths, { cwd, env, exclude: options.exclude ?? [], gitignore: options.gitignore !== false });
  progress.manifests = new Set(projects.flatMap((p) => p.manifests)).size;
  progress.projects = projects.length;
  progress.stage = 'resolving';
  report(true);
  const empty = paths.find((p) => !projects.some((project) => project.manifests.some((m) => isUnder(m, relativePath(cwd, p)))));
  if (empty !== undefined) {
    throw new NoManifestError(`no Python manifest (requirements*.txt, pyproject.toml, setup.cfg, Pipfile or a lock file) found under ${oneLine(empty)}`);
  }
  const errors: ReportError[] = projects.flatMap((p) =>
    p.issues.map((issue) => ({ kind: 'manifest' as const, severity: issue.severity, message: redactUrlsIn(formatIssue(issue)), file: issue.file, line: issue.line })),
  );

  const client = options.client ?? new IndexClient({ ...options.index, manifest: indexFromManifests(projects), env });
  const source = new IndexPackageSource(client);
  statsOf = () => {
    const { requests, inFlight, cacheHits } = client.stats();
    return { requests, inFlight, cacheHits };
  };
  const onPackage = (name: string, phase: 'start' | 'settled'): void => {
    if (phase === 'start') {
      progress.total++;
      progress.current = name;
    } else {
      progress.resolved++;
    }
    report();
  };
  const findings: Finding[] = [];
  const notInstalled: NotInstalled[] = [];
  try {
    // Each project is its own resolution; the source fetches a shared package once for all of them,
    // and lets go of its page once every resolution has read it.
    const sharedBy = projects.length * targets.length;
    const runs = projects.flatMap((project) => {
      const input = resolveInputOf(project, options.includeBuild ?? false);
      const resolveOptions = { ...resolveOptionsOf(project, options.pip ?? {}, knowledge), sharedBy, onPackage };
      return targets.map((target) => resolve(input, target, source, resolveOptions));
    });
    for (const resolved of await Promise.all(runs)) {
      for (const pkg of resolved) {
        if (pkg.origin === 'local') continue; // the project's own code: its dependencies are what is judged
        if (pkg.excludedBy !== null) {
          notInstalled.push({ name: pkg.name, project: pkg.project, target: pkg.target.id, reason: pkg.excludedBy, locations: [...pkg.locations] });
          continue;
        }
        findings.push({
          ...assess(pkg, knowledge.get(pkg.name)),
          project: pkg.project,
          groups: [...pkg.groups],
          locations: [...pkg.locations],
          via: [...pkg.via],
          unchecked: [...pkg.unchecked],
        });
      }
    }
  } finally {
    if (!options.client) await client.close();
  }
  progress.stage = 'done';
  progress.current = null;
  report(true);

  for (const warning of client.warnings) errors.push({ kind: 'index', severity: 'warning', message: redactUrlsIn(warning) });
  // One warning per index that failed; "unreachable" only when none answered. Messages name an index
  // by scheme, host and port (its path may be a token); `url` holds the whole URL of the one index
  // a problem is about, redacted, which the text report shows only with --verbose.
  const health = client.indexHealth();
  const failing = health.filter((h) => h.failed > 0);
  const indexReachable = failing.length === 0 || health.some((h) => h.answered > 0);
  if (indexReachable) {
    for (const h of failing) errors.push({ kind: 'index', severity: 'warning', message: `index ${h.index} failed ${h.failed} time(s) and was skipped there: ${h.firstError ?? 'no answer'}`, url: redactUrl(h.url) });
  } else {
    const message = `no index could be reached (${failing.map((h) => `${h.index}: ${h.firstError ?? 'no answer'}`).join('; ')})`;
    errors.push({ kind: 'index', severity: 'error', message, ...(failing.length === 1 ? { url: redactUrl(failing[0]!.url) } : {}) });
  }

  // Where the code imports each package (issue 16): before the advice, which uses it.
  const usage =
    options.usage === false
      ? null
      : await usageForScan(
          projects.map((p) => ({ root: p.root, declared: p.requirements.map((r) => r.normalizedName) })),
          findings,
          { cwd, paths, exclude: options.exclude ?? [], gitignore: options.gitignore !== false, ...(options.venv !== undefined ? { venv: options.venv } : {}), cacheDir: client.cacheDir },
        );

  const result: ScanResult = {
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
    projects: projects.map((p) => p.root),
    requirements: reportRequirements(projects),
    findings: sortFindings(usage ? usage.findings : findings),
    notInstalled,
    errors,
    indexReachable,
    ...(usage ? { usage: { projects: usage.summaries } } : {}),
  };
  if (options.djangoSettings !== false) Object.assign(result, withDjangoSettings(result, cwd));
  // With no index, every finding is "unknown": no rule can be told stale, and none hides anything
  // the exit code would not already report.
  return withAdvice(options.ignores && options.ignores.length > 0 && indexReachable ? applyIgnores(result, options.ignores, options.today) : result);
}

function relativePath(cwd: string, p: string): string {
  return path.relative(cwd, path.resolve(cwd, p)).split(path.sep).join('/');
}

function isUnder(file: string, dir: string): boolean {
  return dir === '' || file === dir || file.startsWith(`${dir}/`);
}

function sortFindings(findings: Finding[]): Finding[] {
  return findings.sort(
    (a, b) => severityPosition(a.severity) - severityPosition(b.severity) || a.project.localeCompare(b.project) || a.name.localeCompare(b.name) || a.target.localeCompare(b.target),
  );
}
