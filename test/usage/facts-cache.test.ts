/**
 * src/usage/facts-cache.ts and its use by usageOf and scan(): a warm run gives exactly the cold
 * run's result without parsing; an edited file is parsed again; a corrupt, hostile or foreign cache
 * file is ignored (and replaced); --no-cache writes nothing; the directory stays bounded.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scan } from '../../src/scan/index.js';
import { CACHE_SUBDIR, decodeFacts, extractorVersion, FactsCache, MAX_CACHE_BYTES, MAX_PROJECT_FILES, maxLineOf, sourceDigest } from '../../src/usage/facts-cache.js';
import { analysePython } from '../../src/usage/imports.js';
import { usageOf, type ProjectUsage } from '../../src/usage/usage.js';
import { REPO_ROOT, SHARED } from '../support/shared.js';

const SHOP = resolve(REPO_ROOT, 'test/usage/fixtures/shop');
const HEALTHCHECKS = resolve(SHARED, 'corpus/projects/healthchecks__healthchecks');
const KNOWN = new Set(['django', 'celery', 'orjson', 'pillow', 'pyyaml', 'requests']);

let top: string;
beforeAll(() => {
  top = mkdtempSync(join(tmpdir(), 'pypy-ready-facts-cache-'));
});
afterAll(() => rmSync(top, { recursive: true, force: true }));

let counter = 0;
/** A fresh copy of the shop fixture and an empty cache directory. */
function fresh(): { project: string; cacheDir: string } {
  const dir = join(top, `case-${counter++}`);
  const project = join(dir, 'shop');
  cpSync(SHOP, project, { recursive: true });
  return { project, cacheDir: join(dir, 'cache') };
}

/** The result without the count of cache hits: what a warm run must give exactly as a cold one. */
function comparable(usage: ProjectUsage): Omit<ProjectUsage, 'parsed' | 'byDistribution'> & { byDistribution: [string, unknown][] } {
  const { parsed: _parsed, byDistribution, ...rest } = usage;
  return { ...rest, byDistribution: [...byDistribution] };
}

const run = (project: string, cacheDir: string | null): Promise<ProjectUsage> => usageOf(project, { cwd: join(project, '..'), known: KNOWN, cacheDir });

/** The one project file the cache holds for `project`. */
function cacheFileOf(cacheDir: string, project: string): string {
  return join(cacheDir, CACHE_SUBDIR, `${createHash('sha256').update(resolve(project)).digest('hex')}.json`);
}

describe('usageOf with a cache', () => {
  it('a warm run gives exactly the cold result, from the cache alone, and leaves no temporary file', async () => {
    const { project, cacheDir } = fresh();
    const none = await run(project, null);
    const cold = await run(project, cacheDir);
    // The empty __init__.py files are one source: parsed once.
    expect(cold.parsed).toBe(none.parsed - 3);
    const warm = await run(project, cacheDir);
    expect(warm.files).toBe(21);
    expect(warm.parsed).toBe(0);
    expect(comparable(warm)).toEqual(comparable(cold));
    expect(comparable(cold)).toEqual(comparable(none));
    // The Python 2 file and the template keep their notes when their facts come from the cache.
    expect(warm.parseErrors.map((e) => e.line)).toEqual([4, 1]);
    expect(readdirSync(join(cacheDir, CACHE_SUBDIR))).toEqual([cacheFileOf(cacheDir, project).split('/').pop()]);
  });

  it.skipIf(!existsSync(HEALTHCHECKS))('healthchecks: warm equals cold on a real project (653 files)', async () => {
    const cacheDir = join(top, 'hc-cache');
    const cold = await usageOf(HEALTHCHECKS, { cwd: HEALTHCHECKS, cacheDir });
    const warm = await usageOf(HEALTHCHECKS, { cwd: HEALTHCHECKS, cacheDir });
    expect(cold.parsed).toBeGreaterThan(500);
    expect(warm.parsed).toBe(0);
    expect(comparable(warm)).toEqual(comparable(cold));
  });

  it('parses an edited file again and uses the new facts; the others still come from the cache', async () => {
    const { project, cacheDir } = fresh();
    await run(project, cacheDir);
    const views = join(project, 'orders/views.py');
    writeFileSync(views, `import yaml\n${readFileSync(views, 'utf8')}`);
    const warm = await run(project, cacheDir);
    expect(warm.parsed).toBe(1);
    expect(warm.byDistribution.get('pyyaml')!.map((s) => `${s.file}:${s.line}`)).toContain('shop/orders/views.py:1');
    // Lines moved down by one, as a parse of the new text says.
    expect(warm.byDistribution.get('pillow')!.map((s) => `${s.file}:${s.line}`)).toContain('shop/orders/views.py:5');
    expect(comparable(warm)).toEqual(comparable(await run(project, null)));
    expect((await run(project, cacheDir)).parsed).toBe(0);
  });

  it('a file removed from the project leaves the cache at the next save', async () => {
    const { project, cacheDir } = fresh();
    await run(project, cacheDir);
    const before = Object.keys(JSON.parse(readFileSync(cacheFileOf(cacheDir, project), 'utf8')).entries).length;
    rmSync(join(project, 'reports/jobs.py'));
    await run(project, cacheDir);
    const after = Object.keys(JSON.parse(readFileSync(cacheFileOf(cacheDir, project), 'utf8')).entries).length;
    expect(after).toBe(before - 1);
  });

  const corruptions: [string, (file: string, project: string) => void][] = [
    ['garbage bytes', (f) => writeFileSync(f, Buffer.from([0xff, 0x00, 0x7b, 0x22]))],
    ['JSON cut short (a torn write)', (f) => writeFileSync(f, readFileSync(f, 'utf8').slice(0, 500))],
    ['empty', (f) => writeFileSync(f, '')],
    ['JSON of another shape', (f) => writeFileSync(f, '[1,2,3]')],
    ['nested a million deep', (f) => writeFileSync(f, '['.repeat(1_000_000))],
    ['another extractor version', (f) => writeFileSync(f, readFileSync(f, 'utf8').replace(JSON.stringify(extractorVersion()), '"analysis 0"'))],
    ['entries with wrong types', (f) => {
      const doc = JSON.parse(readFileSync(f, 'utf8'));
      for (const key of Object.keys(doc.entries)) doc.entries[key] = { imports: 'os' };
      writeFileSync(f, JSON.stringify(doc));
    }],
    ['a sparse file over the size limit', (f) => truncateSync(f, MAX_CACHE_BYTES + 1)],
    ['a directory', (f) => {
      rmSync(f);
      mkdirSync(f);
    }],
    ['a symlink to the real file', (f) => {
      const real = `${f}.real`;
      cpSync(f, real);
      rmSync(f);
      symlinkSync(real, f);
    }],
    ['a FIFO', (f) => {
      rmSync(f);
      execFileSync('mkfifo', [f]);
    }],
  ];

  for (const [label, corrupt] of corruptions) {
    it(`ignores a cache file that is ${label}: the result is a cold run's, and nothing throws`, async () => {
      const { project, cacheDir } = fresh();
      const cold = await run(project, cacheDir);
      corrupt(cacheFileOf(cacheDir, project), project);
      const again = await run(project, cacheDir);
      expect(again.parsed).toBe(cold.parsed);
      expect(comparable(again)).toEqual(comparable(cold));
    });
  }

  it('skips keys that are not digests (__proto__, a path) and still uses the good entries', async () => {
    const { project, cacheDir } = fresh();
    const cold = await run(project, cacheDir);
    const file = cacheFileOf(cacheDir, project);
    writeFileSync(file, readFileSync(file, 'utf8').replace('"entries":{', '"entries":{"__proto__":{"polluted":true},"../../etc":[],'));
    const again = await run(project, cacheDir);
    expect(again.parsed).toBe(0);
    expect(comparable(again)).toEqual(comparable(cold));
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('a corrupt cache file is replaced by a good one at the next save', async () => {
    const { project, cacheDir } = fresh();
    await run(project, cacheDir);
    writeFileSync(cacheFileOf(cacheDir, project), '{"format":');
    await run(project, cacheDir);
    expect((await run(project, cacheDir)).parsed).toBe(0);
  });

  it("rejects a planted entry that does not fit the source: lines past its end, names that are not Python's, counts that disagree", async () => {
    const { project, cacheDir } = fresh();
    const cold = await run(project, cacheDir);
    const file = cacheFileOf(cacheDir, project);
    const doc = JSON.parse(readFileSync(file, 'utf8'));
    const views = readFileSync(join(project, 'orders/views.py'));
    const digest = sourceDigest(views);
    expect(doc.entries[digest]).toBeDefined();
    const plants: unknown[] = [
      [[['orjson', 10_000, 0]], [], false, 0, null, null],
      [[['\u001b]8;;http://evil\u0007x', 1, 0]], [], false, 0, null, null],
      [[['os.', 1, 0]], [], false, 0, null, null],
      [[['', 1, 0]], [], false, 0, null, null],
      [[['os', 1, 9]], [], false, 0, null, null],
      [[['os', 1.5, 0]], [], false, 0, null, null],
      [[], [], false, 2, null, null],
      [[], [], false, 0, 3, null],
      [[], [['task\nx', 1]], false, 0, null, null],
      [[], [], 'yes', 0, null, null],
      [[], [], false, 0, null, null, 'extra'],
    ];
    for (const plant of plants) {
      doc.entries[digest] = plant;
      writeFileSync(file, JSON.stringify(doc));
      const usage = await run(project, cacheDir);
      expect(usage.parsed, JSON.stringify(plant)).toBe(1);
      expect(comparable(usage)).toEqual(comparable(cold));
    }
  });

  it('decodeFacts takes back exactly what the analysis gave, and maxLineOf counts lines as the parser does', () => {
    const text = 'try:\n    import orjson\nexcept ImportError:\n    pass\r\n@app.task\ndef f():\n    from . import x\r    import é.ü\nif __name__ == "__main__":\n    print "x"\n';
    const facts = analysePython(text);
    const bytes = Buffer.from(text);
    const cache = new FactsCache(join(top, 'decode-cache'), join(top, 'decode-project'));
    cache.set(sourceDigest(bytes), facts, maxLineOf(bytes));
    expect(cache.get(sourceDigest(bytes), maxLineOf(bytes))).toEqual(facts);
    expect(maxLineOf(Buffer.from('a\r\nb\rc\nd'))).toBeGreaterThanOrEqual(4);
    expect(facts.imports.at(-1)!.line).toBeLessThanOrEqual(maxLineOf(bytes));
    expect(decodeFacts([[['os', 2, 0]], [], false, 0, null, null], 1)).toBeNull();
    expect(decodeFacts([[['os', 1, 0]], [], false, 0, null, null], 1)).not.toBeNull();
  });

  it('decodeFacts never throws on any JSON value, and what it accepts fits the source', () => {
    const near = fc.oneof(fc.constant(null), fc.boolean(), fc.integer({ min: -2, max: 12 }), fc.double(), fc.constantFrom('', 'os', 'a.b', 'x\u001b', '.'));
    const entry = fc.oneof(
      fc.jsonValue(),
      fc.tuple(fc.array(fc.tuple(near, near, near)), fc.array(fc.tuple(near, near)), near, near, near, near),
    );
    fc.assert(
      fc.property(entry, fc.integer({ min: 1, max: 10 }), (stored, maxLine) => {
        const facts = decodeFacts(stored, maxLine);
        if (facts === null) return;
        for (const line of [...facts.imports.map((i) => i.line), ...facts.decorators.map((d) => d.line), facts.firstErrorLine ?? 1, facts.python2Line ?? 1]) {
          expect(Number.isInteger(line) && line >= 1 && line <= maxLine).toBe(true);
        }
        for (const i of facts.imports) expect(i.module === '' ? i.relative : /^[\p{L}\p{N}_]+(\.[\p{L}\p{N}_]+)*$/u.test(i.module)).toBe(true);
      }),
      { numRuns: 2_000 },
    );
  });

  it('without a cache directory nothing is written and every file is parsed', async () => {
    const { project, cacheDir } = fresh();
    const usage = await run(project, null);
    expect(usage.parsed).toBe(21);
    expect(existsSync(cacheDir)).toBe(false);
  });

  it(`keeps at most ${MAX_PROJECT_FILES} project files, the least recently used removed first`, async () => {
    const { project, cacheDir } = fresh();
    const dir = join(cacheDir, CACHE_SUBDIR);
    mkdirSync(dir, { recursive: true });
    const old = Date.now() / 1000 - 86_400;
    for (let i = 0; i < MAX_PROJECT_FILES + 5; i++) {
      const name = join(dir, `${createHash('sha256').update(`other-${i}`).digest('hex')}.json`);
      writeFileSync(name, '{}');
      utimesSync(name, old + i, old + i);
    }
    writeFileSync(join(dir, 'left-by-a-killed-run.json.1.ab.tmp'), '');
    utimesSync(join(dir, 'left-by-a-killed-run.json.1.ab.tmp'), old, old);
    await run(project, cacheDir);
    const names = readdirSync(dir);
    expect(names).toHaveLength(MAX_PROJECT_FILES);
    expect(names).toContain(cacheFileOf(cacheDir, project).split('/').pop());
    // The oldest six went (five over, and room for this one), the newest stayed.
    expect(names).not.toContain(`${createHash('sha256').update('other-5').digest('hex')}.json`);
    expect(names).toContain(`${createHash('sha256').update('other-6').digest('hex')}.json`);
    expect(names.some((n) => n.endsWith('.tmp'))).toBe(false);
  });
});

describe('scan() and the cache directory', () => {
  const options = (project: string, index: Record<string, unknown>, env: Record<string, string> = {}) =>
    ({ paths: [project] as string[], cwd: join(project, '..'), env, index: { indexUrl: 'http://127.0.0.1:9/simple/', netrc: false, retries: 0, ...index }, targets: ['pypy3.11-7.3'] });

  it('keeps facts under --cache-dir, and a warm scan reports exactly what the cold one did', async () => {
    const { project, cacheDir } = fresh();
    const cold = await scan(options(project, { cacheDir }));
    expect(readdirSync(join(cacheDir, CACHE_SUBDIR))).toHaveLength(1);
    const warm = await scan(options(project, { cacheDir }));
    expect(warm.findings).toEqual(cold.findings);
    expect(warm.usage).toEqual(cold.usage);
    expect(warm.advice).toEqual(cold.advice);
  });

  it('uses the default cache directory when none is given, and none with --no-cache (cacheDir null)', async () => {
    const { project } = fresh();
    const xdg = join(top, `xdg-${counter++}`);
    await scan(options(project, { cacheDir: null }, { XDG_CACHE_HOME: xdg }));
    expect(existsSync(xdg)).toBe(false);
    await scan(options(project, {}, { XDG_CACHE_HOME: xdg }));
    expect(readdirSync(join(xdg, 'pypy-ready', CACHE_SUBDIR))).toHaveLength(1);
  });
});
