// The benchmark's synthetic index, shaped like PyPI as pip sees it: every package has several
// releases with several files each, in four kinds (pure Python; compiled with PyPy wheels;
// compiled for CPython only; sdist-only in its newest releases), and a few "numpy-sized" packages
// with 20,000 files on their page. Every package keeps a release pip can install under
// `--only-binary=:all:` for PyPy 3.11, so that pip's dry run on the same project completes.

const RELEASES = ['1.0.0', '1.1.0', '1.2.0', '2.0.0', '2.1.0'];
const CPYTHONS = ['cp39', 'cp310', 'cp311', 'cp312', 'cp313'];
const PLATFORMS = ['manylinux_2_17_x86_64.manylinux2014_x86_64', 'manylinux_2_17_aarch64.manylinux2014_aarch64', 'macosx_11_0_arm64', 'win_amd64'];

function compiled(name, v, withPypy) {
  const files = [];
  for (const py of CPYTHONS) for (const platform of PLATFORMS) files.push(`${name}-${v}-${py}-${py}-${platform}.whl`);
  if (withPypy) for (const platform of PLATFORMS.slice(0, 2)) files.push(`${name}-${v}-pp311-pypy311_pp73-${platform}.whl`);
  files.push(`${name}-${v}.tar.gz`);
  return files;
}

function filesOf(name, kind, v, oldest) {
  const pure = [`${name}-${v}-py3-none-any.whl`, `${name}-${v}.tar.gz`];
  switch (kind) {
    case 0: return pure;
    case 1: return compiled(name, v, true);
    // The first release was pure Python; pip (and the tool) fall back to it.
    case 2: return oldest ? pure : compiled(name, v, false);
    default: return oldest ? pure : [`${name}-${v}.tar.gz`];
  }
}

/** A numpy-sized page: 400 releases x 50 files = 20,000 files. */
function hugeProject(name) {
  const versions = {};
  for (let major = 1; major <= 20; major++) {
    for (let minor = 0; minor < 20; minor++) {
      const v = `${major}.${minor}.0`;
      const files = [];
      for (const py of ['cp38', 'cp39', 'cp310', 'cp311', 'cp312', 'cp313', 'cp314']) for (const platform of [...PLATFORMS, 'musllinux_1_2_x86_64', 'musllinux_1_2_aarch64', 'macosx_10_9_x86_64']) files.push(`${name}-${v}-${py}-${py}-${platform}.whl`);
      files.push(`${name}-${v}-pp311-pypy311_pp73-manylinux_2_17_x86_64.manylinux2014_x86_64.whl`);
      files.push(`${name}-${v}.tar.gz`);
      versions[v] = { requiresPython: '>=3.9', files };
    }
  }
  return { versions };
}

/** `count` packages (pkg0 … pkgN-1; the first three numpy-sized) and the requirements naming them all. */
export function benchIndex(count) {
  const packages = {};
  for (let i = 0; i < count; i++) {
    const name = `pkg${i}`;
    if (i < 3) {
      packages[name] = hugeProject(name);
      continue;
    }
    const versions = {};
    RELEASES.forEach((v, r) => {
      versions[v] = {
        requiresPython: '>=3.9',
        summary: `Synthetic package ${i}`,
        files: filesOf(name, i % 4, v, r === 0),
        requiresDist: i + 1 < count && i % 3 === 0 ? [`pkg${i + 1}>=1.0`, `colorama; sys_platform == "win32"`] : [],
      };
    });
    packages[name] = { versions };
  }
  const requirements = Array.from({ length: count }, (_, i) => `pkg${i}>=1.0\n`).join('');
  return { packages, requirements };
}
