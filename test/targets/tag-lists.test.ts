/**
 * Ground truth: tag lists printed by packaging's `sys_tags()` on real interpreters, and wheel
 * vectors judged by packaging running under real PyPy. Our generated lists must match them tag for
 * tag, apart from the one documented pip-vs-packaging difference.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseWheelFilename } from '../../src/pep/filenames.js';
import { tagToString } from '../../src/pep/tags.js';
import { resolveTarget, wheelRank, type TagConvention } from '../../src/targets/index.js';
import { hasSharedPypy, SHARED_PYPY } from '../support/shared.js';

function realList(file: string): string[] {
  return readFileSync(resolve(SHARED_PYPY, 'tags', file), 'utf8').split('\n').filter(Boolean);
}

function generated(targetId: string, glibc: string, convention: TagConvention): string[] {
  return resolveTarget(targetId, { glibc, convention }).tags.map(tagToString);
}

// Each real list, the target that models it, and the glibc of the machine it was recorded on.
const REAL_LISTS = [
  { file: 'pypy3.9-7.3.11.txt', target: 'pypy3.9-7.3', glibc: '2.36' },
  { file: 'pypy3.11-7.3.19.txt', target: 'pypy3.11-7.3', glibc: '2.43' },
  { file: 'pypy3.11-8.0.1.txt', target: 'pypy3.11-8.0', glibc: '2.43' },
  { file: 'cpython3.11-3.11.7.txt', target: 'cpython3.11', glibc: '2.36' },
];

describe.skipIf(!hasSharedPypy)('tag lists of real interpreters', () => {
  for (const { file, target, glibc } of REAL_LISTS) {
    it(`${target} with glibc ${glibc} reproduces packaging's list from ${file}, in order`, () => {
      expect(generated(target, glibc, 'packaging')).toEqual(realList(file));
    });

    it(`${target} (pip convention) differs from ${file} only where pip documents it`, () => {
      const real = realList(file);
      const pip = generated(target, glibc, 'pip');
      expect(pip).toHaveLength(real.length);
      const differences = real.flatMap((tag, i) => (tag === pip[i] ? [] : [[tag, pip[i]]]));
      if (target.startsWith('pypy')) {
        // pip's _get_custom_interpreter passes the versioned pp3X to compatible_tags; packaging passes pp3.
        const pyTag = target.slice(4, target.indexOf('-')).replace('.', '');
        expect(differences).toEqual([['pp3-none-any', `pp${pyTag}-none-any`]]);
      } else {
        expect(differences).toEqual([]);
      }
    });
  }
});

interface VectorFile {
  envs: Record<string, string>;
  vectors: Array<Record<string, unknown> & { filename: string; tags: string[] }>;
}

// Which of our targets (and whose convention) each environment of wheel-vectors.json models.
// The vectors were computed with the platform tags of a glibc 2.36 x86_64 machine.
const VECTOR_ENVS: Record<string, { target: string; convention: TagConvention }> = {
  pypy39_pp73_this_machine: { target: 'pypy3.9-7.3', convention: 'packaging' },
  pypy39_pp73_this_machine_pip_get_supported: { target: 'pypy3.9-7.3', convention: 'pip' },
  pypy310_pp73_hypothetical: { target: 'pypy3.10-7.3', convention: 'packaging' },
  pypy311_pp73_hypothetical: { target: 'pypy3.11-7.3', convention: 'packaging' },
  pypy311_pp80_hypothetical: { target: 'pypy3.11-8.0', convention: 'packaging' },
  pypy311_pp73_hypothetical_pip_get_supported: { target: 'pypy3.11-7.3', convention: 'pip' },
  pypy312_pp80_hypothetical: { target: 'pypy3.12-8.0', convention: 'packaging' },
  cpython311_same_platforms: { target: 'cpython3.11', convention: 'pip' },
};

describe.skipIf(!hasSharedPypy)('wheel vectors judged by packaging under real PyPy', () => {
  const data = hasSharedPypy
    ? (JSON.parse(readFileSync(resolve(SHARED_PYPY, 'wheel-vectors.json'), 'utf8')) as VectorFile)
    : { envs: {}, vectors: [] };

  it('covers every environment in the file', () => {
    expect(Object.keys(data.envs).sort()).toEqual(Object.keys(VECTOR_ENVS).sort());
    expect(data.vectors.length).toBeGreaterThanOrEqual(77);
  });

  for (const [env, { target: targetId, convention }] of Object.entries(VECTOR_ENVS)) {
    it(`${env}: every wheel installable or not, at the same rank`, () => {
      const target = resolveTarget(targetId, { glibc: '2.36', convention });
      const mismatches: string[] = [];
      for (const vector of data.vectors) {
        const wheel = parseWheelFilename(vector.filename);
        expect(wheel.tags.map(tagToString).sort()).toEqual([...vector.tags].sort());
        const expectedRank = vector[`${env}_best_rank`] as number | null;
        expect(vector[env]).toBe(expectedRank !== null);
        const rank = wheelRank(wheel, target);
        if (rank !== expectedRank) mismatches.push(`${vector.filename}: expected ${expectedRank}, got ${rank}`);
      }
      expect(mismatches).toEqual([]);
    });
  }
});
