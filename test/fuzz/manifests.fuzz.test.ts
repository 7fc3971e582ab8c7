/**
 * Fuzz properties of the manifest readers (issue 10): requirement lines and whole requirements
 * files, pyproject.toml, hatch.toml, Pipfile, setup.cfg and the five lock formats, from
 * real-looking pieces mutated with hostile characters and from random text.
 *
 * - No reader throws: every problem is an issue, each one line that starts with `file:line`,
 *   names a line of the file, and is bounded.
 * - A bad entry never loses the good ones around it: two known-good requirements with anything
 *   between them both come out, at their own lines.
 *
 * The unit suite runs a small fixed-seed sample of each; `npm run fuzz` runs 100,000 cases.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatOfContent, parseManifest, type ManifestFormat } from '../../src/manifests/index.js';
import { parseRequirementsFile } from '../../src/manifests/requirements-file.js';
import { LineMap } from '../../src/manifests/source-text.js';
import {
  document,
  DOCUMENTS,
  expectWellFormed,
  goodRequirement,
  hostileRun,
  mutated,
  requirementLine,
  requirementsFile,
  type FuzzFormat,
} from './manifests-arbitraries.js';
import { fuzzAssert } from './pep-support.js';
import { fuzzParameters } from './runs.js';

const FORMATS = Object.keys(DOCUMENTS) as FuzzFormat[];
const ALL_FORMATS: ManifestFormat[] = ['requirements', ...FORMATS];
const FILE: Record<ManifestFormat, string> = {
  requirements: 'requirements.txt',
  pyproject: 'pyproject.toml',
  hatch: 'hatch.toml',
  'setup-cfg': 'setup.cfg',
  pipfile: 'Pipfile',
  'uv-lock': 'uv.lock',
  'poetry-lock': 'poetry.lock',
  'pdm-lock': 'pdm.lock',
  pylock: 'pylock.toml',
  'pipfile-lock': 'Pipfile.lock',
};

const ENV = { PKG_VERSION: '1.2.3', HOME: '/home/x' };

describe('manifest readers never throw; every issue is one bounded line at file:line', () => {
  it('requirement lines, through the requirements reader', async () => {
    await fuzzAssert(
      fc.property(requirementLine, (line) => {
        expectWellFormed(parseRequirementsFile(line, 'r.txt', { env: ENV }), 'r.txt', line);
        expectWellFormed(parseRequirementsFile(line, 'c.txt', { env: ENV, kind: 'constraint' }), 'c.txt', line);
      }),
      fuzzParameters(),
    );
  });

  it('whole requirements files', async () => {
    await fuzzAssert(
      fc.property(requirementsFile, (text) => {
        expectWellFormed(parseManifest(text, 'requirements.txt', 'requirements', ENV), 'requirements.txt', text);
      }),
      fuzzParameters(),
    );
  });

  for (const format of FORMATS) {
    it(`${format}: the real-looking document, mutated`, async () => {
      await fuzzAssert(
        fc.property(document(format), (text) => {
          expectWellFormed(parseManifest(text, FILE[format], format), FILE[format], text);
        }),
        fuzzParameters(),
      );
    });
  }

  it('any format given any other format\'s document, mutated, or random text', async () => {
    const text = fc.oneof(
      mutated(fc.constantFrom(...Object.values(DOCUMENTS)), 3),
      requirementsFile,
      fc.string({ maxLength: 200 }),
      fc.array(hostileRun(50), { maxLength: 8 }).map((runs) => runs.join('')),
    );
    await fuzzAssert(
      fc.property(text, fc.constantFrom(...ALL_FORMATS), (t, format) => {
        expectWellFormed(parseManifest(t, FILE[format], format), FILE[format], t);
      }),
      fuzzParameters(),
    );
  });

  it('content sniffing gives a format for any text', async () => {
    await fuzzAssert(
      fc.property(fc.oneof(mutated(fc.constantFrom(...Object.values(DOCUMENTS)), 3), requirementsFile, fc.string()), (t) => {
        expect(ALL_FORMATS).toContain(formatOfContent(t));
      }),
      fuzzParameters(),
    );
  });
});

// ------------------------------------------------------------------------------------------------
// A bad entry between two good ones

/** A TOML basic string holding `s` (control characters escaped, lone surrogates dropped). */
function tomlString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c >= 0xd800 && c <= 0xdfff) continue;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (c < 0x20 || c === 0x7f) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/** A TOML value that is not a good requirement: a mutated string mostly, else another type. */
const badTomlValue: fc.Arbitrary<string> = fc.oneof(
  { weight: 8, arbitrary: requirementLine.map(tomlString) },
  { weight: 1, arbitrary: fc.constantFrom('1', 'true', '[]', '{}', '{ version = 1 }', '["a", 1]', '1979-05-27T07:32:00Z', '{ git = 3 }') },
);

const lineOf = (text: string, needle: string): number => new LineMap(text).position(text.indexOf(needle)).line;

function expectGoodOnes(
  r: { requirements: { name: string; location: { line: number } }[] },
  expected: [string, number][],
  text: string,
): void {
  const found = expected.map(([name]) => r.requirements.find((q) => q.name === name));
  expect(
    found.map((q, i) => (q ? [q.name, q.location.line] : ['missing', expected[i]![0]])),
    text.slice(0, 2000),
  ).toEqual(expected);
}

const pair = fc
  .tuple(goodRequirement, goodRequirement)
  .filter(([a, b]) => a.name !== b.name)
  .map(([a, b]) => [{ ...a, name: `g${a.name}`, line: `g${a.line}` }, { ...b, name: `h${b.name}`, line: `h${b.line}` }] as const);

describe('a bad entry never loses the good ones around it', () => {
  it('requirements file: a bad line between two good requirement lines', async () => {
    await fuzzAssert(
      fc.property(pair, requirementLine, ([a, b], bad) => {
        // The blank line ends a continuation the bad line may start (pip joins a trailing "\").
        const text = `${a.line}\n${bad}\n\n${b.line}\n`;
        const r = parseRequirementsFile(text, 'r.txt');
        expectGoodOnes(r, [[a.name, 1], [b.name, new LineMap(text).position(text.lastIndexOf(b.line)).line]], text);
        expectWellFormed(r, 'r.txt', text);
      }),
      fuzzParameters(),
    );
  });

  it('pyproject.toml: a bad dependency string between two good ones', async () => {
    await fuzzAssert(
      fc.property(pair, badTomlValue, ([a, b], bad) => {
        const text = `[project]\nname = "x"\ndependencies = [\n  "${a.line}",\n  ${bad},\n  "${b.line}",\n]\n`;
        const r = parseManifest(text, 'pyproject.toml', 'pyproject');
        expectGoodOnes(r, [[a.name, 4], [b.name, 6]], text);
        expectWellFormed(r, 'pyproject.toml', text);
      }),
      fuzzParameters(),
    );
  });

  it('pyproject.toml (Poetry): a bad dependency table between two good ones', async () => {
    await fuzzAssert(
      fc.property(pair, badTomlValue, ([a, b], bad) => {
        const text = `[tool.poetry.dependencies]\n${a.name} = "^1.0"\n"~bad" = ${bad}\n${b.name} = { version = ">=2" }\n`;
        const r = parseManifest(text, 'pyproject.toml', 'pyproject');
        expectGoodOnes(r, [[a.name, 2], [b.name, 4]], text);
        expectWellFormed(r, 'pyproject.toml', text);
      }),
      fuzzParameters(),
    );
  });

  it('Pipfile: a bad entry between two good ones', async () => {
    await fuzzAssert(
      fc.property(pair, badTomlValue, fc.string({ maxLength: 10 }), ([a, b], bad, key) => {
        const text = `[packages]\n${a.name} = "==1.0"\n${tomlString(`~${key}`)} = ${bad}\n${b.name} = "*"\n`;
        const r = parseManifest(text, 'Pipfile', 'pipfile');
        expectGoodOnes(r, [[a.name, 2], [b.name, 4]], text);
        expectWellFormed(r, 'Pipfile', text);
      }),
      fuzzParameters(),
    );
  });

  it('setup.cfg: a bad line between two good install_requires lines', async () => {
    await fuzzAssert(
      fc.property(pair, requirementLine.map((l) => l.replace(/[\r\n]/g, ' ')), ([a, b], bad) => {
        const text = `[options]\ninstall_requires =\n    ${a.line}\n    ${bad}\n    ${b.line}\n`;
        const r = parseManifest(text, 'setup.cfg', 'setup-cfg');
        expectGoodOnes(r, [[a.name, 3], [b.name, 5]], text);
        expectWellFormed(r, 'setup.cfg', text);
      }),
      fuzzParameters(),
    );
  });

  for (const [format, table] of [['uv-lock', 'package'], ['poetry-lock', 'package'], ['pdm-lock', 'package'], ['pylock', 'packages']] as const) {
    it(`${format}: a bad [[${table}]] entry between two good ones`, async () => {
      await fuzzAssert(
        fc.property(pair, badTomlValue, badTomlValue, fc.boolean(), ([a, b], badName, badVersion, withDeps) => {
          const head = format === 'pylock' ? 'lock-version = "1.0"\n' : format === 'uv-lock' ? 'version = 1\n' : '';
          const deps = withDeps ? (format === 'uv-lock' ? `dependencies = [{ name = ${badName} }]\n` : format === 'pdm-lock' ? `dependencies = [${badName}]\n` : '') : '';
          const text =
            `${head}[[${table}]]\nname = "${a.name}"\nversion = "1.0"\n\n` +
            `[[${table}]]\nname = ${badName.startsWith('"') ? `"~${badName.slice(1)}` : badName}\nversion = ${badVersion}\n${deps}\n` +
            `[[${table}]]\nname = "${b.name}"\nversion = "2.0"\n`;
          const r = parseManifest(text, FILE[format], format);
          expectGoodOnes(r, [[a.name, lineOf(text, `name = "${a.name}"`)], [b.name, lineOf(text, `name = "${b.name}"`)]], text);
          expectWellFormed(r, FILE[format], text);
        }),
        fuzzParameters(),
      );
    });
  }

  it('Pipfile.lock: a bad entry between two good ones', async () => {
    const json = fc.oneof(
      requirementLine.map((s) => JSON.stringify(s)),
      fc.constantFrom('1', 'null', '[]', '{}', '{"version": 3}', '{"version": "=="}', '{"git": {}, "ref": 1}', '{"hashes": "x"}'),
      requirementLine.map((s) => JSON.stringify({ version: s, markers: s, hashes: [s] })),
    );
    await fuzzAssert(
      fc.property(pair, fc.string({ maxLength: 12 }), json, ([a, b], key, bad) => {
        const text = `{\n"default": {\n"${a.name}": {"version": "==1.0"},\n${JSON.stringify(`~${key}`)}: ${bad},\n"${b.name}": {"version": "==2.0"}\n}\n}\n`;
        const r = parseManifest(text, 'Pipfile.lock', 'pipfile-lock');
        expectGoodOnes(r, [[a.name, 3], [b.name, 5]], text);
        expectWellFormed(r, 'Pipfile.lock', text);
      }),
      fuzzParameters(),
    );
  });
});
