/**
 * The real-world corpus (../shared/corpus/manifests): files nobody on this project wrote.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatIssue, loadManifests, parseManifest, sniffFormat } from '../../src/manifests/index.js';
import { decodeManifest } from '../../src/manifests/source-text.js';
import { corpusDir } from './helpers.js';

const present = existsSync(corpusDir);

function allFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? allFiles(p) : [p];
  });
}

function parseCorpusFile(rel: string) {
  const decoded = decodeManifest(readFileSync(path.join(corpusDir, rel)));
  if (!decoded.ok) throw new Error(`${rel}: ${decoded.message}`);
  return parseManifest(decoded.text, rel, sniffFormat(rel, decoded.text));
}

describe.skipIf(!present)('corpus: every manifest', () => {
  // Documentation, scripts and setup.py files sit next to the manifests; they are not manifests.
  const files = present ? allFiles(corpusDir).filter((f) => !/\.(md|rst|py|sh|json)$/.test(f)) : [];

  it('parses without a crash, and every issue is one line starting with file:line', () => {
    expect(files.length).toBeGreaterThan(400);
    let requirements = 0;
    for (const abs of files) {
      const rel = path.relative(corpusDir, abs).split(path.sep).join('/');
      const decoded = decodeManifest(readFileSync(abs));
      expect(decoded.ok, rel).toBe(true);
      if (!decoded.ok) continue;
      const r = parseManifest(decoded.text, rel, sniffFormat(rel, decoded.text));
      requirements += r.requirements.length;
      for (const issue of r.issues) {
        const line = formatIssue(issue);
        expect(line).not.toMatch(/[\r\n]/);
        expect(line.startsWith(`${rel}:${issue.line}`)).toBe(true);
        expect(Number.isInteger(issue.line) && issue.line >= 1).toBe(true);
      }
      for (const q of r.requirements) {
        expect(q.location.file).toBe(rel);
        expect(q.location.line).toBeGreaterThanOrEqual(1);
        expect(q.location.column).toBeGreaterThanOrEqual(1);
      }
    }
    expect(requirements).toBeGreaterThan(5000);
  });

  it('loads every project directory through discovery without throwing', async () => {
    const projects = await loadManifests([corpusDir], { cwd: corpusDir, env: {} });
    expect(projects.length).toBeGreaterThan(20);
    for (const p of projects) for (const i of p.issues) expect(formatIssue(i)).not.toMatch(/[\r\n]/);
  });
});

describe.skipIf(!present)('corpus: requirement counts of a hand-verified sample', () => {
  // Each number was taken by reading the file (cat -n / grep), not by running this code:
  it.each([
    // install_requires 2 + extras tests 6 + daphne 1 + types 1
    ['django__channels/setup.cfg', 10],
    // 5 lines, each one requirement with a trailing comment
    ['renovatebot__renovate/lib/modules/manager/pip_requirements/__fixtures__/requirements3.txt', 5],
    // --index-url line, a comment, then 4 requirements
    ['renovatebot__renovate/lib/modules/manager/pip_requirements/__fixtures__/requirements1.txt', 4],
    // a single --extra-index-url line with a trailing comment
    ['celery__kombu/requirements/extras/lzma.txt', 0],
    // `grep -cE "^[A-Za-z]"`: 154 pins starting in column 1; their --hash and # via lines are indented
    ['mozilla__treeherder/requirements/common.txt', 154],
    // `grep -cvE "^\s*(#|$|-)"`: 45 requirement lines (one "-c constraints.txt")
    ['openedx__credentials/requirements/base.in', 45],
    // three [[packages]] tables
    ['pypa__pip-audit/test/assets/pylock.basic.toml', 3],
    // `grep -c '^\[\[package\]\]'` = 80, minus the project's own `source = { editable = "." }` entry
    ['0b01001001__spectree/uv.lock', 79],
    // `grep -c '^\[\[package\]\]'`
    ['mdn__kuma/poetry.lock', 101],
    ['pdm-project__pdm/tests/fixtures/projects/demo/pdm.lock', 10],
    // project.dependencies 22 + group dev 1 + test 10 + typing 2 + github-actions 1 + build-system 1
    ['python-poetry__poetry/pyproject.toml', 37],
    // [packages] 5 + [dev-packages] 1
    ['pypa__pipenv/examples/Pipfile', 6],
  ])('%s has %i requirements', (rel, count) => {
    expect(parseCorpusFile(rel).requirements).toHaveLength(count);
  });
});

describe.skipIf(!present)('corpus quirks (../shared/corpus/README.md), one test each', () => {
  it('pip-compile `# via` blocks and `--hash` continuation lines', () => {
    const r = parseCorpusFile('mozilla__treeherder/requirements/common.txt');
    const [first, second] = r.requirements;
    // Lines 7-10: aiohappyeyeballs==2.6.1 \ two --hash lines, then "# via aiohttp"; aiohttp starts on line 11.
    expect(first).toMatchObject({ name: 'aiohappyeyeballs', pinnedVersion: '2.6.1', via: ['aiohttp'], direct: false });
    expect(first!.location.line).toBe(7);
    expect(first!.hashes).toEqual([
      'sha256:c3f9d0113123803ccadfdf3f0faa505bc78e6a72d1cc4806cbd719826e943558',
      'sha256:f349ba8f4b75cb25c99c5c2d84e997e485204d2902a9597802b0371f09331fb8',
    ]);
    expect(second).toMatchObject({ name: 'aiohttp', pinnedVersion: '3.12.14' });
    expect(second!.location.line).toBe(11);
    expect(r.issues).toEqual([]);
  });

  it('`name@ git+https://…` without spaces (absent from the corpus files; see requirements-file.test.ts)', () => {
    const r = parseManifest('pkg@ git+https://github.com/org/pkg.git@v1\n', 'x.txt', 'requirements');
    expect(r.requirements[0]).toMatchObject({ name: 'pkg', url: 'git+https://github.com/org/pkg.git@v1' });
  });

  it('an options-only file: `--extra-index-url` with a trailing comment', () => {
    const r = parseCorpusFile('celery__kombu/requirements/extras/lzma.txt');
    expect(r.issues).toEqual([]);
    expect(r.requirements).toEqual([]);
  });

  it('a file with no final newline', () => {
    const rel = 'celery__celery/requirements/extras/azureblockblob.txt';
    const raw = readFileSync(path.join(corpusDir, rel), 'utf8');
    expect(raw.endsWith('\n')).toBe(false);
    const r = parseCorpusFile(rel);
    const lines = raw.split('\n');
    expect(r.requirements.at(-1)!.location.line).toBe(lines.length);
    expect(r.requirements.at(-1)!.name).toBe(lines.at(-1)!.split(/[<>=!~;\s[]/)[0]);
  });

  it('markers with parentheses and no spaces around operators', () => {
    const r = parseCorpusFile('celery__celery/requirements/extras/couchbase.txt');
    expect(r.issues).toEqual([]);
    expect(r.requirements[0]).toMatchObject({
      name: 'couchbase',
      specifier: '>=3.0.0',
      markerText: "platform_python_implementation!='PyPy' and (platform_system != 'Windows' or python_version < '3.10')",
    });
    expect(r.requirements[0]!.marker?.kind).toBe('and');
  });

  it('configparser interpolation in setup.cfg (`%(asyncio)s`)', () => {
    const r = parseCorpusFile('sqlalchemy__sqlalchemy/setup.cfg');
    expect(r.issues).toEqual([]);
    // setup.cfg line 43: asyncio = greenlet!=0.4.17; line 63 is the first "%(asyncio)s" (postgresql_asyncpg).
    const pg = r.requirements.filter((q) => q.group === 'optional:postgresql-asyncpg');
    expect(pg.map((q) => [q.name, q.specifier, q.location.line])).toEqual([
      ['greenlet', '!=0.4.17', 63],
      ['asyncpg', '', 64],
    ]);
  });

  it('parenthesised specifiers in pyproject (`"build (>=1.2.1,<2.0.0)"`)', () => {
    const r = parseCorpusFile('python-poetry__poetry/pyproject.toml');
    const build = r.requirements.find((q) => q.name === 'build')!;
    expect(build).toMatchObject({ specifier: '>=1.2.1,<2.0.0', group: 'main' });
    expect(build.location).toMatchObject({ line: 8, column: 6 });
  });

  it('PEP 735 `{include-group = …}` entries (mixed-type arrays)', () => {
    const rel = 'dependabot__dependabot-core/python/spec/fixtures/pyproject_files/pep735_exact_requirement.toml';
    const text = readFileSync(path.join(corpusDir, rel), 'utf8');
    const r = parseCorpusFile(rel);
    expect(r.issues).toEqual([]);
    // Every string of every group appears at least once, and the including group gets the included one's.
    const includes = [...text.matchAll(/include-group\s*=\s*"([^"]+)"/g)].map((m) => m[1]);
    expect(includes.length).toBeGreaterThan(0);
    for (const g of includes) {
      const included = r.requirements.filter((q) => q.group === `group:${g}`).map((q) => q.normalizedName);
      expect(included.length).toBeGreaterThan(0);
    }
  });

  it('unquoted TOML datetimes in pylock.toml', () => {
    const r = parseCorpusFile('0b01001001__spectree/pylock.toml');
    expect(r.issues).toEqual([]);
    // Line 7-9: [[packages]] name = "aiofiles" version = "24.1.0", with an sdist and one wheel.
    expect(r.requirements[0]).toMatchObject({ name: 'aiofiles', lockedVersion: '24.1.0' });
    expect(r.requirements[0]!.location.line).toBe(8);
    expect(r.requirements[0]!.lockFiles!.map((f) => f.filename)).toEqual(['aiofiles-24.1.0.tar.gz', 'aiofiles-24.1.0-py3-none-any.whl']);
  });

  it('includes that point at files missing upstream: reported, and the scan goes on', async () => {
    const dir = path.join(corpusDir, 'openedx__credentials');
    const [p] = await loadManifests([path.join(dir, 'requirements/monitoring/requirements.txt')], { cwd: dir });
    const missing = p!.issues.filter((i) => /not found/.test(i.message)).map(formatIssue);
    // monitoring/requirements.txt lines 7-12 include ../base.txt … ../test.txt; local.txt and optional.txt are not in the repository.
    expect(missing).toEqual([
      'requirements/monitoring/requirements.txt:9:4: included file "../local.txt" not found',
      'requirements/monitoring/requirements.txt:10:4: included file "../optional.txt" not found',
    ]);
    expect(p!.requirements.length).toBeGreaterThan(100);
    expect(p!.manifests).toContain('requirements/base.txt');
  });
});

describe.skipIf(!present)('pip-requirements-js on the corpus (why it is not used)', () => {
  it('rejects whole real files that pip reads', async () => {
    const { parsePipRequirementsFile } = await import('pip-requirements-js');
    const rejected = ['mozilla__treeherder/requirements/common.txt', 'celery__kombu/requirements/extras/lzma.txt', 'pypy__pypy/requirements.txt'].filter((rel) => {
      try {
        parsePipRequirementsFile(readFileSync(path.join(corpusDir, rel), 'utf8'));
        return false;
      } catch {
        return true;
      }
    });
    // --hash continuations, an option line and --no-binary: each stops it at the first such line.
    expect(rejected).toHaveLength(3);
  });
});
