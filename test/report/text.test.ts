/**
 * The plain-text report of a ScanResult: the bottom line first (one line per target), blockers by
 * chain, then sections by severity, projects when there are several, groups, what was not checked,
 * and packages a marker leaves out (only with --verbose).
 */
import { describe, expect, it } from 'vitest';
import { renderText } from '../../src/report/text.js';
import type { Finding, ScanResult } from '../../src/scan/types.js';

const TARGET = { id: 'pypy3.11-8.0-manylinux_x86_64', interpreter: 'pypy3.11-8.0', implementation: 'pypy' as const, pythonVersion: '3.11.13', abi: 'pypy311_pp80', platform: 'manylinux_x86_64', baseline: 'glibc 2.28' };

function finding(name: string, fields: Partial<Finding> = {}): Finding {
  return {
    name, version: '1.0', target: TARGET.id, verdict: 'pure', severity: 'ok', file: `${name}-1.0-py3-none-any.whl`,
    evidence: ['best file'], suggestion: null, project: '.', groups: ['main'], locations: [{ file: 'requirements.txt', line: 1, column: 1 }], via: [], unchecked: [],
    ...fields,
  };
}

function result(findings: Finding[], extra: Partial<ScanResult> = {}): ScanResult {
  const projects = [...new Set(findings.map((f) => f.project))];
  return { schemaVersion: 1, tool: { name: 'pypy-ready', version: '0.1.0' }, targets: [TARGET], projects, requirements: [], findings, notInstalled: [], errors: [], indexReachable: true, ...extra };
}

describe('renderText', () => {
  it('starts with the bottom line, one line per target, then the header', () => {
    const lines = renderText(result([finding('django'), finding('private-lib', { verdict: 'unknown', severity: 'unknown', file: null })])).split('\n');
    expect(lines.slice(0, 3)).toEqual([
      'PyPy 3.11 (8.0): nothing blocks among the packages checked; 1 package not checked (private-lib).',
      '',
      'pypy-ready 0.1.0: 2 package(s) from 0 requirement(s), checked for pypy3.11-8.0 (pypy311_pp80) on manylinux_x86_64 (glibc 2.28)',
    ]);
  });

  it('colours each bottom line by the worst of its target, when colour is on', () => {
    const lines = renderText(result([finding('orjson', { verdict: 'known-broken', severity: 'error' })]), { color: true }).split('\n');
    expect(lines[0]).toBe('\u001b[31mPyPy 3.11 (8.0): 1 blocker (orjson).\u001b[0m');
    expect(renderText(result([finding('django')]), { color: true }).split('\n')[0]).toBe('\u001b[32mPyPy 3.11 (8.0): nothing blocks.\u001b[0m');
  });

  it('lists blockers by chain after the header, leaf blockers first, and only when something blocks', () => {
    const text = renderText(result([
      finding('mylib', { verdict: 'requires-python', severity: 'error', file: null }),
      finding('midlib', { via: ['mylib'] }),
      finding('orjson', { verdict: 'known-broken', severity: 'error', via: ['mylib', 'midlib'] }),
    ]));
    expect(text).toMatch(/^pypy-ready [^\n]*\n\nBlockers by chain \(2\):\n {2}orjson blocks you via mylib → midlib \(pypy3\.11-8\.0\)\n {2}mylib blocks you directly \(pypy3\.11-8\.0\)\n\nWill not install/m);
    expect(text.split('\n')[0]).toBe('PyPy 3.11 (8.0): 2 blockers (mylib, orjson).');
    expect(renderText(result([finding('django')]))).not.toMatch(/Blockers by chain/);
  });

  it('names the project of each blocker when there are several', () => {
    const text = renderText(result([finding('orjson', { project: 'api', verdict: 'known-broken', severity: 'error' }), finding('orjson', { project: 'worker', verdict: 'known-broken', severity: 'error', via: ['mylib'] })]));
    expect(text).toMatch(/^Blockers by chain \(2\):\n {2}api: orjson blocks you directly \(pypy3\.11-8\.0\)\n {2}worker: orjson blocks you via mylib \(pypy3\.11-8\.0\)$/m);
  });

  it('names each finding\'s group beside its manifest line', () => {
    const text = renderText(result([finding('psycopg2', { verdict: 'known-broken', severity: 'error', groups: ['optional:pg'], locations: [{ file: 'pyproject.toml', line: 9, column: 1 }] })]));
    expect(text).toMatch(/^ {2}psycopg2 {2}\(pyproject\.toml:9, group optional:pg\)$/m);
  });

  it('groups by project when there are several, and not otherwise', () => {
    const two = renderText(result([finding('django', { project: 'a', version: '4.2' }), finding('django', { project: 'b', version: '5.2' })]));
    expect(two).toMatch(/^Project a \(1 package\(s\)\)\n\n {2}Works \(ok: 1\)\n {4}django 4\.2$/m);
    expect(two).toMatch(/^Project b \(1 package\(s\)\)\n\n {2}Works \(ok: 1\)\n {4}django 5\.2$/m);
    expect(two).toMatch(/2 package\(s\) in 2 projects/);
    expect(renderText(result([finding('django')]))).not.toMatch(/^Project /m);
  });

  it('counts packages not fully checked in the summary', () => {
    const text = renderText(result([finding('a', { severity: 'warning', unchecked: ['dependencies not checked: HTTP 500'] }), finding('b', { verdict: 'unknown', severity: 'unknown' }), finding('c')]));
    expect(text).toMatch(/^Summary \(package x target\): 1 ok, 1 warning, 1 unknown; 2 package\(s\) not fully checked$/m);
  });

  it('lists packages a marker leaves out only with --verbose', () => {
    const r = result([finding('uvicorn')], { notInstalled: [{ name: 'uvloop', project: '.', target: TARGET.id, reason: 'only reached through edges whose markers exclude it', locations: [] }] });
    expect(renderText(r)).not.toMatch(/uvloop/);
    expect(renderText(r, { verbose: true })).toMatch(/^Not installed on this target, by marker \(1\):\n {2}uvloop on pypy3\.11-8\.0: only reached/m);
  });

  it('strips control characters that came from strangers', () => {
    const text = renderText(result([finding('evil', { severity: 'error', verdict: 'unknown', evidence: ['\u001b]0;pwned\u0007 x'] })]));
    expect(text).not.toMatch(/[\u0007\u001b]/);
  });
});
