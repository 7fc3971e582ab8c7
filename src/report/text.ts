/**
 * Plain-text report for terminals and logs: grouped by severity, one line per package and target
 * with its verdict and fix, the evidence indented under it, and counts at the end. Everything that
 * came from manifests or the index is stripped of control characters.
 */
import { SEVERITIES, type Severity } from '../assess/types.js';
import type { Finding, ScanResult } from '../scan/types.js';
import { inline } from './terminal.js';

export interface TextOptions {
  color?: boolean;
  /** Show evidence for ok findings too (default: only for info and worse). */
  verbose?: boolean;
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

function paint(text: string, code: string, enabled: boolean): string {
  return enabled ? `\u001b[${code}m${text}\u001b[0m` : text;
}

function where(finding: Finding): string {
  const location = finding.locations[0];
  const at = location ? `${inline(location.file)}:${location.line}` : '';
  const via = finding.via.length > 0 ? `via ${finding.via.map(inline).join(' > ')}` : '';
  return [at, via].filter(Boolean).join(', ');
}

function findingLines(finding: Finding, options: TextOptions): string[] {
  const version = finding.version ? ` ${inline(finding.version)}` : '';
  const place = where(finding);
  const head = `  ${inline(finding.name)}${version} [${finding.target}] ${finding.verdict}${place ? `  (${place})` : ''}`;
  const lines = [paint(head, COLORS[finding.severity], options.color === true)];
  if (finding.suggestion) lines.push(`      fix: ${inline(finding.suggestion)}`);
  if (finding.severity !== 'ok' || options.verbose) {
    for (const fact of finding.evidence) lines.push(`      - ${inline(fact)}`);
  }
  return lines;
}

export function renderText(result: ScanResult, options: TextOptions = {}): string {
  const out: string[] = [];
  const targets = result.targets.map((t) => `${t.id} (${t.abi}, ${t.baseline})`).join(', ');
  out.push(`pypy-ready ${result.tool.version}: ${result.requirements.length} requirement(s), ${new Set(result.findings.map((f) => f.name)).size} package(s) assessed on ${targets}`);

  for (const severity of ORDER) {
    const group = result.findings.filter((f) => f.severity === severity);
    if (group.length === 0) continue;
    out.push('', paint(`${HEADINGS[severity]} (${severity}: ${group.length})`, COLORS[severity], options.color === true));
    for (const finding of group) out.push(...findingLines(finding, options));
  }

  if (result.errors.length > 0) {
    out.push('', `Problems reading input (${result.errors.length}):`);
    for (const error of result.errors) out.push(`  ${inline(error.message)}`);
  }

  const counts = SEVERITIES.map((s) => [s, result.findings.filter((f) => f.severity === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`);
  out.push('', `Summary: ${counts.length ? counts.join(', ') : 'nothing to assess'}${result.errors.length ? `; ${result.errors.length} input problem(s)` : ''}`);
  return `${out.join('\n')}\n`;
}
