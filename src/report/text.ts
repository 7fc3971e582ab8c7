/**
 * Plain-text report for terminals and logs. One entry per package, in the section of its worst
 * severity; under it one line per target (verdict, version, the file pip would install), then the fix
 * and the evidence. Packages that are fine on every target are listed compactly. Everything that came
 * from manifests or the index is stripped of control characters.
 */
import { SEVERITIES, SEVERITY_RANK, type Severity } from '../assess/types.js';
import type { Finding, ScanResult } from '../scan/types.js';
import { inline } from './terminal.js';

export interface TextOptions {
  color?: boolean;
  /** Show every package in full, the fine ones too. */
  verbose?: boolean;
  /** Wrap the compact list of fine packages at this width. */
  width?: number;
}

const HEADINGS: Record<Severity, string> = {
  error: 'Will not install or will not work',
  warning: 'Needs attention',
  unknown: 'Could not be assessed',
  info: 'Works, with notes',
  ok: 'Works',
};

const ORDER: Severity[] = ['error', 'warning', 'unknown', 'info', 'ok'];
const COLORS: Record<Severity, string> = { error: '31', warning: '33', unknown: '35', info: '36', ok: '32' };

function paint(text: string, severity: Severity, enabled: boolean): string {
  return enabled ? `\u001b[${COLORS[severity]}m${text}\u001b[0m` : text;
}

function worst(findings: readonly Finding[]): Severity {
  return findings.reduce<Severity>((acc, f) => (SEVERITY_RANK[f.severity] > SEVERITY_RANK[acc] ? f.severity : acc), 'ok');
}

function where(finding: Finding): string {
  const location = finding.locations[0];
  const at = location ? `${inline(location.file)}:${location.line}` : '';
  const via = finding.via.length > 0 ? `via ${finding.via.map(inline).join(' > ')}` : '';
  return [at, via].filter(Boolean).join(', ');
}

/** Findings of one package that say the same thing on several targets are shown once. */
function sameStory(a: Finding, b: Finding): boolean {
  return a.verdict === b.verdict && a.version === b.version && a.file === b.file && a.suggestion === b.suggestion;
}

function packageLines(findings: readonly Finding[], label: (targetId: string) => string, options: TextOptions): string[] {
  const first = findings[0]!;
  const place = where(first);
  const lines = [`  ${inline(first.name)}${place ? `  (${place})` : ''}`];
  const clusters: Finding[][] = [];
  for (const finding of findings) {
    const cluster = clusters.find((c) => sameStory(c[0]!, finding));
    if (cluster) cluster.push(finding);
    else clusters.push([finding]);
  }
  for (const cluster of clusters) {
    const head = cluster[0]!;
    const targets = cluster.map((f) => label(f.target)).join(', ');
    const version = head.version ? ` ${inline(head.version)}` : '';
    const file = head.file ? ` -> ${inline(head.file)}` : '';
    lines.push(paint(`    ${targets}: ${head.verdict}${version}${file}`, head.severity, options.color === true));
    if (head.suggestion) lines.push(`      fix: ${inline(head.suggestion)}`);
    if (head.severity !== 'ok' || options.verbose) for (const fact of head.evidence) lines.push(`      - ${inline(fact)}`);
  }
  return lines;
}

function wrap(words: string[], width: number, indent: string): string[] {
  const lines: string[] = [];
  let line = indent;
  for (const word of words) {
    if (line.length + word.length + 2 > width && line.trim()) {
      lines.push(line.trimEnd());
      line = indent;
    }
    line += `${word}, `;
  }
  if (line.trim()) lines.push(line.replace(/, $/, ''));
  return lines;
}

export function renderText(result: ScanResult, options: TextOptions = {}): string {
  const out: string[] = [];
  // Short target labels when every target shares one platform.
  const platforms = new Set(result.targets.map((t) => t.platform));
  const label = (id: string): string => {
    const target = result.targets.find((t) => t.id === id);
    return target && platforms.size === 1 ? target.interpreter : id;
  };
  const targets = result.targets.map((t) => `${t.interpreter} (${t.abi})`).join(', ');
  const platform = platforms.size === 1 ? ` on ${[...platforms][0]} (${result.targets[0]!.baseline})` : '';
  const byName = new Map<string, Finding[]>();
  const targetOrder = (id: string): number => result.targets.findIndex((t) => t.id === id);
  for (const finding of [...result.findings].sort((a, b) => targetOrder(a.target) - targetOrder(b.target))) {
    if (!byName.has(finding.name)) byName.set(finding.name, []);
    byName.get(finding.name)!.push(finding);
  }
  out.push(`pypy-ready ${result.tool.version}: ${byName.size} package(s) from ${result.requirements.length} requirement(s), checked for ${targets}${platform}`);

  for (const severity of ORDER) {
    const packages = [...byName.values()].filter((findings) => worst(findings) === severity);
    if (packages.length === 0) continue;
    out.push('', paint(`${HEADINGS[severity]} (${severity}: ${packages.length})`, severity, options.color === true));
    if (severity === 'ok' && !options.verbose) {
      const names = packages.map((findings) => {
        const version = findings[0]!.version;
        return `${inline(findings[0]!.name)}${version ? ` ${inline(version)}` : ''}`;
      });
      out.push(...wrap(names, options.width ?? 100, '  '));
      continue;
    }
    for (const findings of packages) out.push(...packageLines(findings, label, options));
  }

  if (result.errors.length > 0) {
    out.push('', `Problems reading input (${result.errors.length}):`);
    for (const error of result.errors) out.push(`  ${inline(error.message)}`);
  }

  const counts = SEVERITIES.map((s) => [s, result.findings.filter((f) => f.severity === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`);
  out.push('', `Summary (package x target): ${counts.length ? counts.join(', ') : 'nothing to assess'}${result.errors.length ? `; ${result.errors.length} input problem(s)` : ''}`);
  return `${out.join('\n')}\n`;
}
