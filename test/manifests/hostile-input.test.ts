/**
 * Issue 10, defect 4: hostile manifests of a fixed size (hundreds of thousands of one character)
 * are read, and the good lines around the bad one are kept with their own line numbers. No
 * wall-clock assertion here: before the fix these inputs took minutes (the test timed out); the
 * "double the size, time ratio < 3" properties live in test/fuzz/manifests.timing.fuzz.ts.
 */
import { describe, expect, it } from 'vitest';
import { formatIssue, parseManifest, type ManifestFormat } from '../../src/manifests/index.js';
import { MAX_ENTRIES_PER_FILE } from '../../src/manifests/limits.js';
import { parseRequirementsFile } from '../../src/manifests/requirements-file.js';
import { MAX_TOML_ITEMS, TomlPositions } from '../../src/manifests/toml-positions.js';

const N = 200_000;

/** The characters a run of which used to be quadratic somewhere, and a few neighbours. */
const RUNS = [' ', '\t', '[', ']', '#', '\\', '"', "'", '.', '=', ';', '@', '/', '%', '(', '{', ',', '-', '\u2028', '\f'];
/** Where on a line the run starts: each prefix sends it to a different part of the reader. */
const PREFIXES = ['', 'a', 'a ', 'a; ', 'a @ ', 'a[', './', 'git+https://h/', '-r ', '-e ', '--hash=', 'a #', 'a==1 ; python_version'];

function checkIssues(r: { issues: Parameters<typeof formatIssue>[0][] }, file: string): void {
  for (const i of r.issues) {
    const line = formatIssue(i);
    expect(line.startsWith(`${file}:${i.line}`)).toBe(true);
    expect(line).not.toMatch(/[\r\n\u2028\u2029]/);
    expect(line.length).toBeLessThan(1000);
  }
}

describe('requirements files: a hostile line between two good ones', () => {
  it.each(PREFIXES)('prefix %j, every run character', (prefix) => {
    for (const c of RUNS) {
      // The bad line ends in "!" so that it never continues into the next line.
      const text = `first==1\n${prefix}${c.repeat(N)}!\n\nsecond==2\n`;
      const r = parseRequirementsFile(text, 'r.txt');
      const good = r.requirements.filter((q) => q.name === 'first' || q.name === 'second');
      expect(good.map((q) => [q.name, q.location.line]), `${JSON.stringify(prefix)} + ${JSON.stringify(c)}`).toEqual([
        ['first', 1],
        ['second', 4],
      ]);
      checkIssues(r, 'r.txt');
    }
  });

  it('200,000 spaces inside a requirement still read as that requirement', () => {
    const r = parseRequirementsFile(`a==1\nrequests${' '.repeat(N)}>=2\nb==2\n`, 'r.txt');
    expect(r.issues).toEqual([]);
    expect(r.requirements.map((q) => [q.name, q.specifier, q.location.line])).toEqual([
      ['a', '==1', 1],
      ['requests', '>=2', 2],
      ['b', '==2', 3],
    ]);
  });

  it('a line of 200,000 spaces is a blank line', () => {
    const r = parseRequirementsFile(`a==1\n${' '.repeat(N)}\nb==2\n`, 'r.txt');
    expect(r.issues).toEqual([]);
    expect(r.requirements.map((q) => q.location.line)).toEqual([1, 3]);
  });

  it('10,000 short bad lines: the good line after them is kept and the issues stay bounded', () => {
    const r = parseRequirementsFile(`${'!\n'.repeat(10_000)}good==1\n`, 'r.txt');
    expect(r.requirements.map((q) => [q.name, q.location.line])).toEqual([['good', 10_001]]);
    expect(r.issues).toHaveLength(51);
    expect(formatIssue(r.issues.at(-1)!)).toBe('r.txt:10002: 9950 more problems in this file not shown');
  });

  it(`200,000 short lines: reading stops after ${MAX_ENTRIES_PER_FILE}, and an error says where`, () => {
    const r = parseRequirementsFile(`${'a\n'.repeat(N)}`, 'r.txt');
    expect(r.requirements).toHaveLength(MAX_ENTRIES_PER_FILE);
    expect(r.issues.map(formatIssue)).toEqual([
      `r.txt:${MAX_ENTRIES_PER_FILE + 1}: more than ${MAX_ENTRIES_PER_FILE} requirement, option and continuation lines in one file: the rest, from this one on, are not read`,
    ]);
    expect(r.issues[0]!.severity).toBe('error');
  });

  it('a continuation over 40,000 lines with a --hash on each keeps its location', () => {
    const r = parseRequirementsFile(`a==1 \\\n${'  --hash=sha256:00 \\\n'.repeat(40_000)}\nb==2\n`, 'r.txt');
    expect(r.requirements.map((q) => [q.name, q.location.line])).toEqual([
      ['a', 1],
      ['b', 40_003],
    ]);
    expect(r.requirements[0]!.hashes).toHaveLength(40_000);
  });

  it('--only-binary with 300,000 names does not overflow the stack', () => {
    const r = parseRequirementsFile(`--only-binary ${'x,'.repeat(300_000)}\na==1\n`, 'r.txt');
    expect(r.indexOptions.onlyBinary).toHaveLength(300_000);
    expect(r.requirements).toHaveLength(1);
  });
});

describe('TOML manifests: hostile shapes', () => {
  it('a table header with 100,000 dotted parts (the position scanner took over a minute)', () => {
    const text = `[project]\ndependencies = ["requests>=2"]\n[${'a.'.repeat(100_000)}a]\nx = 1\n`;
    const r = parseManifest(text, 'pyproject.toml', 'pyproject');
    expect(r.issues).toEqual([]);
    expect(r.requirements.map((q) => [q.name, q.location.line, q.location.column])).toEqual([['requests', 2, 18]]);
  });

  it('a dotted key with 100,000 parts and 20,000 arrays of tables', () => {
    const positions = new TomlPositions(`${'a.'.repeat(100_000)}a = 1\n${'[[t]]\n[t.u]\n'.repeat(20_000)}[[t]]\nname = "last"\n`, 'x.toml');
    expect(positions.value(['t', 20_000, 'name']).line).toBe(40_003);
  });

  it(`more than ${MAX_TOML_ITEMS} keys and tables: refused before smol-toml, with a fatal error`, () => {
    const r = parseManifest(`[project]\ndependencies = ["a"]\n${'[[t]]\n'.repeat(MAX_TOML_ITEMS)}`, 'pyproject.toml', 'pyproject');
    expect(r.requirements).toEqual([]);
    expect(r.issues).toHaveLength(1);
    expect(r.issues[0]).toMatchObject({ severity: 'error', fatal: true });
    expect(r.issues[0]!.message).toMatch(/more than 250000 TOML keys, values and tables/);
  });

  it.each<[ManifestFormat, string]>([
    ['pyproject', '[project]\ndependencies = [\n  "first==1",\n  "'],
    ['pipfile', '[packages]\nfirst = "==1"\nsecond = "'],
    ['setup-cfg', '[options]\ninstall_requires =\n    first==1\n    '],
  ])('%s: a requirement string of 200,000 of one character, between good ones', (format, head) => {
    for (const c of [' ', '\t', '[', '#', '.', '=', ';', '@', '%', '(', 'a']) {
      const run = format === 'setup-cfg' ? `x${c.repeat(N)}!` : `x${c.repeat(N)}!`.replace(/["\\]/g, '');
      const tail = format === 'pyproject' ? `",\n  "second==2",\n]\n` : format === 'pipfile' ? `"\nthird = "==3"\n` : `\n    second==2\n`;
      const r = parseManifest(`${head}${run}${tail}`, 'f', format);
      const names = r.requirements.map((q) => q.name);
      expect(names, `${format} ${JSON.stringify(c)}`).toEqual(expect.arrayContaining(['first']));
      expect(names).toEqual(expect.arrayContaining([format === 'pipfile' ? 'third' : 'second']));
      checkIssues(r, 'f');
    }
  });

  it('Pipfile.lock with 40,000 entries points each at its own line (one indexOf per entry from the section start before)', () => {
    const names = Array.from({ length: 40_000 }, (_, i) => `p${i}`);
    const text = `{\n"default": {\n${names.map((n) => `"${n}": {"version": "==1"}`).join(',\n')}\n}\n}\n`;
    const r = parseManifest(text, 'Pipfile.lock', 'pipfile-lock');
    expect(r.requirements).toHaveLength(40_000);
    expect(r.requirements.at(-1)!.location.line).toBe(40_002);
  });

  it('Pipfile.lock nested a million deep is refused at the line that goes too deep, before JSON.parse; brackets in strings do not count', () => {
    const deep = `{\n"default": {\n"a": {"version": "==1", "markers": "${'['.repeat(1000)}"},\n"b": ${'['.repeat(1_000_000)}\n`;
    const r = parseManifest(deep, 'Pipfile.lock', 'pipfile-lock');
    expect(r.issues).toEqual([expect.objectContaining({ line: 4, message: 'invalid Pipfile.lock: nested deeper than 256 levels', severity: 'error' })]);
    // Brackets inside strings (escaped quotes included) are text, not nesting.
    const ok = `{"default": {"a": {"version": "==1", "markers": "\\"${'['.repeat(1000)}"}}}`;
    expect(parseManifest(ok, 'Pipfile.lock', 'pipfile-lock').requirements.map((q) => q.name)).toEqual(['a']);
  });

  it('a dependency-group chain 5,000 deep neither overflows the stack nor multiplies without bound', () => {
    const groups = Array.from({ length: 5000 }, (_, i) => `g${i} = ["p${i}", {include-group = "g${i + 1}"}]`).join('\n');
    const r = parseManifest(`[dependency-groups]\n${groups}\ng5000 = ["last"]\n`, 'pyproject.toml', 'pyproject');
    expect(r.requirements.length).toBeGreaterThan(5000);
    expect(r.requirements.length).toBeLessThan(1_000_000);
    checkIssues(r, 'pyproject.toml');
  });
});

describe('setup.cfg: interpolation cannot multiply without bound', () => {
  it('ten levels of ten references each', () => {
    const lines = ['[options]', 'l0 = x==1'];
    for (let level = 1; level <= 10; level++) lines.push(`l${level} =`, ...Array.from({ length: 10 }, () => `    %(l${level - 1})s`));
    lines.push('install_requires =', '    first==1', '    %(l10)s');
    const r = parseManifest(`${lines.join('\n')}\n`, 'setup.cfg', 'setup-cfg');
    expect(r.requirements[0]!.name).toBe('first');
    expect(r.requirements.length).toBeLessThan(1_000_000);
    expect(r.issues.some((i) => i.severity === 'error' && /interpolation/.test(i.message))).toBe(true);
    checkIssues(r, 'setup.cfg');
  });
});
