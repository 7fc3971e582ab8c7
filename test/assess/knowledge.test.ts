import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  KnowledgeBaseError,
  defaultKnowledgeBasePath,
  loadKnowledgeBase,
  packageRoot,
  parseKnowledgeBase,
  type KnowledgeEntry,
  type KnowledgeStatus,
} from '../../src/assess/knowledge.js';
import { canonicalizeName, isValidName } from '../../src/pep/names.js';
import { satisfies } from '../../src/pep/versions.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dataFile = path.join(repoRoot, 'data', 'knowledge-base.json');
const seedCsv = path.resolve(repoRoot, '../shared/pypy/packages.csv');
const hasSeed = existsSync(seedCsv);

/** RFC 4180 reader, enough for the seed: quoted fields may hold commas and doubled quotes. */
function readCsv(text: string): Record<string, string>[] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length > 0) rows.push([...row, field]);
  const [header, ...body] = rows;
  return body.map((cells) => Object.fromEntries(header!.map((h, i) => [h, cells[i] ?? ''])));
}

const kb = loadKnowledgeBase();

describe('the shipped knowledge base', () => {
  it('is found relative to the module and is the file in data/', () => {
    expect(defaultKnowledgeBasePath()).toBe(dataFile);
    expect(kb.entries().length).toBeGreaterThan(0);
  });

  it('gives every entry at least one non-empty source', () => {
    for (const entry of kb.entries()) {
      expect(entry.sources.length, entry.name).toBeGreaterThan(0);
      for (const source of entry.sources) expect(source.trim(), entry.name).not.toBe('');
    }
  });

  it('uses normalised, unique names, sorted', () => {
    const names = kb.entries().map((e) => e.name);
    for (const name of names) {
      expect(isValidName(name), name).toBe(true);
      expect(canonicalizeName(name), name).toBe(name);
    }
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual([...names].sort());
  });

  it('looks names up after PEP 503 normalisation', () => {
    expect(kb.get('Psycopg2_Binary')?.name).toBe('psycopg2-binary');
    expect(kb.get('PyMySQL')?.name).toBe('pymysql');
    expect(kb.get('Brotli')?.name).toBe('brotli');
    expect(kb.get('zope.interface')?.name).toBe('zope-interface');
    expect(kb.get('not a name')).toBeUndefined();
  });

  it('returns frozen entries', () => {
    const entry = kb.get('orjson')!;
    expect(() => {
      (entry as { status: string }).status = 'works';
    }).toThrow(TypeError);
    expect(() => (entry.sources as string[]).push('x')).toThrow(TypeError);
  });

  // Facts from ../shared/docs/PYPY-FACTS.md (verified there on real PyPy interpreters).
  it('records psycopg2 and psycopg2-binary as broken, with psycopg 3 as the alternative', () => {
    for (const name of ['psycopg2', 'psycopg2-binary']) {
      const entry = kb.get(name)!;
      expect(entry.status, name).toBe('broken');
      expect(entry.alternative?.name, name).toBe('psycopg');
      expect(entry.alternative?.note, name).toMatch(/pure-Python/);
      expect(entry.alternative?.note, name).toMatch(/psycopg2cffi/);
      expect(entry.appliesTo, name).toBeUndefined();
    }
    expect(kb.get('psycopg2')!.summary).toContain('PyInterpreterState_Main');
    expect(kb.get('psycopg')!.status).toBe('works');
    const cffiPort = kb.get('psycopg2cffi')!;
    expect(cffiPort.status).toBe('cffi');
    expect(cffiPort.summary).toMatch(/unmaintained/);
  });

  it('records orjson as broken with an alternative', () => {
    const entry = kb.get('orjson')!;
    expect(entry.status).toBe('broken');
    expect(entry.alternative?.name).toMatch(/json/);
  });

  it('records cffi and greenlet as built into PyPy', () => {
    expect(kb.get('cffi')!.status).toBe('builtin');
    expect(kb.get('greenlet')!.status).toBe('builtin');
    expect(kb.get('greenlet')!.summary).toContain('0.4.13');
  });

  it('marks CFFI bindings as the fast path', () => {
    for (const name of ['argon2-cffi-bindings', 'pynacl', 'brotlicffi', 'zstandard', 'pyzmq']) {
      expect(kb.get(name)?.status, name).toBe('cffi');
    }
  });

  it('marks the pure-fallback packages named in PYPY-FACTS', () => {
    const names = ['aiohttp', 'yarl', 'multidict', 'frozenlist', 'markupsafe', 'msgpack', 'simplejson', 'SQLAlchemy', 'wrapt', 'pymongo'];
    for (const name of names) expect(kb.get(name)?.status, name).toBe('pure-fallback');
  });

  it('marks NumPy as no gain, with 2.5+ needing Python 3.12', () => {
    const numpy = kb.get('numpy')!;
    expect(numpy.status).toBe('no-gain');
    const spec = numpy.pythonLimit!.specifier;
    expect(satisfies('2.5.0', spec)).toBe(true);
    expect(satisfies('2.4.4', spec)).toBe(false);
    expect(numpy.pythonLimit!.note).toContain('3.12');
  });

  it('gives Django a Python limit from 6.0 on', () => {
    const django = kb.get('Django')!;
    expect(django.status).toBe('works');
    const spec = django.pythonLimit!.specifier;
    expect(satisfies('6.0', spec)).toBe(true);
    expect(satisfies('6.0.1', spec)).toBe(true);
    expect(satisfies('5.2.8', spec)).toBe(false);
    expect(django.pythonLimit!.note).toContain('3.12');
  });
});

describe.skipIf(!hasSeed)('coverage of the seed (../shared/pypy/packages.csv)', () => {
  const rows = hasSeed ? readCsv(readFileSync(seedCsv, 'utf8')) : [];
  const readme = readFileSync(path.join(repoRoot, 'data', 'README.md'), 'utf8');
  const verified = rows.filter((r) => r.pypy_status !== 'unverified');
  const unverified = rows.filter((r) => r.pypy_status === 'unverified');

  it('reads the seed as 88 rows, 16 of them unverified (hand-counted)', () => {
    expect(rows).toHaveLength(88);
    expect(unverified).toHaveLength(16);
  });

  it('has an entry for every verified row whose name is a project name', () => {
    const missing = verified.filter((r) => isValidName(r.name!) && !kb.get(r.name!)).map((r) => r.name);
    expect(missing).toEqual([]);
  });

  it('explains in data/README.md every verified row that is not a project name', () => {
    const notProjects = verified.filter((r) => !isValidName(r.name!));
    expect(notProjects.map((r) => r.name)).toEqual(['Cython-built packages (general)']);
    for (const r of notProjects) expect(readme).toContain(`**\`${r.name}\`**`);
  });

  it('maps each seed status to a compatible knowledge status', () => {
    const allowed: Record<string, KnowledgeStatus[]> = {
      works: ['works', 'pure-fallback', 'cffi', 'builtin'],
      'works-slow': ['cpyext-slow', 'no-gain'],
      broken: ['broken'],
      'unmaintained-alternative': ['works', 'cffi', 'cpyext-slow', 'pure-fallback'],
    };
    // Deliberate departures from the seed, each explained in data/README.md.
    const departures: Record<string, KnowledgeStatus> = { scipy: 'no-gain' };
    for (const r of verified) {
      const entry = kb.get(r.name!);
      if (!entry) continue; // non-project rows, checked above
      if (departures[canonicalizeName(r.name!)]) {
        expect(entry.status, r.name).toBe(departures[canonicalizeName(r.name!)]);
        expect(readme, r.name).toContain(`**${canonicalizeName(r.name!)}**`);
        continue;
      }
      expect(allowed[r.pypy_status!], `${r.name}: seed status ${r.pypy_status}`).toContain(entry.status);
      if (r.pypy_status === 'unmaintained-alternative') expect(entry.alternative, r.name).toBeTruthy();
      if (r.pypy_status === 'broken' && r.alternative!.trim() !== '') expect(entry.alternative, r.name).toBeTruthy();
    }
  });

  it('gives every unverified row either a sourced entry or a line in data/README.md under pending evidence', () => {
    const pending = readme.slice(readme.indexOf('### Pending evidence'));
    for (const r of unverified) {
      const listed = new RegExp(`^\\| ${r.name!.replace(/\./g, '\\.')} \\|`, 'm').test(pending);
      const entry = kb.get(r.name!);
      // One or the other, never both: an entry means the evidence was found.
      expect(Boolean(entry) !== listed, `${r.name}: entry ${Boolean(entry)}, listed as pending ${listed}`).toBe(true);
    }
  });

  it('keeps the statuses of rows that were unverified in the seed honest: never "works" without a source naming PyPy support', () => {
    for (const r of unverified) {
      const entry = kb.get(r.name!);
      if (entry) expect(entry.status, r.name).not.toBe('works');
    }
  });
});

describe('parseKnowledgeBase validation', () => {
  const good = (): Record<string, unknown> => ({
    name: 'orjson',
    status: 'broken',
    summary: 'Does not support PyPy.',
    alternative: { name: 'json (standard library)', note: 'fast under the JIT' },
    appliesTo: '>=3',
    pythonLimit: null,
    sources: ['https://example.org/orjson'],
  });
  const file = (...entries: unknown[]) => ({ schemaVersion: 1, entries });

  /** Parses and returns the one-line KnowledgeBaseError message, failing the test if none is thrown. */
  function rejection(json: unknown): string {
    try {
      parseKnowledgeBase(json, 'kb.json');
    } catch (error) {
      expect(error).toBeInstanceOf(KnowledgeBaseError);
      const message = (error as Error).message;
      expect(message).not.toContain('\n');
      expect(message.startsWith('kb.json: ')).toBe(true);
      return message;
    }
    throw new Error('expected a KnowledgeBaseError');
  }

  it('accepts a well-formed entry and keeps its fields', () => {
    const base = parseKnowledgeBase(file(good(), { name: 'cffi', status: 'builtin', summary: 'Part of PyPy.', sources: ['measured: x'] }), 'kb.json');
    const entry: KnowledgeEntry = base.get('ORJSON')!;
    expect(entry).toEqual(good());
    expect(base.get('cffi')?.alternative).toBeUndefined();
    expect(base.entries().map((e) => e.name)).toEqual(['orjson', 'cffi']);
  });

  it('rejects an entry without sources', () => {
    const { sources: _dropped, ...noSources } = good();
    expect(rejection(file(noSources))).toBe('kb.json: entry 0 ("orjson"): field "sources": expected an array, got undefined');
    expect(rejection(file({ ...good(), sources: [] }))).toBe('kb.json: entry 0 ("orjson"): field "sources": must list at least one source');
    expect(rejection(file({ ...good(), sources: ['  '] }))).toMatch(/entry 0 \("orjson"\): field "sources\[0\]": must not be empty/);
    expect(rejection(file({ ...good(), sources: ['https://a.example', 'https://a.example'] }))).toMatch(/field "sources\[1\]": duplicate source/);
    expect(rejection(file({ ...good(), sources: ['somewhere on the web'] }))).toMatch(/field "sources\[0\]": expected "https:/);
    expect(rejection(file({ ...good(), sources: ['github.com/owner'] }))).toMatch(/field "sources\[0\]": expected/);
    expect(rejection(file({ ...good(), sources: 'https://x' }))).toMatch(/field "sources": expected an array, got the string/);
  });

  it('rejects invalid specifiers', () => {
    expect(rejection(file({ ...good(), appliesTo: '>>2' }))).toBe(
      'kb.json: entry 0 ("orjson"): field "appliesTo": invalid PEP 440 specifier ">>2"',
    );
    expect(rejection(file({ ...good(), appliesTo: '' }))).toMatch(/field "appliesTo": must not be empty/);
    expect(rejection(file({ ...good(), pythonLimit: { specifier: 'six', note: 'n' } }))).toMatch(
      /entry 0 \("orjson"\): field "pythonLimit.specifier": invalid PEP 440 specifier "six"/,
    );
  });

  it('accepts and checks the drop-in, Requires-Python and PyPy-wheel fields', () => {
    const rich = {
      ...good(),
      alternative: { name: 'psycopg', note: 'n', dropIn: 'partial', dropInFor: "Django's postgresql backend" },
      pythonLimit: { specifier: '>=2', note: 'n', requiresPython: '>=3.12' },
      pypyWheels: { specifier: '>=1,<2', note: 'pp311 wheels' },
    };
    expect(parseKnowledgeBase(file(rich), 'kb.json').get('orjson')).toEqual(rich);
    const alt = (extra: Record<string, unknown>) => file({ ...good(), alternative: { name: 'x', note: 'n', ...extra } });
    expect(rejection(alt({ dropIn: 'maybe' }))).toMatch(/field "alternative.dropIn": expected one of yes, no, partial/);
    expect(rejection(alt({ dropIn: true }))).toMatch(/field "alternative.dropIn": expected one of/);
    expect(rejection(alt({ dropIn: 'partial' }))).toMatch(/field "alternative.dropInFor": required with dropIn "partial", and only then/);
    expect(rejection(alt({ dropIn: 'yes', dropInFor: 'Django' }))).toMatch(/field "alternative.dropInFor": required with dropIn "partial"/);
    expect(rejection(alt({ dropInFor: 'Django' }))).toMatch(/field "alternative.dropInFor"/);
    expect(rejection(file({ ...good(), pythonLimit: { specifier: '>=2', note: 'n', requiresPython: 'py3' } }))).toMatch(/field "pythonLimit.requiresPython": invalid PEP 440 specifier/);
    expect(rejection(file({ ...good(), pythonLimit: { specifier: '>=2', note: 'n', python: '3.12' } }))).toMatch(/field "pythonLimit.python": unknown field/);
    expect(rejection(file({ ...good(), pypyWheels: { specifier: 'latest', note: 'n' } }))).toMatch(/field "pypyWheels.specifier": invalid PEP 440 specifier/);
    expect(rejection(file({ ...good(), pypyWheels: { specifier: '<2', note: 'n', first: '1' } }))).toMatch(/field "pypyWheels.first": unknown field/);
    expect(rejection(file({ ...good(), pypyWheels: '<2' }))).toMatch(/field "pypyWheels": expected an object or null/);
  });

  it('accepts "unverified" as a status', () => {
    expect(parseKnowledgeBase(file({ ...good(), status: 'unverified' }), 'kb.json').get('orjson')?.status).toBe('unverified');
  });

  it('rejects duplicate entries', () => {
    expect(rejection(file(good(), { ...good(), summary: 'again' }))).toBe('kb.json: entry 1 ("orjson"): field "name": duplicate entry');
  });

  it('rejects names that are invalid or not normalised', () => {
    expect(rejection(file({ ...good(), name: 'Psycopg2_Binary' }))).toBe(
      'kb.json: entry 0 ("Psycopg2_Binary"): field "name": must be PEP 503 normalised ("psycopg2-binary")',
    );
    expect(rejection(file({ ...good(), name: 'not a name' }))).toMatch(/entry 0: field "name": expected a valid project name/);
    expect(rejection(file({ ...good(), name: 7 }))).toMatch(/entry 0: field "name": expected a valid project name, got a number/);
  });

  it('rejects wrong types, unknown fields and multi-line text', () => {
    expect(rejection(file({ ...good(), status: 'fine' }))).toMatch(/\("orjson"\): field "status": expected one of works, pure-fallback/);
    expect(rejection(file({ ...good(), summary: 'two\nlines' }))).toMatch(/field "summary": must be one line/);
    expect(rejection(file({ ...good(), summary: 'x'.repeat(301) }))).toMatch(/field "summary": longer than 300/);
    expect(rejection(file({ ...good(), altrnative: null }))).toMatch(/field "altrnative": unknown field/);
    expect(rejection(file({ ...good(), alternative: 'json' }))).toMatch(/field "alternative": expected an object or null/);
    expect(rejection(file({ ...good(), alternative: { name: 'json' } }))).toMatch(/field "alternative.note": expected a string/);
    expect(rejection(file({ ...good(), alternative: { name: 'json', note: 'n', url: 'u' } }))).toMatch(/field "alternative.url": unknown field/);
    expect(rejection(file('orjson'))).toMatch(/^kb.json: entry 0: expected an object, got the string "orjson"$/);
  });

  it('rejects a malformed file', () => {
    expect(rejection([])).toBe('kb.json: expected a JSON object, got an array');
    expect(rejection({ entries: [] })).toMatch(/"schemaVersion" must be 1, got undefined/);
    expect(rejection({ schemaVersion: 2, entries: [] })).toMatch(/"schemaVersion" must be 1/);
    expect(rejection({ schemaVersion: 1, entries: {} })).toMatch(/"entries" must be an array/);
    expect(rejection({ schemaVersion: 1, entries: [], extra: 1 })).toMatch(/unknown top-level field "extra"/);
  });
});

describe('loadKnowledgeBase and packageRoot', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'pypy-ready-kb-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reports a missing file and invalid JSON as one-line errors naming the path', () => {
    const missing = path.join(dir, 'absent.json');
    expect(() => loadKnowledgeBase(missing)).toThrow(new KnowledgeBaseError(`${missing}: cannot read the knowledge base (ENOENT)`));
    const broken = path.join(dir, 'broken.json');
    writeFileSync(broken, '{"schemaVersion": 1,\n "entries": [');
    let message = '';
    try {
      loadKnowledgeBase(broken);
    } catch (error) {
      expect(error).toBeInstanceOf(KnowledgeBaseError);
      message = (error as Error).message;
    }
    expect(message.startsWith(`${broken}: invalid JSON: `)).toBe(true);
    expect(message).not.toContain('\n');
  });

  it('loads another file and prefixes validation errors with its path', () => {
    const other = path.join(dir, 'other.json');
    writeFileSync(other, JSON.stringify({ schemaVersion: 1, entries: [{ name: 'x', status: 'works', summary: 's', sources: [] }] }));
    expect(() => loadKnowledgeBase(other)).toThrow(`${other}: entry 0 ("x"): field "sources": must list at least one source`);
  });

  it('finds the nearest directory holding package.json', () => {
    const nested = path.join(dir, 'pkg', 'dist', 'assess');
    mkdirSync(nested, { recursive: true });
    writeFileSync(path.join(dir, 'pkg', 'package.json'), '{}');
    expect(packageRoot(nested)).toBe(path.join(dir, 'pkg'));
    expect(packageRoot()).toBe(repoRoot);
  });
});
