/**
 * `verify`'s pipeline: the scan's prediction for the PyPy at hand, then the real thing on that PyPy
 * (pip's resolution, a temporary venv, one install per package, one import per top-level module),
 * compared package by package, and the measurements added to the findings as evidence.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { worseSeverity } from '../assess/types.js';
import { loadManifests, type ManifestProject } from '../manifests/index.js';
import { canonicalizeName } from '../pep/names.js';
import { resolveIndexSettings } from '../pypi/settings.js';
import { indexFromManifests, scan, type PipOptions, type ScanOptions } from '../scan/scan.js';
import type { Finding, ScanResult } from '../scan/types.js';
import { oneLine, redactUrlsIn } from '../safe-text.js';
import { measuredKey, type MeasuredMark } from '../tui/model.js';
import { compare, type Comparison, type Measurement, type Prediction } from './compare.js';
import { findDistInfo, importModule, topLevelModules, type ImportResult } from './imports.js';
import { createVenv, installOne, lastLine, pipEnv, type InstallOutcome } from './install.js';
import type { VerifyInterpreter } from './interpreter.js';
import { parsePipReport, unsatisfiedRequirement, type PipChoice } from './pip-report.js';
import { runProcess } from './run.js';

export interface VerifyOptions {
  /** The scan's options; targets are replaced by the interpreter's. */
  scan: ScanOptions;
  interpreter: VerifyInterpreter;
  keep: boolean;
  timeoutPerPackageMs: number;
  importTimeoutMs: number;
  signal: AbortSignal;
  /** One line at a time, for stderr. */
  onProgress?: (line: string) => void;
}

export interface PackageVerification {
  project: string;
  name: string;
  version: string | null;
  prediction: Prediction | null;
  measurement: Measurement;
  comparison: Comparison;
  /** The package's install and import log (kept), or null. */
  log: string | null;
}

export interface ProjectSetup {
  project: string;
  /** The kept environment (`--keep`), or null. */
  environment: string | null;
  /** A step before the per-package work failed (venv, pip's resolution): every package is "not measured". */
  error: string | null;
  pipVersion: string | null;
  /** pip's resolution log. */
  resolutionLog: string;
}

export interface VerifyResult {
  result: ScanResult;
  packages: PackageVerification[];
  projects: ProjectSetup[];
  logsDir: string;
  seconds: number;
  interrupted: boolean;
}

/** pip's file-choice options, as on pip's command line (they hold no secrets). */
export function pipArgsOf(pip: PipOptions | undefined): string[] {
  return [
    ...(pip?.onlyBinary ?? []).flatMap((v) => ['--only-binary', v]),
    ...(pip?.noBinary ?? []).flatMap((v) => ['--no-binary', v]),
    ...(pip?.preferBinary ? ['--prefer-binary'] : []),
    ...(pip?.pre ? ['--pre'] : []),
  ];
}

/**
 * A project's direct requirements by URL or VCS reference (`name @ https://...`), as written
 * (credentials included: pip needs them), by normalised name. The report's requirements carry no
 * URL, so they come from the manifests. Local paths are the project's own code, which the scan
 * does not judge.
 */
export function directUrlsOf(manifest: ManifestProject | undefined): Map<string, string> {
  const urls = new Map<string, string>();
  for (const r of manifest?.requirements ?? []) if (r.direct && r.kind === 'requirement' && r.url !== null && r.localPath === null && !r.editable) urls.set(r.normalizedName, r.url);
  return urls;
}

/**
 * A project's requirements as pip reads them (direct ones the scan assessed; a URL requirement
 * with its URL) and its locked or pinned versions as constraints.
 */
export function pipInputOf(result: ScanResult, project: string, target: string, directUrls: ReadonlyMap<string, string> = new Map()): { requirements: Array<{ name: string; line: string }>; constraints: string[] } {
  const assessed = new Set(result.findings.filter((f) => f.project === project && f.target === target && f.via.length === 0).map((f) => f.name));
  const lines = new Map<string, { name: string; line: string }>();
  const constraints = new Set<string>();
  for (const r of result.requirements) {
    if (r.project !== project) continue;
    if (r.direct && assessed.has(r.name)) {
      const url = directUrls.get(r.name);
      // PEP 508: a space before the marker's `;`, or it would be read as part of the URL.
      const line = `${r.name}${r.extras.length > 0 ? `[${r.extras.join(',')}]` : ''}${url !== undefined ? ` @ ${url}` : r.specifier}${r.marker ? ` ; ${r.marker}` : ''}`;
      lines.set(line, { name: r.name, line });
    } else if (!r.direct && r.version !== null) {
      constraints.add(`${r.name}==${r.version}${r.marker ? ` ; ${r.marker}` : ''}`);
    }
  }
  return { requirements: [...lines.values()], constraints: [...constraints] };
}

/** What the manifests tell pip about where to look: index URLs, `--find-links`, `--trusted-host`. */
export interface ManifestIndex {
  indexUrl?: string;
  extraIndexUrls: string[];
  /** URLs and absolute paths only (a relative one was written relative to a file whose folder is no longer known here), none with a space (pip splits the variable on spaces). */
  findLinks?: string[];
  trustedHosts?: string[];
}

/** Index settings that the manifests declare (`-i`/`--index-url`/`--extra-index-url`/`--find-links`/`--trusted-host` lines), merged across projects as the scan merges them. */
export function manifestIndexOf(manifests: readonly ManifestProject[]): ManifestIndex {
  const { indexUrl, extraIndexUrls } = indexFromManifests(manifests);
  const findLinks = [...new Set(manifests.flatMap((p) => p.indexOptions.findLinks))].filter((l) => (/^[a-z][a-z0-9+.-]*:\/\//i.test(l) || isAbsolute(l)) && !/\s/.test(l));
  const trustedHosts = [...new Set(manifests.flatMap((p) => p.indexOptions.trustedHosts))];
  return { ...(indexUrl !== undefined ? { indexUrl } : {}), extraIndexUrls, ...(findLinks.length > 0 ? { findLinks } : {}), ...(trustedHosts.length > 0 ? { trustedHosts } : {}) };
}

/**
 * The index settings pip gets, in its environment (never on its command line, where `ps` shows
 * them): the command line's, then the manifests', then the environment's, as the scan chose them.
 */
export function indexEnv(scanOptions: ScanOptions, manifest: ManifestIndex = { extraIndexUrls: [] }): Record<string, string> {
  const settings = resolveIndexSettings({
    options: { ...(scanOptions.index?.indexUrl !== undefined ? { indexUrl: scanOptions.index.indexUrl } : {}), ...(scanOptions.index?.extraIndexUrls ? { extraIndexUrls: scanOptions.index.extraIndexUrls } : {}) },
    manifest: { ...(manifest.indexUrl !== undefined ? { indexUrl: manifest.indexUrl } : {}), extraIndexUrls: manifest.extraIndexUrls },
    env: scanOptions.env ?? {},
  });
  // pip reads a list option from its environment split on whitespace.
  return {
    PIP_INDEX_URL: settings.indexUrl,
    ...(settings.extraIndexUrls.length > 0 ? { PIP_EXTRA_INDEX_URL: settings.extraIndexUrls.join(' ') } : {}),
    ...(manifest.findLinks?.length ? { PIP_FIND_LINKS: manifest.findLinks.join(' ') } : {}),
    ...(manifest.trustedHosts?.length ? { PIP_TRUSTED_HOST: manifest.trustedHosts.join(' ') } : {}),
  };
}

const logName = (name: string): string => name.replace(/[^a-z0-9._-]/gi, '_');

/** The measured facts as evidence on each finding; a package that failed on the real PyPy is an error. */
export function withMeasurements(result: ScanResult, packages: readonly PackageVerification[], label: string): ScanResult {
  const byKey = new Map(packages.map((p) => [`${p.project}\0${p.name}`, p]));
  const findings = result.findings.map((f): Finding => {
    const p = byKey.get(`${f.project}\0${f.name}`);
    if (!p) return f;
    const word = p.comparison.agreement === 'agree' ? 'agrees with the prediction' : p.comparison.agreement === 'better' ? 'better than predicted' : 'DISAGREES with the prediction';
    return {
      ...f,
      severity: p.comparison.failed ? worseSeverity(f.severity, 'error') : f.severity,
      evidence: [`measured on ${label}: ${p.comparison.sentence} (${word})`, ...f.evidence],
    };
  });
  return { ...result, findings };
}

/** The measurements as the interactive audit marks them beside each prediction. */
export function measuredMarks(packages: readonly PackageVerification[]): Map<string, MeasuredMark> {
  return new Map(packages.map((p) => [measuredKey(p.project, p.name), { status: p.comparison.status, agreement: p.comparison.agreement, failed: p.comparison.failed }]));
}

export async function runVerify(options: VerifyOptions): Promise<VerifyResult> {
  const started = Date.now();
  const { interpreter, signal } = options;
  const say = (line: string): void => options.onProgress?.(line);
  const scanned = await scan({
    ...options.scan,
    targets: [interpreter.targetId],
    targetOptions: { ...options.scan.targetOptions, platform: interpreter.platform, ...interpreter.platformOptions },
  });
  const target = scanned.targets[0]!.id;
  // Read again for what the report leaves out: index URLs and direct URLs, with their credentials.
  const manifests = scanned.indexReachable ? await loadManifests(options.scan.paths ?? ['.'], { cwd: options.scan.cwd ?? process.cwd(), env: options.scan.env ?? process.env, exclude: options.scan.exclude ?? [], gitignore: options.scan.gitignore !== false }) : [];
  const pipIndexEnv = indexEnv(options.scan, manifestIndexOf(manifests));
  const logsDir = mkdtempSync(join(tmpdir(), 'pypy-ready-verify-logs-'));
  const packages: PackageVerification[] = [];
  const projects: ProjectSetup[] = [];
  const baseEnv = { ...(options.scan.env ?? {}) };
  const pipArgs = pipArgsOf(options.scan.pip);

  // Nothing answered: the scan says so (exit 3), and pip would not fare better.
  const projectsToMeasure = scanned.indexReachable ? scanned.projects : [];
  for (const project of projectsToMeasure) {
    const findings = scanned.findings.filter((f) => f.project === project && f.target === target);
    const predictionOf = (name: string): Prediction | null => {
      const f = findings.find((x) => x.name === name);
      return f ? { verdict: f.verdict, file: f.file } : null;
    };
    const work = mkdtempSync(join(tmpdir(), 'pypy-ready-verify-'));
    const setup: ProjectSetup = { project, environment: null, error: null, pipVersion: null, resolutionLog: join(logsDir, `${logName(project || 'project')}-resolution.log`) };
    projects.push(setup);
    const measured = new Map<string, { measurement: Measurement; log: string | null }>();
    try {
      if (signal.aborted) break;
      const { PIP_EXTRA_INDEX_URL: _extra, ...userEnv } = baseEnv;
      const env = pipEnv({ ...userEnv, ...pipIndexEnv }, work);
      const directUrls = directUrlsOf(manifests.find((m) => m.root === project));
      say(`pypy-ready verify: creating a temporary environment in ${join(work, 'venv')}`);
      const venv = await createVenv(interpreter.path, join(work, 'venv'), env, signal, setup.resolutionLog);
      if ('error' in venv) {
        setup.error = venv.error;
      } else {
        const { requirements, constraints } = pipInputOf(scanned, project, target, directUrls);
        let remaining = requirements;
        const refused = new Map<string, string>();
        let choices: PipChoice[] = [];
        // pip stops at the first requirement it cannot satisfy: that one is noted, its root taken out, and pip asked again.
        for (;;) {
          if (signal.aborted) break;
          if (remaining.length === 0) break;
          const reqFile = join(work, 'requirements.txt');
          const consFile = join(work, 'constraints.txt');
          writeFileSync(reqFile, `${remaining.map((r) => r.line).join('\n')}\n`, { mode: 0o600 });
          writeFileSync(consFile, `${constraints.join('\n')}\n`, { mode: 0o600 });
          const reportFile = join(work, 'report.json');
          rmSync(reportFile, { force: true });
          say(`pypy-ready verify: asking pip ${remaining.length === requirements.length ? '' : 'again '}for its resolution of ${remaining.length} requirement(s)`);
          const run = await runProcess(venv.python, ['-m', 'pip', 'install', '--dry-run', '--ignore-installed', '--quiet', '--report', reportFile, ...pipArgs, '-r', reqFile, '-c', consFile], {
            env,
            cwd: work,
            timeoutMs: options.timeoutPerPackageMs * Math.max(1, remaining.length),
            logFile: setup.resolutionLog,
            signal,
          });
          if (run.aborted) break;
          if (run.code === 0) {
            const report = parsePipReport(readFileSync(reportFile, 'utf8'));
            setup.pipVersion = report.pipVersion;
            choices = report.install;
            break;
          }
          const log = `${run.stdout}\n${run.stderr}`;
          const missing = unsatisfiedRequirement(log);
          const roots = missing === null ? [] : [missing, ...findings.filter((f) => f.name === missing && f.via.length > 0).map((f) => f.via[0]!)];
          const next = remaining.filter((r) => !roots.includes(r.name));
          if (missing === null || next.length === remaining.length) {
            setup.error = run.timedOut ? "pip's resolution timed out" : /\b401\b|User for /.test(log) ? "pip's resolution failed: the index asked for credentials (give them in the index URL or in ~/.netrc)" : `pip's resolution failed: ${lastLine(run.stderr || run.stdout)}`;
            break;
          }
          refused.set(missing, oneLine(redactUrlsIn(/(No matching distribution found for [^\n]*)/.exec(log)?.[1] ?? `nothing satisfies ${missing}`), 160));
          remaining = next;
        }
        for (const [name, reason] of refused) measured.set(name, { measurement: { kind: 'refused', reason }, log: setup.resolutionLog });
        for (const choice of choices) {
          if (signal.aborted) break;
          const log = join(logsDir, `${logName(project || 'project')}-${logName(choice.name)}.log`);
          say(`pypy-ready verify: installing ${choice.name} ${choice.version} (${choice.file})`);
          // pip's report redacts a URL's credentials: the manifest's own URL is what pip can fetch.
          const requirement = choice.isDirect ? `${choice.name} @ ${directUrls.get(choice.name) ?? choice.url}` : `${choice.name}==${choice.version}`;
          const install: InstallOutcome = await installOne(venv, choice, requirement, { env, work, pipArgs, timeoutMs: options.timeoutPerPackageMs, logFile: log, signal });
          const imports: ImportResult[] = [];
          if (install.kind === 'wheel' || install.kind === 'built') {
            const distInfo = findDistInfo(venv.sitePackages, choice.name, choice.version);
            for (const module of distInfo === null ? [] : topLevelModules(distInfo)) {
              if (signal.aborted) break;
              imports.push(await importModule(venv.python, module, { env, cwd: work, timeoutMs: options.importTimeoutMs, signal, logFile: log }));
            }
          }
          measured.set(choice.name, { measurement: { kind: 'installed', choice, install, imports }, log });
        }
        if (options.keep && !signal.aborted) setup.environment = venv.dir;
      }
    } finally {
      // The environment goes unless it was asked for (and never after Ctrl-C); the logs stay.
      if (!(options.keep && !signal.aborted)) rmSync(work, { recursive: true, force: true });
      else {
        // A kept environment keeps no copy of the index's or a URL's credentials.
        rmSync(join(work, 'pip-cache'), { recursive: true, force: true });
        for (const file of readdirSync(work)) if (file.endsWith('.txt') || file === 'report.json') rmSync(join(work, file), { force: true });
      }
    }
    const names = new Set([...findings.map((f) => f.name), ...measured.keys()]);
    for (const name of [...names].sort()) {
      const m = measured.get(name);
      const measurement: Measurement = m?.measurement ?? (setup.error !== null ? { kind: 'skipped', reason: setup.error } : signal.aborted ? { kind: 'skipped', reason: 'interrupted' } : { kind: 'absent' });
      const prediction = predictionOf(name);
      const finding = findings.find((f) => f.name === name);
      const version = measurement.kind === 'installed' ? measurement.choice.version : (finding?.version ?? null);
      const comparison = compare(prediction, measurement);
      // A step before the packages failed: nothing was shown to work.
      if (measurement.kind === 'skipped' && setup.error !== null) comparison.failed = true;
      packages.push({ project, name: canonicalizeName(name), version, prediction, measurement, comparison, log: m?.log ?? null });
    }
    if (signal.aborted) break;
  }
  return {
    result: withMeasurements(scanned, packages, interpreter.label),
    packages,
    projects,
    logsDir,
    seconds: (Date.now() - started) / 1000,
    interrupted: signal.aborted,
  };
}
