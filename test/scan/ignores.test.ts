/**
 * Ignores: a finding the team has decided to live with stays in the report with its reason, and no
 * longer fails the run, until the day the decision lapses. The clock is injected.
 */
import { describe, expect, it } from 'vitest';
import { applyIgnores, today, type IgnoreRule } from '../../src/scan/ignores.js';
import type { Finding, ScanResult } from '../../src/scan/types.js';

const TARGETS = [
  { id: 'pypy3.11-7.3-manylinux_x86_64', interpreter: 'pypy3.11-7.3', implementation: 'pypy' as const, pythonVersion: '3.11.13', abi: 'pypy311_pp73', platform: 'manylinux_x86_64', baseline: 'glibc 2.28' },
  { id: 'pypy3.11-8.0-manylinux_x86_64', interpreter: 'pypy3.11-8.0', implementation: 'pypy' as const, pythonVersion: '3.11.13', abi: 'pypy311_pp80', platform: 'manylinux_x86_64', baseline: 'glibc 2.28' },
];
const finding = (name: string, target: string, fields: Partial<Finding> = {}): Finding =>
  ({ name, target, severity: 'error', verdict: 'known-broken', project: '.', version: '1', file: null, evidence: ['e'], suggestion: null, groups: ['main'], locations: [], via: [], unchecked: [], ...fields }) as Finding;
const result = (findings: Finding[]): ScanResult => ({ schemaVersion: 1, tool: { name: 'pypy-ready', version: '0' }, targets: TARGETS, projects: ['.'], requirements: [], findings, notInstalled: [], errors: [], indexReachable: true });
const rule = (fields: Partial<IgnoreRule>): IgnoreRule => ({ package: 'psycopg2-binary', reason: 'only the CPython web tier uses it', file: 'pyproject.toml', line: 12, ...fields });
const [T73, T80] = TARGETS.map((t) => t.id) as [string, string];

describe('applying ignores', () => {
  it('marks the matching findings with the reason and the rule; the names compare as PEP 503 names', () => {
    const out = applyIgnores(result([finding('psycopg2-binary', T73), finding('orjson', T73)]), [rule({ package: 'Psycopg2_Binary' })], '2026-12-02');
    expect(out.findings[0]!.ignored).toEqual({ reason: 'only the CPython web tier uses it', rule: 'pyproject.toml:12' });
    expect(out.findings[1]!.ignored).toBeUndefined();
    expect(out.errors).toEqual([]);
  });

  it('narrows by verdict and by target (its id or its interpreter)', () => {
    const findings = [finding('lxml', T73, { verdict: 'native-wheel', severity: 'info' }), finding('lxml', T80, { verdict: 'abi-mismatch', severity: 'warning' })];
    const byVerdict = applyIgnores(result(findings), [rule({ package: 'lxml', verdict: 'native-wheel' })], '2026-12-02');
    expect(byVerdict.findings.map((f) => f.ignored !== undefined)).toEqual([true, false]);
    const byInterpreter = applyIgnores(result(findings), [rule({ package: 'lxml', target: 'pypy3.11-8.0' })], '2026-12-02');
    expect(byInterpreter.findings.map((f) => f.ignored !== undefined)).toEqual([false, true]);
    const byId = applyIgnores(result(findings), [rule({ package: 'lxml', target: T73 })], '2026-12-02');
    expect(byId.findings.map((f) => f.ignored !== undefined)).toEqual([true, false]);
  });

  it('applies before its until day and lapses on it: the finding counts again and says the ignore expired', () => {
    const rules = [rule({ until: '2027-03-01' })];
    const before = applyIgnores(result([finding('psycopg2-binary', T73)]), rules, '2027-02-28');
    expect(before.findings[0]!.ignored).toEqual({ reason: 'only the CPython web tier uses it', until: '2027-03-01', rule: 'pyproject.toml:12' });
    for (const day of ['2027-03-01', '2028-01-01']) {
      const after = applyIgnores(result([finding('psycopg2-binary', T73)]), rules, day);
      expect(after.findings[0]!.ignored).toBeUndefined();
      expect(after.findings[0]!.ignoreExpired).toEqual({ reason: 'only the CPython web tier uses it', until: '2027-03-01', rule: 'pyproject.toml:12' });
      expect(after.errors).toEqual([]); // it matched: lapsed, not stale
    }
  });

  it('a rule that matches nothing, or only fine packages, is reported as stale with its file and line', () => {
    const out = applyIgnores(result([finding('django', T73, { severity: 'ok', verdict: 'pure' })]), [rule({ package: 'django', reason: 'x' }), rule({ package: 'ujson', verdict: 'native-wheel', target: 'pypy3.11-7.3', line: 20 })], '2026-12-02');
    expect(out.findings[0]!.ignored).toBeUndefined();
    expect(out.errors).toEqual([
      { kind: 'config', severity: 'warning', file: 'pyproject.toml', line: 12, message: 'the ignore of django matches no finding: it is stale, remove it' },
      { kind: 'config', severity: 'warning', file: 'pyproject.toml', line: 20, message: 'the ignore of ujson (native-wheel) on pypy3.11-7.3 matches no finding: it is stale, remove it' },
    ]);
  });

  it('today is the UTC calendar day', () => {
    expect(today(new Date('2027-02-28T23:59:59-05:00'))).toBe('2027-03-01');
  });
});
