/**
 * `--compare`: the PyPy lines to move to, side by side with the CPython the project runs today. The
 * baseline is the CPython of the PyPy lines' Python version when the project's `requires-python`
 * allows it (same language, so every difference is the interpreter's), else the oldest CPython of
 * the catalogue it allows. Pure: the `requires-python` text in.
 */
import { isValidSpecifier, satisfies } from '../pep/versions.js';
import { findInterpreter, INTERPRETERS } from './interpreters.js';

export interface CompareBaseline {
  /** A CPython interpreter id, e.g. `cpython3.11`. */
  id: string;
  /** Why this one, for `--verbose` and the tests. */
  why: string;
}

export function cpythonBaseline(pypyTargets: readonly string[], requiresPython: string | null): CompareBaseline {
  const cpythons = INTERPRETERS.filter((i) => i.implementation === 'cpython');
  const pythonOf = (id: string): string | null => {
    const interpreter = findInterpreter(id.replace(/-(manylinux|musllinux|macos|win)_.*$/, ''));
    return interpreter ? interpreter.pythonVersion.join('.') : null;
  };
  const wanted = pypyTargets.map(pythonOf).find((v): v is string => v !== null) ?? '3.11';
  const same = cpythons.find((c) => c.pythonVersion.join('.') === wanted);
  const spec = requiresPython?.trim() ?? '';
  if (spec === '' || !isValidSpecifier(spec)) return { id: same?.id ?? cpythons[0]!.id, why: spec === '' ? `no requires-python: CPython ${wanted}, the PyPy targets' Python` : `requires-python ${JSON.stringify(spec.slice(0, 60))} is not a valid specifier: CPython ${wanted}` };
  const allowed = cpythons.filter((c) => satisfies(c.pythonFullVersion, spec, { prereleases: true }));
  if (same && allowed.includes(same)) return { id: same.id, why: `requires-python ${spec} allows CPython ${wanted}, the PyPy targets' Python` };
  if (allowed.length > 0) return { id: allowed[0]!.id, why: `requires-python ${spec} excludes CPython ${wanted}; the oldest CPython it allows` };
  return { id: same?.id ?? cpythons[0]!.id, why: `requires-python ${spec} allows no CPython of the catalogue: CPython ${wanted}` };
}
