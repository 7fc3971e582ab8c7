/**
 * A unified diff (`--- a/path`, `+++ b/path`, hunks with 3 lines of context) of a file before and
 * after its fixes, in the form `git apply` and `patch -p1` read. Each line keeps its own line
 * ending, so a CRLF file's patch carries CRLF and applies to it; a last line without a newline gets
 * git's "\ No newline at end of file".
 *
 * Fixes rewrite lines in place and never add or remove one, so lines are compared by position;
 * should the counts ever differ, the whole changed middle becomes one hunk (still a correct patch).
 */

const CONTEXT = 3;

/** The lines of `text`, each with its line ending (`\n`, `\r\n` or a lone `\r`). */
export function splitLines(text: string): string[] {
  return text.match(/[^\r\n]*(?:\r\n|\n|\r)|[^\r\n]+$/g) ?? [];
}

/** Indices that differ, as [start, endOld, endNew) runs. */
function changedRuns(a: string[], b: string[]): { start: number; endA: number; endB: number }[] {
  if (a.length !== b.length) {
    let start = 0;
    while (start < a.length && start < b.length && a[start] === b[start]) start++;
    let endA = a.length;
    let endB = b.length;
    while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
      endA--;
      endB--;
    }
    return start === endA && start === endB ? [] : [{ start, endA, endB }];
  }
  const runs: { start: number; endA: number; endB: number }[] = [];
  for (let i = 0; i < a.length; i++) {
    if (a[i] === b[i]) continue;
    const last = runs[runs.length - 1];
    if (last && last.endA === i) {
      last.endA = i + 1;
      last.endB = i + 1;
    } else {
      runs.push({ start: i, endA: i + 1, endB: i + 1 });
    }
  }
  return runs;
}

function diffLine(prefix: string, line: string): string[] {
  if (/(?:\r\n|\n|\r)$/.test(line)) return [`${prefix}${line}`];
  return [`${prefix}${line}\n`, '\\ No newline at end of file\n'];
}

/** The unified diff of `before` → `after` for `path` (relative, with '/'), or '' when they are equal. */
export function unifiedDiff(path: string, before: string, after: string): string {
  if (before === after) return '';
  const a = splitLines(before);
  const b = splitLines(after);
  const runs = changedRuns(a, b);
  // Runs whose contexts would touch or overlap share a hunk.
  const groups: (typeof runs)[] = [];
  for (const run of runs) {
    const group = groups[groups.length - 1];
    if (group && run.start - group[group.length - 1]!.endA <= 2 * CONTEXT) group.push(run);
    else groups.push([run]);
  }
  const out = [`--- a/${path}\n`, `+++ b/${path}\n`];
  // Old and new line numbers differ only after a run that changed the count (at most one run then).
  let shift = 0;
  for (const group of groups) {
    const first = group[0]!;
    const last = group[group.length - 1]!;
    const from = Math.max(0, first.start - CONTEXT);
    const to = Math.min(a.length, last.endA + CONTEXT);
    const body: string[] = [];
    let oldCount = 0;
    let newCount = 0;
    let i = from;
    for (const run of group) {
      for (; i < run.start; i++, oldCount++, newCount++) body.push(...diffLine(' ', a[i]!));
      for (let k = run.start; k < run.endA; k++, oldCount++) body.push(...diffLine('-', a[k]!));
      for (let k = run.start; k < run.endB; k++, newCount++) body.push(...diffLine('+', b[k]!));
      i = run.endA;
    }
    for (; i < to; i++, oldCount++, newCount++) body.push(...diffLine(' ', a[i]!));
    out.push(`@@ -${range(from + 1, oldCount)} +${range(from + 1 + shift, newCount)} @@\n`, ...body);
    shift += newCount - oldCount;
  }
  return out.join('');
}

function range(start: number, count: number): string {
  // An empty range is written at the line before it.
  return count === 1 ? `${start}` : `${count === 0 ? start - 1 : start},${count}`;
}
