#!/usr/bin/env node
/**
 * How much of what people install the knowledge base covers: the compiled projects among PyPI's
 * 1,000 most downloaded (../shared/pypi/top-1000.json, classified in data/compiled-packages.json)
 * and the compiled projects of the demo and healthchecks dependency trees. Prints the report and
 * writes it to data/coverage.txt. Exits 1 when an input is missing or inconsistent.
 *
 *   node data/coverage.mjs            (npm run kb:coverage)
 *   node data/coverage.mjs --check    exit 1 when data/coverage.txt is not what this would write
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');
const topFile = resolve(root, '../shared/pypi/top-1000.json');
const classFile = join(here, 'compiled-packages.json');
const kbFile = join(here, 'knowledge-base.json');
const demoIndexDir = join(root, 'fixtures', 'demo-index');
const outFile = join(here, 'coverage.txt');

const canonical = (name) => name.toLowerCase().replace(/[-_.]+/g, '-');
const percent = (a, b) => (b === 0 ? '-' : `${((100 * a) / b).toFixed(1)}%`);

function fail(message) {
  console.error(`kb:coverage: ${message}`);
  process.exit(1);
}

if (!existsSync(topFile)) fail(`${topFile} is absent: the top-1,000 list lives in ../shared (not shipped with the package)`);
const top = JSON.parse(readFileSync(topFile, 'utf8'));
const classes = JSON.parse(readFileSync(classFile, 'utf8'));
const kb = JSON.parse(readFileSync(kbFile, 'utf8'));
const entries = new Map(kb.entries.map((e) => [e.name, e]));

const topNames = top.rows.map((r) => canonical(r.project));
if (topNames.length !== 1000) fail(`expected 1,000 rows in ${topFile}, found ${topNames.length}`);
const rank = new Map(topNames.map((n, i) => [n, i + 1]));

// The classification must only name top-1,000 projects, normalised, each in one class.
const groups = {
  compiled: classes.compiled,
  platformBinaries: classes.platformBinaries,
  checkedNotCompiled: classes.checkedNotCompiled,
  unclassified: classes.unclassified,
};
const seen = new Map();
const problems = [];
for (const [group, map] of Object.entries(groups)) {
  for (const [name, note] of Object.entries(map)) {
    if (canonical(name) !== name) problems.push(`${group}: ${name} is not normalised`);
    if (!rank.has(name)) problems.push(`${group}: ${name} is not among the top 1,000`);
    if (seen.has(name)) problems.push(`${name} is in both ${seen.get(name)} and ${group}`);
    if (typeof note !== 'string' || note.trim() === '') problems.push(`${group}: ${name} has no note`);
    seen.set(name, group);
  }
}
if (problems.length > 0) fail(`data/compiled-packages.json is inconsistent:\n  ${problems.join('\n  ')}`);

const byRank = (a, b) => (rank.get(a) ?? 1e9) - (rank.get(b) ?? 1e9) || a.localeCompare(b);
const compiled = Object.keys(classes.compiled).sort(byRank);
const covered = compiled.filter((n) => entries.has(n));
const missing = compiled.filter((n) => !entries.has(n));
const unclassified = Object.keys(classes.unclassified).sort(byRank);

// Every compiled project without an entry says why; a reason for a covered one is stale.
const unsettledProblems = [
  ...missing.filter((n) => !classes.unsettled[n]).map((n) => `${n}: compiled, no entry, and no reason in "unsettled"`),
  ...Object.keys(classes.unsettled).filter((n) => !missing.includes(n)).map((n) => `${n}: listed in "unsettled" but ${entries.has(n) ? 'has an entry' : 'is not classified as compiled'}`),
];
if (unsettledProblems.length > 0) fail(`data/compiled-packages.json is inconsistent:\n  ${unsettledProblems.join('\n  ')}`);

const statusCount = new Map();
for (const n of covered) {
  const s = entries.get(n).status;
  statusCount.set(s, (statusCount.get(s) ?? 0) + 1);
}

/** Demo tree: every project of the demo index with a wheel whose ABI tag is not "none". */
function demoCompiled() {
  const out = [];
  for (const file of readdirSync(demoIndexDir).filter((f) => f.endsWith('.json')).sort()) {
    const index = JSON.parse(readFileSync(join(demoIndexDir, file), 'utf8'));
    for (const [display, project] of Object.entries(index)) {
      const files = Object.values(project.versions).flatMap((r) => r.files.map((f) => (typeof f === 'string' ? f : f.filename)));
      const compiledWheel = files.some((f) => f.endsWith('.whl') && f.slice(0, -4).split('-').at(-2).split('.').some((abi) => abi !== 'none'));
      if (compiledWheel) out.push(canonical(display));
    }
  }
  return out.sort();
}

const trees = [
  { name: 'demo', source: `${classes.projectTrees.demo.source} (computed from the index files)`, compiled: demoCompiled() },
  { name: 'healthchecks', source: classes.projectTrees.healthchecks.source, compiled: [...classes.projectTrees.healthchecks.compiled].sort() },
];
const recordedDemo = [...classes.projectTrees.demo.compiled].sort();
if (JSON.stringify(recordedDemo) !== JSON.stringify(trees[0].compiled)) {
  fail(`projectTrees.demo.compiled (${recordedDemo.join(', ')}) differs from the demo index (${trees[0].compiled.join(', ')})`);
}

const lines = [];
const say = (line = '') => lines.push(line);
say('Knowledge base coverage (data/coverage.mjs)');
say(`top-1,000 list: ${top.source}, last_update ${top.last_update}`);
say(`classification: data/compiled-packages.json (classified on ${classes.classifiedOn})`);
say();
say(`Compiled top-1,000 projects with an entry: ${covered.length} / ${compiled.length} (${percent(covered.length, compiled.length)})`);
say(`  by status: ${[...statusCount].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([s, c]) => `${s} ${c}`).join(', ')}`);
say(`  platform binaries without a Python extension (not counted as compiled): ${Object.keys(classes.platformBinaries).length}`);
say(`  checked and found not compiled (not counted): ${Object.keys(classes.checkedNotCompiled).length}`);
say(`  not classified (not counted): ${unclassified.length}`);
say(`  knowledge base entries in all: ${kb.entries.length}`);
say();
for (const tree of trees) {
  const have = tree.compiled.filter((n) => entries.has(n));
  say(`${tree.name} tree: ${have.length} / ${tree.compiled.length} compiled projects with an entry (${tree.source})`);
  const lacking = tree.compiled.filter((n) => !entries.has(n));
  if (lacking.length > 0) say(`  without an entry: ${lacking.join(', ')}`);
}
say();
say(`Compiled top-1,000 projects without an entry (${missing.length}), by download rank, and why:`);
for (const n of missing) say(`  ${String(rank.get(n)).padStart(4)} ${n} (${classes.compiled[n]}): ${classes.unsettled[n]}`);
say();
say(`Entries whose status is unverified (compiled; how they behave on PyPy is not established): ${kb.entries.filter((e) => e.status === 'unverified').length}`);
say(`  ${kb.entries.filter((e) => e.status === 'unverified').map((e) => e.name).join(', ')}`);
say();
say(`Top-1,000 projects checked because they looked compiled, and found not to be (${Object.keys(classes.checkedNotCompiled).length}):`);
for (const n of Object.keys(classes.checkedNotCompiled).sort(byRank)) say(`  ${String(rank.get(n)).padStart(4)} ${n}: ${classes.checkedNotCompiled[n]}`);
say();
say(`Top-1,000 projects that could not be classified (${unclassified.length}):`);
for (const n of unclassified) say(`  ${String(rank.get(n)).padStart(4)} ${n}: ${classes.unclassified[n]}`);

const text = `${lines.join('\n')}\n`;
if (process.argv.includes('--check')) {
  const current = existsSync(outFile) ? readFileSync(outFile, 'utf8') : '';
  if (current !== text) fail(`${outFile} is out of date: run node data/coverage.mjs and commit the result`);
  process.stdout.write(`${outFile} is up to date\n`);
} else {
  writeFileSync(outFile, text);
  process.stdout.write(text);
}
