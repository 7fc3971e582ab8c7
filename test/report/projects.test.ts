/**
 * The per-project breakdown (issue 14) that every human report shows under its combined summary:
 * each package of a project counted once, by its worst target; ignored findings apart.
 */
import { describe, expect, it } from 'vitest';
import { formatProjectCounts, projectCounts, projectTableMarkdown } from '../../src/report/projects.js';
import type { Finding, ScanResult } from '../../src/scan/types.js';

const finding = (project: string, name: string, target: string, severity: Finding['severity'], extra: Partial<Finding> = {}): Finding =>
  ({ name, severity, target, project, version: '1', verdict: 'pure', file: null, evidence: [], suggestion: null, groups: ['main'], locations: [], via: [], unchecked: [], ...extra }) as Finding;
const result = (projects: string[], findings: Finding[]): ScanResult =>
  ({ schemaVersion: 1, tool: { name: 'pypy-ready', version: '0' }, targets: [], projects, requirements: [], findings, notInstalled: [], errors: [], indexReachable: true }) as ScanResult;

describe('projectCounts', () => {
  it('is empty for one project: the combined summary says it all', () => {
    expect(projectCounts(result(['.'], [finding('.', 'a', 't1', 'error')]))).toEqual([]);
  });

  it('counts each package once, by its worst target; unchecked dependencies are "not checked"; ignored apart; projects without findings too', () => {
    const counts = projectCounts(
      result(
        ['a', 'b', 'c'],
        [
          finding('a', 'x', 't1', 'error'),
          finding('a', 'x', 't2', 'warning'),
          finding('a', 'y', 't1', 'warning'),
          finding('a', 'y', 't2', 'unknown'),
          finding('a', 'z', 't1', 'ok', { unchecked: ['dep'] }),
          finding('a', 'w', 't1', 'unknown'),
          finding('b', 'x', 't1', 'error', { ignored: { reason: 'r', rule: 'x' } } as Partial<Finding>),
          finding('b', 'v', 't1', 'ok'),
        ],
      ),
    );
    expect(counts).toEqual([
      { project: 'a', packages: 4, blockers: 1, warnings: 1, notChecked: 2, ignored: 0 },
      { project: 'b', packages: 2, blockers: 0, warnings: 0, notChecked: 0, ignored: 1 },
      { project: 'c', packages: 0, blockers: 0, warnings: 0, notChecked: 0, ignored: 0 },
    ]);
    expect(counts.map(formatProjectCounts)).toEqual([
      '4 packages: 1 blocker, 1 warning, 2 not checked',
      '2 packages: 0 blockers, 0 warnings, 0 not checked, 1 ignored',
      '0 packages: 0 blockers, 0 warnings, 0 not checked',
    ]);
  });

  it('as a Markdown table: an Ignored column only when needed, at most so many rows, names escaped for a cell', () => {
    const many = Array.from({ length: 5 }, (_, i) => `p${i}`);
    const lines = projectTableMarkdown(projectCounts(result(many, [])), (t) => t.replace(/\|/g, '\\|'), 3);
    expect(lines).toEqual([
      '| Project | Packages | Blockers | Warnings | Not checked |',
      '| --- | --- | --- | --- | --- |',
      '| p0 | 0 | 0 | 0 | 0 |',
      '| p1 | 0 | 0 | 0 | 0 |',
      '| p2 | 0 | 0 | 0 | 0 |',
      '',
      '*and 2 more projects; the text and JSON reports list every one.*',
    ]);
  });
});
