/**
 * The knowledge base against file listings nobody on this project wrote (issue 17): for every entry
 * whose project is among the recorded index responses in ../shared/corpus/index-responses, and
 * among the demo index (fixtures/demo-index), the real rules run on the real listing for PyPy 3.11
 * (7.3 and 8.0), and the verdict must fit the entry's status. A status that the wheel tags
 * contradict (a "pure-fallback" package that only installs a compiled PyPy wheel, a "cffi" package
 * judged as cpyext) fails here.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadKnowledgeBase, type KnowledgeEntry, type KnowledgeStatus } from '../../src/assess/knowledge.js';
import { assess } from '../../src/assess/rules.js';
import type { Assessment, Verdict } from '../../src/assess/types.js';
import { loadFixtureDir } from '../../src/devserver/fixtures.js';
import { parseDistributionFilename } from '../../src/pep/filenames.js';
import { canonicalizeName } from '../../src/pep/names.js';
import { parseSimpleHtml } from '../../src/pypi/simple-html.js';
import { parseSimpleJson } from '../../src/pypi/simple-json.js';
import type { DistributionFile } from '../../src/pypi/types.js';
import { groupFilesByVersion } from '../../src/resolve/candidates.js';
import { resolveListing } from '../../src/resolve/resolve.js';
import { isCompiledWheel } from '../../src/resolve/version.js';
import { resolveTarget } from '../../src/targets/index.js';
import { catalogueRecorded, hasRecorded, recordedDir } from '../support/index-server.js';
import { REPO_ROOT } from '../support/shared.js';

const kb = loadKnowledgeBase();
const TARGETS = [resolveTarget('pypy3.11-7.3'), resolveTarget('pypy3.11-8.0')];

/** The verdicts each status allows once real files are in play. */
const ALLOWED: Record<KnowledgeStatus, readonly Verdict[]> = {
  works: ['pure'],
  builtin: ['pure', 'cffi'],
  'pure-fallback': ['pure', 'pure-fallback'],
  cffi: ['cffi'],
  'cpyext-slow': ['pypy-wheel', 'source-build', 'abi-mismatch', 'lost-pypy-wheels'],
  'no-gain': ['pypy-wheel', 'source-build', 'abi-mismatch', 'lost-pypy-wheels'],
  unverified: ['pypy-wheel', 'source-build', 'abi-mismatch', 'lost-pypy-wheels'],
  broken: ['known-broken'],
};

/** Assesses one listing for each target and checks the verdict against the entry; returns what went wrong. */
function check(origin: string, name: string, files: DistributionFile[], entry: KnowledgeEntry): string[] {
  const problems: string[] = [];
  for (const target of TARGETS) {
    const resolved = resolveListing(name, groupFilesByVersion(name, files), target, { specifier: '' });
    // A scan resolves what PyPy has built in as preinstalled (its listing is not used): so do we.
    const pkg = entry.status === 'builtin' ? { ...resolved, origin: 'preinstalled' as const } : resolved;
    const a: Assessment = assess(pkg, entry);
    const where = `${origin} ${name} ${a.version ?? '-'} on ${target.id}: ${entry.status} -> ${a.verdict}`;
    if (!ALLOWED[entry.status].includes(a.verdict)) problems.push(where);
    if (entry.status !== 'broken' && a.severity === 'error') problems.push(`${where} (error)`);
    if (entry.status === 'unverified' && a.severity === 'ok' && a.verdict !== 'pypy-wheel') problems.push(`${where} (ok while unverified)`);
    // What pure-fallback promises: no compiled file is needed on PyPy.
    if (entry.status === 'pure-fallback' && pkg.chosen && isCompiledWheel(pkg.chosen)) problems.push(`${where} (installs a compiled wheel)`);
    // The knowledge base note is in the evidence, with its source.
    if (entry.status !== 'broken' && !a.evidence.some((e) => e.startsWith(`knowledge base: ${entry.status}`))) problems.push(`${where} (no knowledge base note)`);
  }
  return problems;
}

interface Listing {
  origin: string;
  name: string;
  files: DistributionFile[];
}

function recordedListings(): Listing[] {
  const out: Listing[] = [];
  for (const record of catalogueRecorded(recordedDir)) {
    if (record.kind !== 'simple-json' && record.kind !== 'simple-html') continue;
    const text = readFileSync(record.path, 'utf8');
    const url = 'https://recorded.invalid/simple/project/';
    let page;
    try {
      page = record.kind === 'simple-json' ? parseSimpleJson(text, url) : parseSimpleHtml(text, url);
    } catch {
      continue; // index roots and UI pages: test/pypi/recorded.test.ts accounts for them
    }
    // Group by the project each file names (a page may hold several: jax and jaxlib).
    const byProject = new Map<string, DistributionFile[]>();
    for (const file of page.files) {
      let project: string;
      try {
        project = canonicalizeName(parseDistributionFilename(file.filename).name);
      } catch {
        continue;
      }
      if (!byProject.has(project)) byProject.set(project, []);
      byProject.get(project)!.push(file);
    }
    for (const [name, files] of byProject) out.push({ origin: record.file, name, files });
  }
  return out;
}

function demoListings(): Listing[] {
  const index = loadFixtureDir(resolve(REPO_ROOT, 'fixtures/demo-index'));
  return Object.entries(index).map(([display, project]) => {
    const name = canonicalizeName(display);
    const files: DistributionFile[] = Object.values(project.versions).flatMap((release) =>
      release.files.map((spec) => {
        const f = typeof spec === 'string' ? { filename: spec } : spec;
        return {
          filename: f.filename,
          url: `https://demo.invalid/files/${f.filename}`,
          requiresPython: f.requiresPython !== undefined ? f.requiresPython : release.requiresPython ?? null,
          yanked: f.yanked ?? release.yanked ?? false,
          hashes: {},
          coreMetadata: false,
        };
      }),
    );
    return { origin: 'demo-index', name, files };
  });
}

describe.skipIf(!hasRecorded)(`knowledge base against recorded index responses (${hasRecorded ? recordedDir : 'skipped: ../shared/corpus/index-responses is absent'})`, () => {
  const listings = hasRecorded ? recordedListings().filter((l) => kb.get(l.name)) : [];

  it('finds the entries whose status depends on wheel tags among the recordings (markupsafe, pyyaml, numpy at least)', () => {
    const names = new Set(listings.map((l) => l.name));
    for (const name of ['markupsafe', 'pyyaml', 'numpy']) expect(names.has(name), name).toBe(true);
  });

  it('judges every recorded listing of a known project in line with its status', () => {
    const problems = listings.flatMap((l) => check(l.origin, l.name, l.files, kb.get(l.name)!));
    expect(problems).toEqual([]);
  });
});

describe('knowledge base against the demo index', () => {
  const listings = demoListings().filter((l) => kb.get(l.name));

  it('covers every demo project that ships compiled wheels', () => {
    const compiled = demoListings().filter((l) => l.files.some((f) => f.filename.endsWith('.whl') && !/-none-any\.whl$/.test(f.filename) && !/-none-/.test(f.filename)));
    expect(compiled.length).toBeGreaterThan(5);
    expect(compiled.map((l) => l.name).filter((n) => !kb.get(n))).toEqual([]);
  });

  it('judges every demo listing of a known project in line with its status', () => {
    expect(listings.length).toBeGreaterThan(10);
    const problems = listings.flatMap((l) => check('demo-index', l.name, l.files, kb.get(l.name)!));
    expect(problems).toEqual([]);
  });
});
