/**
 * The interpreters a project can target. PyPy facts (ABI tags, release lines) were measured on real
 * interpreters or derived from PyPy's own SOABI formula `pypy<pyver>_pp<major><minor>`; see
 * docs/PYPY-FACTS.md in the shared docs. Each line stands for the newest release of its series.
 */

export type Implementation = 'pypy' | 'cpython';

export interface Interpreter {
  /** Catalogue id, e.g. `pypy3.11-8.0` or `cpython3.12`. */
  readonly id: string;
  readonly implementation: Implementation;
  readonly pythonVersion: readonly [number, number];
  /** `python_full_version` of the newest release in the series (its patch level drifts; markers rarely test it). */
  readonly pythonFullVersion: string;
  /** `implementation_version`: the PyPy version for PyPy, the Python version for CPython. */
  readonly implementationVersion: string;
  /** The ABI tag its compiled wheels carry. */
  readonly abi: string;
  readonly status: 'supported' | 'beta' | 'end-of-life';
  /** Shown by `pypy-ready targets`. */
  readonly description: string;
}

function pypy(
  python: [number, number],
  pypyLine: [number, number],
  newest: string,
  pythonFullVersion: string,
  status: Interpreter['status'],
  description: string,
): Interpreter {
  const py = `${python[0]}${python[1]}`;
  return {
    id: `pypy${python[0]}.${python[1]}-${pypyLine[0]}.${pypyLine[1]}`,
    implementation: 'pypy',
    pythonVersion: python,
    pythonFullVersion,
    implementationVersion: newest,
    abi: `pypy${py}_pp${pypyLine[0]}${pypyLine[1]}`,
    status,
    description,
  };
}

function cpython(python: [number, number], fullVersion: string): Interpreter {
  return {
    id: `cpython${python[0]}.${python[1]}`,
    implementation: 'cpython',
    pythonVersion: python,
    pythonFullVersion: fullVersion,
    implementationVersion: fullVersion,
    abi: `cp${python[0]}${python[1]}`,
    status: 'supported',
    description: `CPython ${python[0]}.${python[1]} (baseline for comparison)`,
  };
}

// Measured: 7.3.11 reports Python 3.9.16 (Debian 12). The patch levels below are the newest
// we know of per series and are assumptions for 7.3.23, 8.0.1 and the 3.12 beta; they only
// matter to markers on `python_full_version` and to `requires-python` with a patch bound.
export const INTERPRETERS: readonly Interpreter[] = [
  pypy([3, 9], [7, 3], '7.3.16', '3.9.19', 'end-of-life', 'PyPy 7.3.x for Python 3.9 (7.3.16 was the last; Debian 12 ships 7.3.11)'),
  pypy([3, 10], [7, 3], '7.3.19', '3.10.16', 'end-of-life', 'PyPy 7.3.12-7.3.19 for Python 3.10 (dropped after 7.3.19)'),
  pypy([3, 11], [7, 3], '7.3.23', '3.11.13', 'supported', 'PyPy 7.3.18-7.3.23 for Python 3.11, ABI pp73'),
  pypy([3, 11], [8, 0], '8.0.1', '3.11.13', 'supported', 'PyPy 8.0.x for Python 3.11, ABI pp80: pp73 wheels do not install'),
  pypy([3, 12], [8, 0], '8.0.1', '3.12.9', 'beta', 'PyPy 8.0.x for Python 3.12 (beta; ABI derived from the SOABI formula)'),
  cpython([3, 11], '3.11.14'),
  cpython([3, 12], '3.12.12'),
  cpython([3, 13], '3.13.9'),
];

export function findInterpreter(id: string): Interpreter | undefined {
  return INTERPRETERS.find((interpreter) => interpreter.id === id.toLowerCase());
}
