/**
 * Fuzz properties of src/pep/ (issue 10): requirement lines, markers, versions and specifiers,
 * wheel and sdist names, tags, names. Every parser throws only PackagingError with a one-line,
 * bounded message; round-trips hold where defined; and where an answer can be checked, it is
 * checked against Python's own `packaging` (26 for PEP 508, pip 23's vendored 21.3 for PEP 440).
 *
 * The unit suite runs a small fixed-seed sample of each; `npm run fuzz` runs 100,000 cases.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PackagingError } from '../../src/pep/errors.js';
import { parseDistributionFilename, parseSdistFilename, parseWheelFilename, sdistFormat } from '../../src/pep/filenames.js';
import { evaluateMarker, markerToString, markerVariables, parseMarker, type Marker, type MarkerEnvironment } from '../../src/pep/markers.js';
import { canonicalizeName, isValidName, wheelEscapedName } from '../../src/pep/names.js';
import { manylinuxPlatforms, musllinuxPlatforms, parseLibcVersion } from '../../src/pep/platforms.js';
import { MAX_CLAUSES, parseRequirement, requirementToString } from '../../src/pep/requirements.js';
import { MAX_TAGS, parseTagSet, tagToString } from '../../src/pep/tags.js';
import {
  allowedVersions,
  canonicalVersion,
  compareVersions,
  isPrerelease,
  isValidSpecifier,
  isValidVersion,
  MAX_SPECIFIER_CLAUSES,
  parseVersion,
  satisfies,
} from '../../src/pep/versions.js';
import {
  buildTag,
  hostileRun,
  markerText,
  mutated,
  projectName,
  requirementText,
  SDIST_EXTENSIONS,
  specifierSet,
  spelledVersion,
  tagSetParts,
  targets,
  version,
  versionish,
} from './pep-arbitraries.js';
import { batch, expectNoMismatches, fuzzAssert, hasPackaging26, hasPipPackaging, inChunks, onlyTyped, python, show } from './pep-support.js';
import { fuzzParameters } from './runs.js';

const only = <T>(fn: () => T): T | undefined => onlyTyped(PackagingError, fn);

/** Evaluation of a parsed marker on every target: a boolean, or 'error' for a PackagingError. */
function evaluations(marker: Marker): Array<boolean | 'error'> {
  return targets.map((env) => {
    let result: boolean | 'error' = 'error';
    onlyTyped(PackagingError, () => {
      result = evaluateMarker(marker, env);
    });
    return result;
  });
}

// ---------------------------------------------------------------------------------------------
// The packaging 26 oracle for PEP 508
// ---------------------------------------------------------------------------------------------

interface OracleRequirement {
  ok: boolean;
  name?: string;
  extras?: string[];
  specifier?: string[];
  url?: string | null;
  /** Per target: true, false, or 'error' (packaging raised). Null without a marker. */
  marker?: Array<boolean | 'error'> | null;
}

const PEP508_ORACLE = `
import json, sys
from packaging.requirements import Requirement, InvalidRequirement
from packaging.markers import Marker, InvalidMarker
from packaging.utils import canonicalize_name
data = json.load(sys.stdin)
envs = []
for env in data["targets"]:
    env = dict(env)
    env.update(extra="", extras=frozenset(), dependency_groups=frozenset())
    envs.append(env)
def evaluate(marker):
    out = []
    for env in envs:
        try:
            out.append(bool(marker.evaluate(env, "lock_file")))
        except Exception:
            out.append("error")
    return out
results = []
for kind, text in data["cases"]:
    try:
        if kind == "marker":
            m = Marker(text)
            results.append({"ok": True, "marker": evaluate(m)})
            continue
        r = Requirement(text)
    except Exception:
        # InvalidRequirement / InvalidMarker, and also what packaging lets escape from hostile
        # text (SyntaxError from ast.literal_eval, RecursionError): either way, not a requirement.
        results.append({"ok": False})
        continue
    results.append({
        "ok": True,
        "name": r.name,
        "extras": sorted({canonicalize_name(e) for e in r.extras}),
        "specifier": sorted(str(s) for s in r.specifier),
        "url": r.url,
        "marker": None if r.marker is None else evaluate(r.marker),
    })
print(json.dumps(results))
`;

function pep508Oracle(cases: Array<['requirement' | 'marker', string]>): OracleRequirement[] {
  return python<OracleRequirement[]>(PEP508_ORACLE, { targets, cases });
}

/** Our answer in the oracle's shape; markers compared by evaluation on every target. */
function ourRequirement(text: string): OracleRequirement {
  const r = only(() => parseRequirement(text));
  if (r === undefined) return { ok: false };
  return {
    ok: true,
    name: r.name,
    extras: r.extras,
    specifier: r.specifier === '' ? [] : r.specifier.split(',').sort(),
    url: r.url,
    marker: r.marker === null ? null : evaluations(r.marker),
  };
}

/**
 * packaging evaluates every clause (an undefined comparison anywhere raises); we stop as soon as
 * the answer is known. So an error on their side may be a boolean on ours, never the reverse.
 */
function sameEvaluation(ours: Array<boolean | 'error'> | null | undefined, theirs: Array<boolean | 'error'> | null | undefined): boolean {
  if (ours === null || ours === undefined || theirs === null || theirs === undefined) return ours === theirs;
  return ours.every((value, i) => theirs[i] === 'error' || value === theirs[i]);
}

function describeDifference(text: string, ours: OracleRequirement, theirs: OracleRequirement): string | null {
  if (ours.ok !== theirs.ok) return `${show(text)}: ours ${ours.ok ? 'parses' : 'rejects'}, packaging ${theirs.ok ? 'parses' : 'rejects'}`;
  if (!ours.ok) return null;
  const { marker: om, ...ourFields } = ours;
  const { marker: tm, ...theirFields } = theirs;
  if (JSON.stringify(ourFields) !== JSON.stringify(theirFields)) {
    return `${show(text)}: ours ${JSON.stringify(ourFields)}, packaging ${JSON.stringify(theirFields)}`;
  }
  if (!sameEvaluation(om, tm)) return `${show(text)}: marker ours ${JSON.stringify(om)}, packaging ${JSON.stringify(tm)}`;
  return null;
}

// ---------------------------------------------------------------------------------------------
// Requirements
// ---------------------------------------------------------------------------------------------

describe('requirement lines (PEP 508)', () => {
  it('a line built from valid pieces parses, and its normalised text parses back to the same requirement', async () => {
    await fuzzAssert(
      fc.property(requirementText, (text) => {
        const r = only(() => parseRequirement(text));
        if (r === undefined) return; // a generated combination may break a rule (e.g. "~=1"); the oracle checks which
        const again = parseRequirement(requirementToString(r));
        expect({ ...again, markerText: null }).toEqual({ ...r, markerText: null });
      }),
      fuzzParameters(),
    );
  });

  it('a mutated line (hostile characters, long runs) throws only PackagingError, and what parses round-trips', async () => {
    await fuzzAssert(
      fc.property(fc.oneof(mutated(requirementText), fc.string({ unit: 'binary', maxLength: 60 })), (text) => {
        const r = only(() => parseRequirement(text));
        if (r === undefined) return;
        expect(r.normalizedName).toBe(canonicalizeName(r.name));
        const again = parseRequirement(requirementToString(r));
        expect({ ...again, markerText: null }).toEqual({ ...r, markerText: null });
        if (r.marker) evaluations(r.marker);
      }),
      fuzzParameters(),
    );
  });

  it.skipIf(!hasPackaging26)('agrees with packaging 26 on built and mutated lines (validity, name, extras, clauses, URL, marker value)', async () => {
    // Deliberate differences are left out: we ignore whitespace around the line (packaging only
    // accepts spaces and tabs there); a URL ends at any whitespace here, at a space or tab there
    // (so packaging takes line breaks into a URL); and packaging's tokenizer lets an
    // arbitrary-equality version run over a comma and the next clause, so `x ===1.0,<2 ;…` and
    // `x ===1.0, <2` fail there; and more than MAX_CLAUSES clauses is refused here.
    const texts = batch(fc.oneof({ weight: 2, arbitrary: requirementText }, { weight: 1, arbitrary: mutated(requirementText) }), 300).filter(
      (t) => !/===[^;]*,/.test(t) && !/@.*[^\S \t]/s.test(t.trim()) && t.split(',').length <= MAX_CLAUSES,
    );
    const mismatches: string[] = [];
    await inChunks(texts, (chunk) => {
      const theirs = pep508Oracle(chunk.map((t) => ['requirement', t.trim()]));
      chunk.forEach((text, i) => mismatches.push(...(describeDifference(text, ourRequirement(text), theirs[i]!) ?? [])));
    });
    expectNoMismatches('requirement lines disagree with packaging 26', mismatches);
  });
});

// ---------------------------------------------------------------------------------------------
// Markers
// ---------------------------------------------------------------------------------------------

describe('markers', () => {
  it('a built marker parses, prints to text that parses to the same tree, and evaluates (or throws PackagingError) on every target', async () => {
    await fuzzAssert(
      fc.property(markerText, (text) => {
        const marker = only(() => parseMarker(text));
        if (marker === undefined) return;
        expect(parseMarker(markerToString(marker))).toEqual(marker);
        expect(markerVariables(marker).size).toBeGreaterThan(0);
        for (const env of targets) {
          const value = only(() => evaluateMarker(marker, env, { extras: ['Test'], dependencyGroups: ['dev'] }));
          if (value !== undefined) expect(typeof value).toBe('boolean');
        }
      }),
      fuzzParameters(),
    );
  });

  it('a mutated marker throws only PackagingError, from parsing and from evaluating', async () => {
    await fuzzAssert(
      fc.property(fc.oneof(mutated(markerText), fc.string({ unit: 'binary', maxLength: 40 })), (text) => {
        const marker = only(() => parseMarker(text));
        if (marker === undefined) return;
        expect(parseMarker(markerToString(marker))).toEqual(marker);
        evaluations(marker);
      }),
      fuzzParameters(),
    );
  });

  it('deep nesting and long chains are refused with PackagingError or parsed, never a stack overflow', async () => {
    const clause = fc.constantFrom('os_name == "posix"', 'python_version >= "3.9"', 'extra == "x"');
    const shapes = fc.oneof(
      fc.tuple(fc.integer({ min: 1, max: 20_000 }), clause).map(([n, c]) => `${'('.repeat(n)}${c}${')'.repeat(n)}`),
      fc.tuple(fc.integer({ min: 1, max: 20_000 }), clause).map(([n, c]) => `${'('.repeat(n)}${c}`),
      fc.tuple(fc.integer({ min: 1, max: 5_000 }), clause, fc.constantFrom(' and ', ' or ')).map(([n, c, op]) => Array(n).fill(c).join(op)),
      fc.tuple(fc.integer({ min: 1, max: 2_000 }), clause).map(([n, c]) => `${c}${' and ('.repeat(n)}${c}${')'.repeat(n)}`),
    );
    await fuzzAssert(
      fc.property(shapes, (text) => {
        const marker = only(() => parseMarker(text));
        if (marker === undefined) return;
        markerToString(marker);
        evaluations(marker);
      }),
      fuzzParameters(50),
    );
  });

  it.skipIf(!hasPackaging26)('agrees with packaging 26 on which markers parse and on their value on every target', async () => {
    const texts = batch(fc.oneof({ weight: 3, arbitrary: markerText }, { weight: 1, arbitrary: mutated(markerText) }), 300);
    const mismatches: string[] = [];
    await inChunks(texts, (chunk) => {
      const theirs = pep508Oracle(chunk.map((t) => ['marker', t]));
      chunk.forEach((text, i) => {
        const marker = only(() => parseMarker(text));
        const ours: OracleRequirement = marker === undefined ? { ok: false } : { ok: true, marker: evaluations(marker) };
        mismatches.push(...(describeDifference(text, ours, theirs[i]!) ?? []));
      });
    });
    expectNoMismatches('markers disagree with packaging 26', mismatches);
  });
});

// ---------------------------------------------------------------------------------------------
// Versions and specifiers
// ---------------------------------------------------------------------------------------------

const PEP440_ORACLE = `
import json, sys, functools
from pip._vendor.packaging.version import Version, InvalidVersion
from pip._vendor.packaging.specifiers import Specifier, SpecifierSet, InvalidSpecifier
data = json.load(sys.stdin)
def valid(v):
    try:
        Version(v)
        return True
    except InvalidVersion:
        return False
out = {"valid": [valid(v) for v in data["versions"]]}
good = [v for v, ok in zip(data["versions"], out["valid"]) if ok]
# The rank of every valid version in packaging's order; equal versions share a rank.
ordered = sorted(set(Version(v) for v in good))
rank = {v: i for i, v in enumerate(ordered)}
out["rank"] = [rank[Version(v)] for v in good]
out["canonicalEqual"] = [Version(v) == Version(c) if c is not None and valid(c) else False for v, c in data["canonical"]]
# 21.3's SpecifierSet falls back to LegacySpecifier for anything; PEP 440 validity is every
# clause being a Specifier (SpecifierSet skips empty clauses).
def spec_valid(s):
    try:
        for c in s.split(","):
            if c.strip():
                Specifier(c)
        return True
    except InvalidSpecifier:
        return False
out["specValid"] = [spec_valid(s) for s in data["specifiers"]]
contains = []
for v, s in data["pairs"]:
    if not spec_valid(s):
        contains.append(None)
        continue
    ss = SpecifierSet(s)
    contains.append([ss.contains(v, prereleases=True), ss.contains(v), ss.contains(v, prereleases=False)])
out["contains"] = contains
print(json.dumps(out))
`;

interface Pep440Answers {
  valid: boolean[];
  rank: number[];
  canonicalEqual: boolean[];
  specValid: boolean[];
  contains: Array<[boolean, boolean, boolean]>;
}

describe('versions (PEP 440)', () => {
  it('a built version is valid; its canonical form is valid, equal to it, and canonical again', async () => {
    await fuzzAssert(
      fc.property(fc.oneof(version, spelledVersion), (v) => {
        expect(isValidVersion(v)).toBe(true);
        const canonical = canonicalVersion(v);
        expect(canonical).not.toBeNull();
        expect(isValidVersion(canonical!)).toBe(true);
        expect(canonicalVersion(canonical!)).toBe(canonical);
        expect(compareVersions(v, canonical!)).toBe(0);
        expect(parseVersion(v).isPrerelease).toBe(isPrerelease(v));
      }),
      fuzzParameters(),
    );
  });

  it('anything version-like is judged without throwing; parseVersion throws only PackagingError', async () => {
    await fuzzAssert(
      fc.property(fc.oneof(versionish, fc.string({ unit: 'binary', maxLength: 30 })), (v) => {
        const valid = isValidVersion(v);
        expect(canonicalVersion(v) !== null).toBe(valid);
        expect(only(() => parseVersion(v)) !== undefined).toBe(valid);
        isPrerelease(v);
      }),
      fuzzParameters(),
    );
  });

  it('compareVersions is a total order on valid versions (reflexive, antisymmetric, transitive)', async () => {
    await fuzzAssert(
      fc.property(fc.oneof(version, spelledVersion), fc.oneof(version, spelledVersion), fc.oneof(version, spelledVersion), (a, b, c) => {
        expect(compareVersions(a, a)).toBe(0);
        expect(Math.sign(compareVersions(a, b)) + Math.sign(compareVersions(b, a))).toBe(0);
        const [x, y, z] = [a, b, c].sort(compareVersions);
        expect(compareVersions(x!, y!)).toBeLessThanOrEqual(0);
        expect(compareVersions(y!, z!)).toBeLessThanOrEqual(0);
        expect(compareVersions(x!, z!)).toBeLessThanOrEqual(0);
      }),
      fuzzParameters(),
    );
  });

  it('satisfies and isValidSpecifier never throw, on any version and specifier text', async () => {
    await fuzzAssert(
      fc.property(fc.oneof(version, versionish), fc.oneof(specifierSet, mutated(specifierSet)), fc.constantFrom(true, false, undefined), (v, s, prereleases) => {
        const validSpecifier = isValidSpecifier(s);
        const answer = satisfies(v, s, prereleases === undefined ? {} : { prereleases });
        if (!validSpecifier || !isValidVersion(v)) expect(answer).toBe(false);
        allowedVersions([v, '1.0', '2.0rc1'], s, prereleases === undefined ? {} : { prereleases });
      }),
      fuzzParameters(),
    );
  });

  it.skipIf(!hasPipPackaging)("agrees with pip's packaging 21.3: validity, order, canonical forms, specifier validity and contains()", async () => {
    // Deliberate difference: packaging strips whitespace around a version; here (as in the library
    // before) " 1.0" is not a version. Callers trim what they read.
    const versions = batch(fc.oneof({ weight: 3, arbitrary: version }, { weight: 2, arbitrary: spelledVersion }, { weight: 1, arbitrary: versionish }), 400).filter(
      (v) => !/^\s|\s$/.test(v),
    );
    // Deliberate difference: more than MAX_SPECIFIER_CLAUSES clauses is refused here.
    const specifiers = batch(fc.oneof({ weight: 3, arbitrary: specifierSet }, { weight: 1, arbitrary: mutated(specifierSet) }), 400).filter(
      (s) => s.split(',').length <= MAX_SPECIFIER_CLAUSES,
    );
    const mismatches: string[] = [];
    await inChunks(versions, (chunk, start) => mismatches.push(...pep440Mismatches(chunk, specifiers.slice(start, start + chunk.length))));
    expectNoMismatches('answers disagree with packaging 21.3', mismatches);
  });
});

/** Our answers against packaging 21.3's for one chunk: validity, order, canonical forms, contains(). */
function pep440Mismatches(versions: string[], specifiers: string[]): string[] {
  const valid = versions.filter((v) => isValidVersion(v));
  const validSpecifiers = specifiers.filter((s) => isValidSpecifier(s));
  // Pairs where the version is near the specifier's own versions, so clauses are often on the edge.
  const pairs: Array<[string, string]> = validSpecifiers.flatMap((s, i) => {
    const own = s.split(',').map((c) => c.replace(/^\s*[=!<>~]+\s*/, '').replace(/\.\*$/, '').trim()).filter((v) => isValidVersion(v));
    return [...own, valid[i % Math.max(1, valid.length)] ?? '1.0'].map((v): [string, string] => [v, s]);
  });
  const theirs = python<Pep440Answers>(PEP440_ORACLE, {
    versions,
    canonical: valid.map((v) => [v, canonicalVersion(v)]),
    specifiers,
    pairs,
  });

  const mismatches: string[] = [];
  versions.forEach((v, i) => {
    if (isValidVersion(v) !== theirs.valid[i]) mismatches.push(`version ${show(v)}: ours valid=${isValidVersion(v)}, packaging ${theirs.valid[i]}`);
  });
  const theirValid = versions.filter((_, i) => theirs.valid[i]);
  // Order: for every pair of neighbours in packaging's ranks, our comparison has the same sign.
  const byRank = theirValid.map((v, i) => ({ v, rank: theirs.rank[i]! })).sort((a, b) => a.rank - b.rank);
  for (let i = 1; i < byRank.length; i++) {
    const [a, b] = [byRank[i - 1]!, byRank[i]!];
    if (!isValidVersion(a.v) || !isValidVersion(b.v)) continue;
    const expected = Math.sign(a.rank - b.rank);
    const ours = Math.sign(compareVersions(a.v, b.v));
    if (ours !== expected) mismatches.push(`order ${show(a.v)} vs ${show(b.v)}: ours ${ours}, packaging ${expected}`);
  }
  valid.forEach((v, i) => {
    if (!theirs.canonicalEqual[i]) mismatches.push(`canonical form of ${show(v)} is ${JSON.stringify(canonicalVersion(v))}, which packaging does not see as equal`);
  });
  specifiers.forEach((s, i) => {
    if (isValidSpecifier(s) !== theirs.specValid[i]) mismatches.push(`specifier ${show(s)}: ours valid=${isValidSpecifier(s)}, packaging ${theirs.specValid[i]}`);
  });
  pairs.forEach(([v, s], i) => {
    const ours = [satisfies(v, s, { prereleases: true }), satisfies(v, s), satisfies(v, s, { prereleases: false })];
    if (JSON.stringify(ours) !== JSON.stringify(theirs.contains[i])) {
      mismatches.push(`${show(v)} in ${show(s)} [pre=True, default, pre=False]: ours ${JSON.stringify(ours)}, packaging ${JSON.stringify(theirs.contains[i])}`);
    }
  });
  return mismatches;
}

// ---------------------------------------------------------------------------------------------
// File names, tags, names, platforms
// ---------------------------------------------------------------------------------------------

describe('wheel and sdist file names', () => {
  it('a wheel name built from parts parses back to the same parts', async () => {
    await fuzzAssert(
      fc.property(projectName, version, fc.option(buildTag), tagSetParts, fc.boolean(), (name, v, build, [interpreters, abis, platforms], upperSuffix) => {
        const escaped = wheelEscapedName(name);
        const wheelVersion = v.replaceAll('-', '_');
        const tags = `${interpreters.join('.')}-${abis.join('.')}-${platforms.join('.')}`;
        const filename = `${escaped}-${wheelVersion}${build === null ? '' : `-${build}`}-${tags}${upperSuffix ? '.WHL' : '.whl'}`;
        const parsed = parseWheelFilename(filename);
        expect(parsed.name).toBe(escaped);
        expect(parsed.normalizedName).toBe(canonicalizeName(name));
        expect(parsed.version).toBe(wheelVersion);
        expect(parsed.build).toEqual(build === null ? null : [Number(/^\d+/.exec(build)![0]), build.replace(/^\d+/, '')]);
        expect(parsed.tags.map(tagToString)).toEqual(interpreters.flatMap((i) => abis.flatMap((a) => platforms.map((p) => `${i}-${a}-${p}`))));
        expect(parseDistributionFilename(filename).kind).toBe('wheel');
      }),
      fuzzParameters(),
    );
  });

  it('an sdist name built from parts parses back to the same parts, with and without the project name', async () => {
    await fuzzAssert(
      fc.property(projectName, spelledVersion, fc.constantFrom(...SDIST_EXTENSIONS), (name, v, extension) => {
        const trimmed = v.trim();
        const filename = `${name}-${trimmed}${extension}`;
        const known = parseSdistFilename(filename, name);
        expect([known.name, known.version, known.format]).toEqual([name, trimmed, extension]);
        expect(known.normalizedName).toBe(canonicalizeName(name));
        expect(sdistFormat(filename)).toBe(extension);
        if (!/-[0-9]/.test(name) && !name.includes('-')) {
          const guessed = parseSdistFilename(filename);
          expect([guessed.name, guessed.version]).toEqual([name, trimmed]);
        }
      }),
      fuzzParameters(),
    );
  });

  it('mutated and arbitrary file names throw only PackagingError', async () => {
    const wheel = fc.tuple(projectName, version, tagSetParts).map(([n, v, [i, a, p]]) => `${wheelEscapedName(n)}-${v}-${i.join('.')}-${a.join('.')}-${p.join('.')}.whl`);
    const sdist = fc.tuple(projectName, version, fc.constantFrom(...SDIST_EXTENSIONS)).map(([n, v, e]) => `${n}-${v}${e}`);
    await fuzzAssert(
      fc.property(fc.oneof(mutated(wheel), mutated(sdist), fc.string({ unit: 'binary', maxLength: 40 })), fc.option(projectName), (filename, name) => {
        only(() => parseWheelFilename(filename));
        only(() => parseSdistFilename(filename));
        only(() => parseSdistFilename(filename, name ?? undefined));
        only(() => parseDistributionFilename(filename, name ?? undefined));
      }),
      fuzzParameters(),
    );
  });
});

describe('tags', () => {
  it('a compressed tag set expands to every combination, lower-cased, in order', async () => {
    await fuzzAssert(
      fc.property(tagSetParts, fc.boolean(), ([interpreters, abis, platforms], upper) => {
        const text = `${interpreters.join('.')}-${abis.join('.')}-${platforms.join('.')}`;
        const tags = parseTagSet(upper ? text.toUpperCase() : text);
        expect(tags.map(tagToString)).toEqual(interpreters.flatMap((i) => abis.flatMap((a) => platforms.map((p) => `${i}-${a}-${p}`))));
      }),
      fuzzParameters(),
    );
  });

  it('mutated tag sets throw only PackagingError, and a huge compressed set is refused, not expanded', async () => {
    const text = tagSetParts.map(([i, a, p]) => `${i.join('.')}-${a.join('.')}-${p.join('.')}`);
    const huge = fc.integer({ min: 50, max: 2000 }).map((n) => `${Array(n).fill('py3').join('.')}-${Array(n).fill('none').join('.')}-${Array(n).fill('any').join('.')}`);
    await fuzzAssert(
      fc.property(fc.oneof(mutated(text), huge, fc.string({ unit: 'binary', maxLength: 30 })), (t) => {
        const tags = only(() => parseTagSet(t));
        if (tags !== undefined) expect(tags.length).toBeLessThanOrEqual(MAX_TAGS);
      }),
      fuzzParameters(50),
    );
  });
});

describe('names', () => {
  it('canonicalizeName is idempotent, and escaping for wheels keeps the canonical name', async () => {
    await fuzzAssert(
      fc.property(fc.oneof(projectName, fc.string({ unit: 'binary', maxLength: 20 }), mutated(projectName)), (name) => {
        const canonical = canonicalizeName(name);
        expect(canonicalizeName(canonical)).toBe(canonical);
        expect(canonicalizeName(wheelEscapedName(name))).toBe(canonical);
        if (isValidName(name)) {
          expect(isValidName(canonical)).toBe(true);
          expect(canonicalizeName(name, { validate: true })).toBe(canonical);
        } else {
          only(() => canonicalizeName(name, { validate: true }));
        }
      }),
      fuzzParameters(),
    );
  });
});

describe('platforms', () => {
  it('parseLibcVersion returns null or small numbers, and the platform lists it feeds are bounded', async () => {
    await fuzzAssert(
      fc.property(fc.oneof(fc.stringMatching(/^\s?\d{1,4}[._-]\d{1,4}\s?$/), mutated(fc.constant('2.28')), hostileRun), (text) => {
        const libc = parseLibcVersion(text);
        if (libc === null) return;
        expect(Number.isInteger(libc.major) && Number.isInteger(libc.minor)).toBe(true);
        expect(manylinuxPlatforms('x86_64', libc).length).toBeLessThanOrEqual(2 * 1000);
        expect(musllinuxPlatforms('aarch64', libc).length).toBeLessThanOrEqual(1000);
      }),
      fuzzParameters(),
    );
  });
});

/** Hostile runs the environment may carry: evaluation still throws only PackagingError. */
describe('marker evaluation against hostile target environments', () => {
  it('evaluates or throws PackagingError for any string in any environment field', async () => {
    const keys = Object.keys(targets[0]!) as Array<keyof MarkerEnvironment>;
    await fuzzAssert(
      fc.property(markerText, fc.constantFrom(...keys), fc.oneof(hostileRun, versionish), (text, key, value) => {
        const marker = only(() => parseMarker(text));
        if (marker === undefined) return;
        only(() => evaluateMarker(marker, { ...targets[0]!, [key]: value }, { extras: [value] }));
      }),
      fuzzParameters(),
    );
  });
});
