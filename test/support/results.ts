import type { Finding, ReportTarget, ScanResult } from '../../src/scan/types.js';

/**
 * Hand-made scan results for the renderer tests: two PyPy targets on one platform, a finding that is
 * fine unless the fields say otherwise, a blocker's fields, and a result around findings.
 */
export const PP73: ReportTarget = { id: 'pypy3.11-7.3-manylinux_x86_64', interpreter: 'pypy3.11-7.3', implementation: 'pypy', pythonVersion: '3.11.13', abi: 'pypy311_pp73', platform: 'manylinux_x86_64', baseline: 'glibc 2.28' };
export const PP80: ReportTarget = { id: 'pypy3.11-8.0-manylinux_x86_64', interpreter: 'pypy3.11-8.0', implementation: 'pypy', pythonVersion: '3.11.13', abi: 'pypy311_pp80', platform: 'manylinux_x86_64', baseline: 'glibc 2.28' };

export function finding(name: string, target: ReportTarget, fields: Partial<Finding> = {}): Finding {
  return {
    name, version: '1.0', target: target.id, verdict: 'pure', severity: 'ok', file: `${name}-1.0-py3-none-any.whl`,
    evidence: [], suggestion: null, project: '.', groups: ['main'], locations: [{ file: 'requirements.txt', line: 1, column: 1 }], via: [], unchecked: [],
    ...fields,
  };
}

export const broken = (fields: Partial<Finding> = {}): Partial<Finding> => ({ verdict: 'known-broken', severity: 'error', file: 'x-1.0.tar.gz', suggestion: 'Replace with y', evidence: ['knowledge base: broken'], ...fields });

export function result(targets: ReportTarget[], findings: Finding[], extra: Partial<ScanResult> = {}): ScanResult {
  const projects = [...new Set(findings.map((f) => f.project))];
  return { schemaVersion: 1, tool: { name: 'pypy-ready', version: '0.1.0' }, targets, projects, requirements: [], findings, notInstalled: [], errors: [], indexReachable: true, ...extra };
}
