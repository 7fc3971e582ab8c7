/**
 * PR mode ranks the annotations of the lines a change touched first. Which lines those are comes
 * from git itself: the diff between the baseline commit and the working tree, on a real repository.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { addedLines, changedSince } from '../../src/cli/changed-lines.js';

describe('the lines a unified diff adds', () => {
  it('reads each hunk header: a count of lines, a single line, and a pure deletion (none)', () => {
    const diff = ['diff --git a/r.txt b/r.txt', '--- a/r.txt', '+++ b/r.txt', '@@ -2,0 +3,2 @@', '+a', '+b', '@@ -7 +9 @@', '-x', '+y', '@@ -12,3 +13,0 @@', '-gone'].join('\n');
    expect([...addedLines(diff)]).toEqual([3, 4, 9]);
  });

  it('ignores text that only looks like a header inside the hunk body, and caps absurd counts', () => {
    expect([...addedLines('+@@ -1 +5 @@ not a header\n')]).toEqual([]);
    expect(addedLines('@@ -1 +1,99999999 @@\n').size).toBe(100_000);
  });
});

describe('changed lines since a commit, on a real repository', () => {
  let repo: string;
  let base: string;
  const git = (...args: string[]) => execFileSync('git', ['-C', repo, '-c', 'user.email=t@example.invalid', '-c', 'user.name=t', ...args], { encoding: 'utf8' }).trim();
  beforeAll(() => {
    repo = mkdtempSync(join(tmpdir(), 'pypy-ready-changed-'));
    git('init', '-q');
    mkdirSync(join(repo, 'svc'));
    writeFileSync(join(repo, 'requirements.txt'), 'django>=5.2\norjson\nrequests\n');
    writeFileSync(join(repo, 'svc', 'requirements.txt'), 'celery\n');
    git('add', '.');
    git('commit', '-q', '-m', 'base');
    base = git('rev-parse', 'HEAD');
    // The change: a line replaced, a line added at the end, and a manifest that is new in the PR.
    writeFileSync(join(repo, 'requirements.txt'), 'django>=5.2\nujson\nrequests\npsycopg2-binary\n');
    writeFileSync(join(repo, 'svc', 'extra.txt'), 'lxml\ngevent\n');
  });

  it('marks the replaced and the added line, not the untouched ones', () => {
    const changed = changedSince(base, repo, ['requirements.txt']);
    expect([1, 2, 3, 4].map((line) => changed('requirements.txt', line))).toEqual([false, true, false, true]);
  });

  it('a file the baseline does not have is changed on every line; an untouched file on none', () => {
    const changed = changedSince(base, join(repo, 'svc'), ['extra.txt', 'requirements.txt']);
    expect([changed('extra.txt', 1), changed('extra.txt', 2)]).toEqual([true, true]);
    expect(changed('requirements.txt', 1)).toBe(false);
  });

  it('paths are relative to where the tool runs; a commit git does not know changes nothing', () => {
    expect(changedSince(base, repo, ['svc/extra.txt'])('svc/extra.txt', 2)).toBe(true);
    expect(changedSince('0'.repeat(40), repo, ['requirements.txt'])('requirements.txt', 2)).toBe(false);
    expect(changedSince('--output=/tmp/x', repo, ['requirements.txt'])('requirements.txt', 2)).toBe(false);
  });
});
