/**
 * The unified diff `fix` prints, checked by the tools that read diffs: `git apply --check` and
 * `patch --dry-run` must accept it on the original file, and applying it must give the edited one.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { splitLines, unifiedDiff } from '../../src/fix/diff.js';

const dir = mkdtempSync(join(tmpdir(), 'pypy-ready-diff-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Applies the diff with git and with patch to copies of `before`; both must give `after`. */
function roundTrip(before: string, after: string): string {
  const diff = unifiedDiff('requirements.txt', before, after);
  for (const tool of ['git', 'patch'] as const) {
    const work = mkdtempSync(join(dir, `${tool}-`));
    writeFileSync(join(work, 'requirements.txt'), before);
    writeFileSync(join(work, 'fix.patch'), diff);
    if (tool === 'git') {
      execFileSync('git', ['apply', '--check', 'fix.patch'], { cwd: work, stdio: 'pipe' });
      execFileSync('git', ['apply', 'fix.patch'], { cwd: work, stdio: 'pipe' });
    } else {
      execFileSync('patch', ['-p1', '--dry-run', '--binary', '-i', 'fix.patch'], { cwd: work, stdio: 'pipe' });
      execFileSync('patch', ['-p1', '--binary', '-s', '-i', 'fix.patch'], { cwd: work, stdio: 'pipe' });
    }
    expect(readFileSync(join(work, 'requirements.txt'), 'utf8'), tool).toBe(after);
  }
  return diff;
}

const lines = (n: number, eol = '\n'): string => Array.from({ length: n }, (_, i) => `pkg${i + 1}==1.0${eol}`).join('');
const edit = (text: string, ...at: number[]): string =>
  splitLines(text)
    .map((l, i) => (at.includes(i + 1) ? l.replace('==1.0', '==2.0') : l))
    .join('');

describe('unified diff', () => {
  it('is empty when nothing changed', () => {
    expect(unifiedDiff('a.txt', 'x\n', 'x\n')).toBe('');
  });

  it('has git\'s layout: --- a/, +++ b/, a hunk with three lines of context each side', () => {
    const before = lines(10);
    expect(roundTrip(before, edit(before, 5))).toBe(
      ['--- a/requirements.txt', '+++ b/requirements.txt', '@@ -2,7 +2,7 @@', ' pkg2==1.0', ' pkg3==1.0', ' pkg4==1.0', '-pkg5==1.0', '+pkg5==2.0', ' pkg6==1.0', ' pkg7==1.0', ' pkg8==1.0', ''].join('\n'),
    );
  });

  it('joins changes whose context meets, and splits those further apart', () => {
    const before = lines(30);
    const diff = roundTrip(before, edit(before, 1, 7, 20, 30));
    expect(diff.match(/^@@ .* @@$/gm)).toEqual(['@@ -1,10 +1,10 @@', '@@ -17,7 +17,7 @@', '@@ -27,4 +27,4 @@']);
  });

  it('keeps CRLF line endings, so the patch applies to a CRLF file', () => {
    const before = lines(8, '\r\n');
    const diff = roundTrip(before, edit(before, 4));
    expect(diff).toContain('-pkg4==1.0\r\n+pkg4==2.0\r\n');
  });

  it('marks a last line without a newline as git does', () => {
    const before = lines(4).trimEnd();
    const diff = roundTrip(before, edit(before, 4));
    expect(diff.endsWith('-pkg4==1.0\n\\ No newline at end of file\n+pkg4==2.0\n\\ No newline at end of file\n')).toBe(true);
  });

  it('gives one correct hunk when line counts differ (fixes never do that, but a patch must stay right)', () => {
    roundTrip(lines(12), lines(12).replace('pkg6==1.0\n', 'pkg6==1.0\nnew==1\n'));
  });
});
