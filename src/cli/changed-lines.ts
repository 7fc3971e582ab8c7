/**
 * The manifest lines a change touched, for PR mode's ranking of annotations: `git diff` between the
 * baseline commit and the working tree, read as unified-diff hunk headers (`@@ -a,b +c,d @@`), only
 * for the files the findings point at. A file the baseline does not have is new in every line.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

/** `+c,d` of each hunk header: the new file's lines c .. c+d-1 (d defaults to 1; 0 is a deletion). */
const HUNK = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@/;

/** The new-side line numbers a unified diff (`-U0`) adds or changes. Linear in the diff. */
export function addedLines(diff: string): Set<number> {
  const lines = new Set<number>();
  for (const line of diff.split('\n')) {
    const hunk = HUNK.exec(line);
    if (!hunk) continue;
    const start = Number(hunk[1]);
    const count = hunk[2] === undefined ? 1 : Number(hunk[2]);
    // A hunk header claiming millions of lines is a hostile or broken diff: cap what is recorded.
    for (let n = start; n < start + Math.min(count, 100_000); n++) lines.add(n);
  }
  return lines;
}

export type ChangedLine = (file: string, line: number) => boolean;

/**
 * Which of `files` (relative to `cwd`) changed since `commit`, line by line. A file git cannot
 * diff (not in a repository, an error) counts as unchanged: ranking is a preference, not a verdict.
 */
export function changedSince(commit: string, cwd: string, files: Iterable<string>): ChangedLine {
  const byFile = new Map<string, Set<number> | 'all'>();
  for (const file of new Set(files)) {
    const path = resolve(cwd, file);
    const known = spawnSync('git', ['-C', cwd, 'ls-tree', '--name-only', '--end-of-options', commit, '--', path], { encoding: 'utf8' });
    if (known.status !== 0) continue;
    if (known.stdout.trim() === '') {
      byFile.set(file, 'all');
      continue;
    }
    const diff = spawnSync('git', ['-C', cwd, 'diff', '--no-color', '--no-ext-diff', '--unified=0', '--end-of-options', commit, '--', path], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    if (diff.status === 0) byFile.set(file, addedLines(diff.stdout));
  }
  return (file, line) => {
    const lines = byFile.get(file);
    return lines === 'all' || (lines !== undefined && lines.has(line));
  };
}
