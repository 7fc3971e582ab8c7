/**
 * Real markers from public projects' manifests, evaluated for real targets (never the host). The
 * expected answers follow from each marker's meaning on that interpreter and platform.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluateMarker } from '../../src/pep/markers.js';
import { parseRequirement } from '../../src/pep/requirements.js';
import { resolveTarget } from '../../src/targets/index.js';
import { CORPUS, hasCorpus } from '../support/shared.js';

/** The requirement on `line` (1-based) of a corpus manifest. */
function corpusRequirement(file: string, line: number) {
  const text = readFileSync(resolve(CORPUS, 'manifests', file), 'utf8').split(/\r?\n/)[line - 1]!;
  return parseRequirement(text.replace(/\s+#.*$/, ''));
}

const PYPY_311 = 'pypy3.11-8.0';
const PYPY_39_WINDOWS = 'pypy3.9-7.3-win_amd64';
const CPYTHON_313 = 'cpython3.13';
const CPYTHON_311_MAC = 'cpython3.11-macos_arm64';

// [file, line, target -> expected]
const CASES: Array<[string, number, Record<string, boolean>]> = [
  // PyPy-only and CPython-only alternatives side by side (kombu's brotli extra).
  ['celery__kombu/requirements/extras/brotli.txt', 1, { [PYPY_311]: true, [PYPY_39_WINDOWS]: true, [CPYTHON_313]: false, [CPYTHON_311_MAC]: false }],
  ['celery__kombu/requirements/extras/brotli.txt', 2, { [PYPY_311]: false, [PYPY_39_WINDOWS]: false, [CPYTHON_313]: true, [CPYTHON_311_MAC]: true }],
  // CPython and not Windows.
  ['celery__kombu/requirements/extras/sqs.txt', 2, { [PYPY_311]: false, [PYPY_39_WINDOWS]: false, [CPYTHON_313]: true, [CPYTHON_311_MAC]: true }],
  // Parenthesised: not PyPy, and (not Windows or Python < 3.10).
  ['celery__celery/requirements/extras/couchbase.txt', 1, { [PYPY_311]: false, [PYPY_39_WINDOWS]: false, [CPYTHON_313]: true, [CPYTHON_311_MAC]: true }],
  ['celery__celery/requirements/extras/solar.txt', 1, { [PYPY_311]: false, [CPYTHON_313]: true }],
  // Version comparison, not string comparison: '3.9' < '3.11' must hold.
  ['celery__celery/requirements/extras/librabbitmq.txt', 1, { [PYPY_311]: false, [PYPY_39_WINDOWS]: true, [CPYTHON_313]: false, [CPYTHON_311_MAC]: false }],
  // Substring test on sys_platform.
  ['openedx__credentials/requirements/dev.in', 16, { [PYPY_311]: true, [PYPY_39_WINDOWS]: false, [CPYTHON_311_MAC]: false }],
  ['celery__celery/requirements/test.txt', 11, { [PYPY_311]: false, [CPYTHON_313]: true }],
];

describe.skipIf(!hasCorpus)('markers from real manifests on real targets', () => {
  for (const [file, line, expectations] of CASES) {
    for (const [targetId, expected] of Object.entries(expectations)) {
      it(`${file}:${line} is ${expected} on ${targetId}`, () => {
        const requirement = corpusRequirement(file, line);
        expect(requirement.marker).not.toBeNull();
        expect(evaluateMarker(requirement.marker!, resolveTarget(targetId).environment)).toBe(expected);
      });
    }
  }

  it('the psycopg [binary] extra adds nothing on PyPy and the C extension on CPython', () => {
    const binary = parseRequirement('psycopg-binary==3.2.3; implementation_name != "pypy" and extra == "binary"');
    expect(evaluateMarker(binary.marker!, resolveTarget(PYPY_311).environment, { extras: ['binary'] })).toBe(false);
    expect(evaluateMarker(binary.marker!, resolveTarget(CPYTHON_313).environment, { extras: ['binary'] })).toBe(true);
    expect(evaluateMarker(binary.marker!, resolveTarget(CPYTHON_313).environment)).toBe(false);
  });
});
