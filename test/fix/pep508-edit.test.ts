/**
 * One requirement, rewritten: only the part the fix is about changes, and pip's own packaging reads
 * the result as intended (ground truth: pip 23's vendored `packaging.requirements.Requirement`).
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { rewritePep508, type Change } from '../../src/fix/pep508-edit.js';
import { NOT_ON_PYPY } from '../../src/fix/plan.js';

const marker: Change = { kind: 'marker', marker: NOT_ON_PYPY };
const below6: Change = { kind: 'upper-bound', bound: { op: '<', version: '6' } };
const upTo133: Change = { kind: 'upper-bound', bound: { op: '<=', version: '1.3.3' } };
const pin: Change = { kind: 'pin', version: '3.2.1' };
const psycopg: Change = { kind: 'replace', name: 'psycopg', extras: ['binary'] };

const CASES: [string, Change, string][] = [
  ['hiredis>=3.1', marker, 'hiredis>=3.1; platform_python_implementation != "PyPy"'],
  ['hiredis', marker, 'hiredis; platform_python_implementation != "PyPy"'],
  ['uvloop>=0.21; sys_platform != "win32"', marker, 'uvloop>=0.21; (sys_platform != "win32") and platform_python_implementation != "PyPy"'],
  ['uvloop ;python_version>"3.8" or os_name=="nt"', marker, 'uvloop ;(python_version>"3.8" or os_name=="nt") and platform_python_implementation != "PyPy"'],
  ['Django>=4.2,<7', below6, 'Django>=4.2,<6'],
  ['Django >= 4.2, < 7', below6, 'Django >= 4.2, < 6'],
  ['Django', below6, 'Django<6'],
  ['Django[argon2]>=4.2; python_version >= "3.10"', below6, 'Django[argon2]>=4.2,<6; python_version >= "3.10"'],
  ['Django>=4.2,!=5.0.1,<=7.1', below6, 'Django>=4.2,!=5.0.1,<6'],
  ['build (>=1.2.1,<2.0.0)', { kind: 'upper-bound', bound: { op: '<', version: '1.5' } }, 'build (>=1.2.1,<1.5)'],
  ['contourpy>=1.2', upTo133, 'contourpy>=1.2,<=1.3.3'],
  ['hiredis>=3.1', pin, 'hiredis==3.2.1'],
  ['hiredis[x] ; python_version>"3"', pin, 'hiredis[x]==3.2.1 ; python_version>"3"'],
  ['psycopg2-binary==2.9.11', psycopg, 'psycopg[binary]'],
  ['psycopg2-binary>=2.9 ; python_version>"3"', psycopg, 'psycopg[binary] ; python_version>"3"'],
  ['psycopg2-binary>=2.9;python_version>"3"', psycopg, 'psycopg[binary];python_version>"3"'],
];

describe('rewriting one PEP 508 requirement', () => {
  it.each(CASES)('%s', (from, change, to) => {
    expect(rewritePep508(from, change, '"')).toEqual({ ok: true, text: to });
  });

  it("pip's packaging reads each result as the change intends", () => {
    // Markers are compared by what they decide: on two CPythons as before, on PyPy never.
    const script = `
import json, sys
from pip._vendor.packaging.requirements import Requirement
from pip._vendor.packaging.markers import default_environment
def env(impl, name, plat, py):
    e = default_environment()
    e.update(platform_python_implementation=impl, implementation_name=name, sys_platform=plat, os_name="nt" if plat == "win32" else "posix", python_version=py, python_full_version=py + ".0")
    return e
envs = [env("CPython", "cpython", "linux", "3.11"), env("CPython", "cpython", "win32", "3.8"), env("PyPy", "pypy", "linux", "3.11")]
decide = lambda r: [r.marker.evaluate(e) if r.marker else True for e in envs]
out = []
for old, new in json.load(sys.stdin):
    a, b = Requirement(old), Requirement(new)
    out.append([b.name, sorted(b.extras), str(b.specifier), decide(a), decide(b), str(a.marker), str(b.marker)])
print(json.dumps(out))`;
    const read = JSON.parse(execFileSync('python3', ['-c', script], { input: JSON.stringify(CASES.map(([a, , b]) => [a, b])), encoding: 'utf8' })) as [string, string[], string, boolean[], boolean[], string, string][];
    read.forEach(([name, extras, specifier, oldDecides, newDecides, oldMarker, newMarker], i) => {
      const [, change] = CASES[i]!;
      if (change.kind === 'replace') {
        expect([name, extras, specifier]).toEqual(['psycopg', ['binary'], '']);
      } else if (change.kind === 'marker') {
        expect(newDecides).toEqual([oldDecides[0], oldDecides[1], false]);
      } else if (change.kind === 'pin') {
        expect(specifier).toBe('==3.2.1');
      } else {
        expect(specifier.split(',')).toContain(`${change.bound.op}${change.bound.version}`);
      }
      if (change.kind !== 'marker') expect(newMarker).toBe(oldMarker);
    });
  });

  it('leaves alone what already keeps the limit out, an exact pin, and a bound that would leave nothing', () => {
    for (const spec of ['Django<6', 'Django<=5.2.9', 'Django~=5.2', 'Django==5.2.*', 'Django==5.2.9', 'Django>=6', 'Django>=6.1,<7']) {
      expect(rewritePep508(spec, below6, '"').ok, spec).toBe(false);
    }
  });

  it('refuses what is not a PEP 508 requirement, and URL requirements for version changes', () => {
    expect(rewritePep508('not a requirement!', marker, '"').ok).toBe(false);
    expect(rewritePep508('pkg @ https://example.org/pkg-1.0.tar.gz', pin, '"').ok).toBe(false);
    expect(rewritePep508('pkg @ https://example.org/pkg-1.0.tar.gz', marker, '"')).toEqual({ ok: true, text: 'pkg @ https://example.org/pkg-1.0.tar.gz ; platform_python_implementation != "PyPy"' });
  });

  it("quotes a new marker's literal as asked (a TOML string in double quotes gets single ones)", () => {
    expect(rewritePep508('hiredis>=3.1', marker, "'")).toEqual({ ok: true, text: "hiredis>=3.1; platform_python_implementation != 'PyPy'" });
  });
});
