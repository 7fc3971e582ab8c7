/**
 * SARIF 2.1.0 (issue 13), for GitHub code scanning and any other SARIF consumer.
 *
 * Shape:
 * - one `run` per target, in the scan's target order, each with `automationDetails.id`
 *   `pypy-ready/<target id>/`: GitHub takes everything before the last `/` as the analysis category,
 *   so each target is an analysis of its own and its alerts open and close independently;
 * - one rule per verdict (`pypy-ready/<verdict>`, all twelve in `VERDICTS` order in every run, so
 *   rule ids and indexes never change), each with short and full descriptions and `help` in text and
 *   Markdown: what the verdict means on PyPy and what to do;
 * - one result per finding that has something to say: `error` → level `error`, `warning` and
 *   `unknown` → `warning`, `info` → `note`. Findings of severity `ok` produce no result: a package
 *   that is fine is not an alert, and when a package becomes fine its alert closes because the next
 *   analysis no longer reports it. (A verdict that is fine by default, `pure` say, still produces a
 *   result when a yanked pin or an unchecked dependency raised its severity.)
 * - the result's location is the manifest line that declares the package (for a transitive one, the
 *   direct requirement that pulls it in); further declaring lines become `relatedLocations`. A
 *   finding with no manifest line is put on line 1 of its project's first manifest (GitHub needs a
 *   file and a line for every alert), and says so (`properties.locationApproximate`); when the
 *   project has no manifest line at all, the result has no location.
 * - `partialFingerprints.primaryLocationLineHash`: a hash of rule id, project, file and package name,
 *   so an alert keeps its identity when lines move (the line is not part of it) and across runs. The
 *   target is not in it: each target is its own category, and fingerprints are compared within one.
 *
 * GitHub's limits: at most 20 runs per file, 25,000 results per run, 1,000 locations per result and
 *   10 MB gzipped per file. Beyond them a run keeps the worst results (SEVERITY_ORDER, then file,
 *   line and name) and says how many it dropped in `run.properties.truncated` and a warning
 *   notification in `invocations[0].toolExecutionNotifications`; targets beyond the 20th are left out
 *   and every kept run says which in a notification.
 *
 * Strangers' text (names, versions, evidence, paths, error messages): in `message.text` it is one
 *   line without control or bidi characters (`inline`), braces are doubled (SARIF §3.11.5) and
 *   `](n)` cannot form an embedded link (§3.11.6), and a message never starts with `::` (a workflow
 *   command, should a consumer print it to a CI log); in `properties` it is kept exactly. The whole
 *   document then has DEL, C1 controls, bidi marks and line separators `\u`-escaped like the JSON
 *   report (`escapeUnsafe`), and `<`, `>` and `&` too (HTML-safe JSON, as Go's encoder writes it),
 *   so the file can be shown in a terminal or embedded in a page without acting on either; it
 *   parses back to the same strings. `message.markdown` is never written: only our own help texts
 *   are Markdown.
 */
import { usedInLine } from './usage.js';
import { createHash } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { Invocation, Location, Log, Notification, ReportingDescriptor, Result, Run } from 'sarif';
import { DEFAULT_SEVERITY, VERDICTS, severityPosition, type Severity, type Verdict } from '../assess/types.js';
import type { Finding, ReportError, ReportLocation, ReportTarget, ScanResult } from '../scan/types.js';
import { targetLabel } from './bottom-line.js';
import type { RenderContext } from './index.js';
import { escapeUnsafe } from './json.js';
import { inline, neutraliseWorkflowCommands } from './terminal.js';

export const SARIF_SCHEMA_URI = 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json';
export const INFORMATION_URI = 'https://github.com/pypy-ready/pypy-ready';

/** GitHub code scanning's upload limits (docs: "SARIF results exceed limits"). */
export interface SarifLimits {
  runs: number;
  resultsPerRun: number;
  locationsPerResult: number;
  /** Bytes of the gzipped file. */
  gzippedBytes: number;
}

export const GITHUB_LIMITS: SarifLimits = { runs: 20, resultsPerRun: 25_000, locationsPerResult: 1_000, gzippedBytes: 10 * 1024 * 1024 };

type Level = 'error' | 'warning' | 'note';

const LEVEL: Record<Severity, Level | null> = { error: 'error', warning: 'warning', unknown: 'warning', info: 'note', ok: null };

export function ruleId(verdict: Verdict): string {
  return `pypy-ready/${verdict}`;
}

interface RuleText {
  name: string;
  /** A phrase that completes "<package> <version> on <target>: …". */
  summary: string;
  short: string;
  full: string;
  /** What to do, in Markdown (our own text only). */
  todo: string[];
  tags: string[];
}

const RULES: Record<Verdict, RuleText> = {
  'pypy-wheel': {
    name: 'PypyAbiWheel',
    summary: 'a wheel compiled for this PyPy ABI installs, and runs through cpyext',
    short: 'A compiled wheel for this PyPy ABI installs; it runs through cpyext',
    full:
      "A wheel built for exactly this PyPy ABI (for example pypy311_pp73) exists, so the package installs without a compiler. It is a C extension written against the CPython C API: PyPy runs it through cpyext, its emulation of that API, so calls into it get no JIT speed-up and can be slower than on CPython.",
    todo: [
      'Nothing blocks the move.',
      'If the package sits on a hot path, measure it on PyPy; where a pure-Python or CFFI alternative is suggested, prefer it.',
    ],
    tags: ['pypy', 'dependencies', 'performance', 'cpyext'],
  },
  'native-wheel': {
    name: 'NativeWheel',
    summary: 'a compiled wheel for this CPython installs',
    short: 'A compiled wheel for this CPython baseline installs',
    full: 'On a CPython baseline target, a compiled wheel for that CPython exists: the package installs without a compiler. This verdict only appears on CPython targets, which the report uses for comparison.',
    todo: ['Nothing to do for CPython. Compare with the PyPy targets of the same scan.'],
    tags: ['dependencies', 'cpython-baseline'],
  },
  pure: {
    name: 'PurePython',
    summary: 'pure Python, runs on PyPy under the JIT',
    short: 'Pure Python: installs everywhere and runs under the PyPy JIT',
    full: 'Only pure-Python distributions are published (a py3-none-any wheel, or the sdist of a pure package). The code runs under the PyPy JIT, usually faster than on CPython. It is only reported when something else raised its severity: a yanked release pinned exactly, or dependencies that could not be checked.',
    todo: ['Read the evidence and the unchecked list of the result: they say what raised it (a yanked pin to move off, or a dependency to check by hand).'],
    tags: ['pypy', 'dependencies', 'compatibility'],
  },
  'pure-fallback': {
    name: 'PureFallback',
    summary: 'compiled wheels exist for CPython only, and the package falls back to pure Python on PyPy',
    short: 'No PyPy wheel, but the package ships or builds a pure-Python fallback on PyPy',
    full: 'Compiled wheels exist for CPython only, but the package is known to ship or build a pure-Python implementation on PyPy (its C accelerator is optional). It installs and works; the JIT usually makes up for the missing accelerator.',
    todo: ['Nothing blocks the move.', 'If the sdist is built on PyPy, the build may still look for a compiler; it succeeds without one.'],
    tags: ['pypy', 'dependencies', 'compatibility'],
  },
  cffi: {
    name: 'Cffi',
    summary: "CFFI-based, PyPy's own fast path to C",
    short: "CFFI-based: PyPy's fast path to C",
    full: "The package binds C through CFFI, which PyPy supports natively and the JIT understands: calls into C are fast. When no wheel exists for the target, pip builds it from source, which needs a compiler and the library's headers.",
    todo: ['Nothing blocks the move.', 'If it is built from source, install a C compiler and the library headers in the PyPy image.'],
    tags: ['pypy', 'dependencies', 'compatibility', 'cffi'],
  },
  'source-build': {
    name: 'SourceBuild',
    summary: 'no wheel for this target, so pip builds it from source',
    short: 'No wheel for this target: pip builds it from source',
    full: 'No wheel matches the target, and pip falls back to the source distribution. For a compiled extension this needs a C compiler, Python headers and library headers at install time, and the result runs through cpyext (no JIT speed-up across the C boundary). When the package publishes only an sdist and no compiled wheel anywhere, it is probably pure Python (reported as a note).',
    todo: [
      'Install build tools (compiler, Python and library headers) in the PyPy image, and run the package tests there.',
      'Or replace it with a pure-Python or CFFI alternative, when the result suggests one.',
    ],
    tags: ['pypy', 'dependencies', 'build', 'cpyext'],
  },
  'abi-mismatch': {
    name: 'AbiMismatch',
    summary: 'wheels exist for another PyPy ABI series but not for this one',
    short: 'Wheels only for another PyPy ABI series (pp73 vs pp80)',
    full: 'The release has wheels for another PyPy ABI series of the same Python (for example pypy311_pp73) but not for this target ABI (pypy311_pp80). Those wheels do not load on this PyPy, so pip builds the sdist: a compiler and headers are needed, and the extension runs through cpyext.',
    todo: [
      'Target the PyPy release whose ABI the wheels carry (the bottom line says when another target installs them).',
      'Or ask upstream for wheels for this ABI, or build from source with a compiler and headers.',
    ],
    tags: ['pypy', 'dependencies', 'abi', 'build'],
  },
  'lost-pypy-wheels': {
    name: 'LostPypyWheels',
    summary: 'an older release had wheels for this target, the assessed one has none',
    short: 'Newer releases dropped the wheels for this target',
    full: 'An older release published wheels for this target, the assessed one does not: pip builds the sdist, falls back to an older release, or finds nothing to install (then it is an error).',
    todo: ['Pin the last release with wheels for the target (named in the result), or build the newer release from source.', 'Ask upstream whether PyPy wheels come back.'],
    tags: ['pypy', 'dependencies', 'wheels'],
  },
  'requires-python': {
    name: 'RequiresPython',
    summary: "the release excludes the target's Python version",
    short: "The release's Requires-Python excludes the target's Python",
    full: "The version that would be installed declares a Requires-Python that excludes the target interpreter's Python version (PyPy usually trails CPython by a version or two), so pip refuses it.",
    todo: ['Require a release that supports the target, for this target only (the result names the newest installable one).', 'Or move to a PyPy with a newer Python.'],
    tags: ['pypy', 'dependencies', 'python-version'],
  },
  'no-distribution': {
    name: 'NoDistribution',
    summary: 'nothing installs on this target',
    short: 'No compatible wheel and no source distribution',
    full: 'No release allowed by the requirement has a wheel for this target or a source distribution (with the pip options in force): pip cannot install it.',
    todo: ['Relax the requirement to a release that installs (the result names one when it exists).', 'Or keep this dependency on CPython, or find an alternative.'],
    tags: ['pypy', 'dependencies', 'compatibility'],
  },
  'known-broken': {
    name: 'KnownBroken',
    summary: 'known not to work on PyPy',
    short: 'Known not to work on PyPy',
    full: "The knowledge base records, with sources, that this package does not work on PyPy: it refuses to build, crashes, or misbehaves there, whatever the index offers.",
    todo: ['Replace it with the alternative the result names (it says whether that is a drop-in).', 'If there is none, keep this part of the system on CPython.'],
    tags: ['pypy', 'dependencies', 'compatibility', 'knowledge-base'],
  },
  unknown: {
    name: 'Unknown',
    summary: 'could not be assessed',
    short: 'Could not be assessed',
    full: 'The package is not on the index, the index did not answer, or it is installed from a URL or VCS that an index cannot describe. Unknown is not fine.',
    todo: ['Check the name, that the index is reachable and the credentials; check URL and VCS requirements by hand.'],
    tags: ['pypy', 'dependencies', 'unknown'],
  },
};

function ruleOf(verdict: Verdict): ReportingDescriptor {
  const text = RULES[verdict];
  const severity = DEFAULT_SEVERITY[verdict];
  return {
    id: ruleId(verdict),
    name: text.name,
    shortDescription: { text: `${text.short}.` },
    fullDescription: { text: text.full },
    defaultConfiguration: { level: LEVEL[severity] ?? 'note' },
    help: {
      text: `${text.full}\n\nWhat to do:\n${text.todo.map((t) => `- ${t}`).join('\n')}`,
      markdown: `**${text.short} (\`${verdict}\`)**\n\n${text.full}\n\n**What to do**\n\n${text.todo.map((t) => `- ${t}`).join('\n')}\n`,
    },
    properties: { tags: text.tags },
  };
}

/** Every rule, in verdict order: the same list, ids and indexes in every run of every scan. */
export const SARIF_RULES: readonly ReportingDescriptor[] = VERDICTS.map(ruleOf);

// ---------------------------------------------------------------- strangers' text in messages

/** One line, no control or bidi character, bounded. */
function clean(text: string, max = 300): string {
  const flat = inline(text).trim();
  return flat.length > max ? `${flat.slice(0, max - 3)}...` : flat;
}

/**
 * A plain text message string: braces doubled (no placeholder), `](n)` broken (no embedded link),
 * and no `::` at the start (a consumer that prints messages to a CI log must not run a workflow
 * command).
 */
function messageString(text: string): string {
  return neutraliseWorkflowCommands(text.replace(/[{}]/g, (c) => c + c).replace(/\]\((\d+)\)/g, '] ($1)'));
}

// ---------------------------------------------------------------- locations

/** A manifest path as a URI reference: relative paths against %SRCROOT%, absolute ones as file URLs. */
function artifactLocation(file: string): { uri: string; uriBaseId?: string } {
  const slashed = file.replace(/\\/g, '/');
  if (slashed.startsWith('/') || /^[A-Za-z]:\//.test(slashed)) return { uri: pathToFileURL(file).href };
  const segments = slashed.split('/').filter((s, i) => s !== '' && !(s === '.' && i === 0));
  return { uri: segments.map((s) => (s === '.' || s === '..' ? s : encodeURIComponent(s))).join('/'), uriBaseId: '%SRCROOT%' };
}

function physical(location: ReportLocation): Location {
  const region = Number.isInteger(location.line) && location.line >= 1 ? { startLine: location.line, ...(Number.isInteger(location.column) && location.column >= 1 ? { startColumn: location.column } : {}) } : undefined;
  return { physicalLocation: { artifactLocation: artifactLocation(location.file), ...(region ? { region } : {}) } };
}

/** Where a finding without a manifest line goes: line 1 of its project's first manifest. */
function fallbackLocation(result: ScanResult, project: string): ReportLocation | null {
  const requirement = result.requirements.find((r) => r.project === project);
  const file = requirement?.location.file ?? result.findings.find((f) => f.project === project && f.locations.length > 0)?.locations[0]?.file;
  return file === undefined ? null : { file, line: 1, column: 1 };
}

/** Stable across runs and line moves: no line, no column, no version, no target. */
export function fingerprint(verdict: Verdict, project: string, file: string | null, name: string): string {
  return createHash('sha256').update(JSON.stringify([ruleId(verdict), project, file === null ? null : artifactLocation(file).uri, name])).digest('hex').slice(0, 32);
}

// ---------------------------------------------------------------- results

const sentence = (text: string): string => (/[.!?]$/.test(text) ? text : `${text}.`);

function messageOf(finding: Finding, label: string, approximate: boolean): string {
  const parts = [`${clean(finding.name, 100)} ${finding.version === null ? '(no version)' : clean(finding.version, 60)} on ${label}, target ${finding.target}: ${RULES[finding.verdict].summary}.`];
  if (finding.suggestion) parts.push(sentence(`Fix: ${clean(finding.suggestion, 500)}`));
  if (finding.via.length > 0) parts.push(`Pulled in by ${finding.via.map((v) => clean(v, 100)).join(' > ')}.`);
  const used = usedInLine(finding);
  if (used !== null) parts.push(sentence(clean(used)));
  if (finding.unchecked.length > 0) parts.push(`Not fully checked: ${finding.unchecked.slice(0, 3).map((u) => clean(u)).join('; ')}.`);
  if (finding.evidence.length > 0) parts.push(`Evidence: ${finding.evidence.slice(0, 3).map((e) => clean(e)).join('; ')}.`);
  if (approximate) parts.push('No manifest line declares it: shown at the top of the project\'s first manifest.');
  return messageString(parts.join(' '));
}

interface Ranked {
  result: Result;
  severity: Severity;
  key: string;
}

function resultOf(finding: Finding, scanResult: ScanResult, limits: SarifLimits): Ranked | null {
  const level = LEVEL[finding.severity];
  if (level === null) return null;
  const primary = finding.locations[0] ?? fallbackLocation(scanResult, finding.project);
  const approximate = finding.locations.length === 0 && primary !== null;
  const related = finding.locations.slice(1, Math.max(1, limits.locationsPerResult));
  const result: Result = {
    ruleId: ruleId(finding.verdict),
    ruleIndex: VERDICTS.indexOf(finding.verdict),
    level,
    message: { text: messageOf(finding, clean(targetLabel(scanResult, finding.target), 100), approximate) },
    ...(primary ? { locations: [physical(primary)] } : {}),
    ...(related.length > 0 ? { relatedLocations: related.map((l, i) => ({ id: i + 1, ...physical(l), message: { text: 'also declared here' } })) } : {}),
    partialFingerprints: { primaryLocationLineHash: fingerprint(finding.verdict, finding.project, primary?.file ?? null, finding.name) },
    // An ignore of the configuration is SARIF's external suppression, accepted, with its reason.
    ...(finding.ignored ? { suppressions: [{ kind: 'external', status: 'accepted', justification: clean(`${finding.ignored.reason}${finding.ignored.until ? ` (until ${finding.ignored.until})` : ''}; ${finding.ignored.rule}`, 1000) }] } : {}),
    properties: {
      package: finding.name,
      version: finding.version,
      target: finding.target,
      verdict: finding.verdict,
      severity: finding.severity,
      project: finding.project,
      groups: finding.groups,
      via: finding.via,
      file: finding.file,
      suggestion: finding.suggestion,
      evidence: finding.evidence,
      ...(finding.usedIn !== undefined ? { usedIn: finding.usedIn, usedInCount: finding.usedInCount ?? finding.usedIn.length } : {}),
      ...(finding.imported !== undefined ? { imported: finding.imported } : {}),
      unchecked: finding.unchecked,
      ...(approximate ? { locationApproximate: true } : {}),
      ...(finding.locations.length > limits.locationsPerResult ? { locationsOmitted: finding.locations.length - limits.locationsPerResult } : {}),
    },
  };
  const key = [primary?.file ?? '', String(primary?.line ?? 0).padStart(9, '0'), String(primary?.column ?? 0).padStart(9, '0'), finding.name, finding.project].join('\u0000');
  return { result, severity: finding.severity, key };
}

function byRank(a: Ranked, b: Ranked): number {
  return severityPosition(a.severity) - severityPosition(b.severity) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
}

function notificationOf(error: ReportError): Notification {
  const location = error.file !== undefined ? physical({ file: error.file, line: error.line ?? 0, column: 0 }) : undefined;
  return {
    level: error.severity,
    message: { text: messageString(clean(error.message, 1000)) },
    ...(location ? { locations: [location] } : {}),
    properties: { kind: error.kind, ...(error.url !== undefined ? { url: error.url } : {}) },
  };
}

// ---------------------------------------------------------------- runs and the log

interface Prepared {
  target: ReportTarget;
  ranked: Ranked[];
}

function runOf(prepared: Prepared, scanResult: ScanResult, cap: number, dropped: readonly ReportTarget[], why: string): Run {
  const { target, ranked } = prepared;
  const kept = ranked.slice(0, cap);
  const notifications = scanResult.errors.map(notificationOf);
  if (kept.length < ranked.length) {
    notifications.push({
      level: 'warning',
      message: { text: `Only the ${kept.length} most severe of ${ranked.length} results are included (${why}); the JSON report has all of them.` },
      properties: { kind: 'truncated' },
    });
  }
  if (dropped.length > 0) {
    notifications.push({
      level: 'warning',
      message: { text: messageString(`GitHub accepts at most ${GITHUB_LIMITS.runs} runs in one file; these targets were left out: ${dropped.map((t) => clean(t.id, 100)).join(', ')}.`) },
      properties: { kind: 'targets-left-out', targets: dropped.map((t) => t.id) },
    });
  }
  const invocation: Invocation = {
    executionSuccessful: scanResult.indexReachable && !scanResult.errors.some((e) => e.severity === 'error'),
    ...(notifications.length > 0 ? { toolExecutionNotifications: notifications } : {}),
  };
  return {
    tool: {
      driver: {
        name: 'pypy-ready',
        version: scanResult.tool.version,
        semanticVersion: scanResult.tool.version,
        informationUri: INFORMATION_URI,
        rules: [...SARIF_RULES],
      },
    },
    automationDetails: { id: `pypy-ready/${target.id}/`, description: { text: messageString(`pypy-ready on ${clean(targetLabel(scanResult, target.id), 100)} (${clean(target.id, 100)})`) } },
    invocations: [invocation],
    columnKind: 'utf16CodeUnits',
    results: kept.map((r) => r.result),
    properties: {
      target,
      ...(kept.length < ranked.length ? { truncated: { results: ranked.length, kept: kept.length, reason: why } } : {}),
    },
  };
}

/** JSON that cannot act on a terminal or an HTML page, and parses back to the same strings. */
function serialise(log: Log): string {
  return `${escapeUnsafe(JSON.stringify(log, null, 2)).replace(/[<>&]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}\n`;
}

function gzippedSize(text: string): number {
  return gzipSync(Buffer.from(text, 'utf8')).length;
}

/**
 * The SARIF log of a scan. `limits` defaults to GitHub's (tests pass smaller ones); the rendering
 * context has nothing to say to SARIF (no colour, no width, and fine packages are never results).
 */
export function renderSarif(result: ScanResult, _context?: RenderContext, limits: SarifLimits = GITHUB_LIMITS): string {
  const targets = result.targets.slice(0, limits.runs);
  const dropped = result.targets.slice(limits.runs);
  const prepared: Prepared[] = targets.map((target) => ({
    target,
    ranked: result.findings
      .filter((f) => f.target === target.id)
      .map((f) => resultOf(f, result, limits))
      .filter((r): r is Ranked => r !== null)
      .sort(byRank),
  }));
  const render = (cap: number, why: string): string =>
    serialise({ $schema: SARIF_SCHEMA_URI, version: '2.1.0', runs: prepared.map((p) => runOf(p, result, cap, dropped, why)) });
  let cap = limits.resultsPerRun;
  let text = render(cap, `GitHub accepts at most ${limits.resultsPerRun} results per run`);
  // A file is at most as large gzipped as it is plain (plus a few bytes), so gzip only big ones;
  // halve the results per run until the file fits.
  while (Buffer.byteLength(text, 'utf8') > limits.gzippedBytes && gzippedSize(text) > limits.gzippedBytes && cap > 0) {
    cap = Math.floor(cap / 2);
    text = render(cap, `GitHub accepts at most ${limits.gzippedBytes} bytes gzipped per file`);
  }
  return text;
}

/** Levels by severity, for documentation and tests. */
export const SARIF_LEVELS: Readonly<Record<Severity, Level | null>> = LEVEL;
