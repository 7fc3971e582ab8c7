/**
 * The resolution stage on its own, with an in-memory package source: which packages a target
 * installs, through which edges, at which versions. No HTTP and no CLI; the expectations follow
 * from PEP 508 markers, pip's option semantics and the lock files' own edges.
 */
import { describe, expect, it } from 'vitest';
import type { LockGraph } from '../../src/manifests/types.js';
import { parseMarker } from '../../src/pep/markers.js';
import type { DistributionFile } from '../../src/pypi/types.js';
import { formatControlFrom } from '../../src/resolve/format-control.js';
import { MAX_PACKAGES, resolve } from '../../src/resolve/resolve.js';
import type { PackageSource, ResolvedPackage, RootRequirement } from '../../src/resolve/types.js';
import { resolveTarget } from '../../src/targets/index.js';

const PYPY = resolveTarget('pypy3.11-8.0');
const CPYTHON = resolveTarget('cpython3.11');

interface Release {
  files: string[];
  requiresDist?: string[];
  yanked?: string;
}

/** A source over a dict of projects; counts the questions it is asked. */
function memorySource(projects: Record<string, Record<string, Release>>, failing: Record<string, string> = {}) {
  const asked = { project: new Map<string, number>(), metadata: 0 };
  const source: PackageSource & { asked: typeof asked } = {
    asked,
    async project(name) {
      asked.project.set(name, (asked.project.get(name) ?? 0) + 1);
      if (failing[name]) return { error: failing[name]! };
      const releases = projects[name];
      if (!releases) return { error: `project "${name}" not found` };
      const files: DistributionFile[] = Object.entries(releases).flatMap(([, r]) =>
        r.files.map((filename) => ({ filename, url: `https://idx.invalid/${filename}`, requiresPython: null, yanked: r.yanked ?? false, hashes: {}, coreMetadata: true })),
      );
      return { files, notes: [] };
    },
    async requiresDist(name, version) {
      asked.metadata++;
      if (failing[`${name}==${version}`]) return { error: failing[`${name}==${version}`]! };
      return { requiresDist: projects[name]?.[version]?.requiresDist ?? [] };
    },
  };
  return source;
}

function root(name: string, fields: Partial<RootRequirement> = {}): RootRequirement {
  return { name, specifier: '', extras: [], marker: null, markerText: null, fixedVersion: null, location: { file: 'requirements.txt', line: 1, column: 1 }, group: 'main', url: null, ...fields };
}

const byName = (packages: ResolvedPackage[]): Map<string, ResolvedPackage> => new Map(packages.map((p) => [p.name, p]));

describe('resolve: the graph from Requires-Dist', () => {
  const index = {
    app: { '1.0': { files: ['app-1.0-py3-none-any.whl'], requiresDist: ['lib>=2', 'speedups; implementation_name == "cpython"', 'docs; extra == "docs"'] } },
    lib: { '1.0': { files: ['lib-1.0-py3-none-any.whl'] }, '2.0': { files: ['lib-2.0-py3-none-any.whl'], requiresDist: ['app'] } },
    speedups: { '1.0': { files: ['speedups-1.0-cp311-cp311-manylinux_2_17_x86_64.whl'] } },
    docs: { '1.0': { files: ['docs-1.0-py3-none-any.whl'] } },
  };

  it('follows dependencies whose markers hold on the target, records the chain, and ends cycles', async () => {
    const packages = byName(await resolve({ project: '.', requirements: [root('app')] }, PYPY, memorySource(index)));
    expect([...packages.keys()].sort()).toEqual(['app', 'lib']);
    expect(packages.get('lib')).toMatchObject({ version: '2.0', via: ['app'], groups: ['main'] });
  });

  it('evaluates the same graph for CPython, and follows extras', async () => {
    const packages = byName(await resolve({ project: '.', requirements: [root('app', { extras: ['docs'] })] }, CPYTHON, memorySource(index)));
    expect([...packages.keys()].sort()).toEqual(['app', 'docs', 'lib', 'speedups']);
  });

  it('applies constraints to transitive packages too, as pip does', async () => {
    const packages = byName(await resolve({ project: '.', requirements: [root('app')], constraints: [{ name: 'lib', specifier: '<2', pinnedVersion: null }] }, PYPY, memorySource(index)));
    // lib>=2 (from app) and <2 (the constraint) leave nothing.
    expect(packages.get('lib')!.version).toBeNull();
  });

  it('asks the source for each project once per target, however many parents name it', async () => {
    const source = memorySource({ ...index, other: { '1.0': { files: ['other-1.0-py3-none-any.whl'], requiresDist: ['lib'] } } });
    await resolve({ project: '.', requirements: [root('app'), root('other')] }, PYPY, source);
    expect(source.asked.project.get('lib')).toBe(1);
  });

  it('shared by two resolutions, a page is fetched once and let go of after the second has read it; each package keeps only its chosen version\'s files', async () => {
    const released: string[] = [];
    const source = Object.assign(memorySource(index), { release: (name: string) => released.push(name) });
    const [onPypy, onCpython] = await Promise.all([
      resolve({ project: '.', requirements: [root('app')] }, PYPY, source, { sharedBy: 2 }),
      resolve({ project: '.', requirements: [root('app')] }, CPYTHON, source, { sharedBy: 2 }),
    ]);
    expect(source.asked.project.get('lib')).toBe(1);
    // speedups is only installed on CPython: one reader of two, so it is kept (and not released).
    expect(released.sort()).toEqual(['app', 'lib']);
    const lib = byName(onPypy!).get('lib')!;
    expect(lib.files!.versions).toEqual(['2.0', '1.0']);
    expect([...lib.files!.files.keys()]).toEqual(['2.0']);
    expect(byName(onCpython!).get('lib')!.version).toBe('2.0');
    // A third resolution asks again (the page was let go of): the source is asked once more.
    await resolve({ project: '.', requirements: [root('lib')] }, PYPY, source, { sharedBy: 2 });
    expect(source.asked.project.get('lib')).toBe(2);
  });

  it('without sharedBy, a source\'s pages are kept and never released', async () => {
    const released: string[] = [];
    const source = Object.assign(memorySource(index), { release: (name: string) => released.push(name) });
    await resolve({ project: '.', requirements: [root('app')] }, PYPY, source);
    await resolve({ project: '.', requirements: [root('app')] }, CPYTHON, source);
    expect(source.asked.project.get('app')).toBe(1);
    expect(released).toEqual([]);
  });

  it('marks a package whose metadata failed as not fully checked, never silently complete', async () => {
    const packages = byName(await resolve({ project: '.', requirements: [root('app')] }, PYPY, memorySource(index, { 'app==1.0': 'HTTP 500 from https://idx.invalid/app' })));
    expect(packages.get('app')!.unchecked).toEqual(['dependencies not checked: HTTP 500 from https://idx.invalid/app']);
    expect(packages.has('lib')).toBe(false);
  });

  it('reports a direct requirement whose marker is false as excluded, with the marker', async () => {
    const marker = 'sys_platform == "win32"';
    const packages = byName(await resolve({ project: '.', requirements: [root('docs', { marker: parseMarker(marker), markerText: marker })] }, PYPY, memorySource(index)));
    expect(packages.get('docs')).toMatchObject({ excludedBy: marker, version: null });
  });

  it('does not fetch what the interpreter already has, nor follow it', async () => {
    const source = memorySource(index);
    const packages = byName(await resolve({ project: '.', requirements: [root('app')] }, PYPY, source, { preinstalled: (name) => name === 'app' }));
    expect(packages.get('app')!.origin).toBe('preinstalled');
    expect(source.asked.project.has('app')).toBe(false);
    expect(packages.has('lib')).toBe(false);
  });

  it('stops at the safety bound on hostile metadata and says so', async () => {
    const wide = { hub: { '1.0': { files: ['hub-1.0-py3-none-any.whl'], requiresDist: Array.from({ length: MAX_PACKAGES + 10 }, (_, i) => `leaf${i}`) } } };
    const packages = await resolve({ project: '.', requirements: [root('hub')] }, PYPY, memorySource(wide));
    expect(packages).toHaveLength(MAX_PACKAGES);
    expect(byName(packages).get('hub')!.unchecked.join()).toMatch(/dependency graph truncated/);
  });
});

describe('resolve: pip options', () => {
  const index = {
    comp: { '1.0': { files: ['comp-1.0-py3-none-any.whl'] }, '2.0': { files: ['comp-2.0-cp311-cp311-manylinux_2_17_x86_64.whl', 'comp-2.0.tar.gz'] } },
  };

  it('--only-binary leaves nothing for a release with no PyPy wheel and falls back to an older wheel', async () => {
    const plain = byName(await resolve({ project: '.', requirements: [root('comp')] }, PYPY, memorySource(index)));
    expect(plain.get('comp')!.chosen!.file.filename).toBe('comp-2.0.tar.gz');
    const only = byName(await resolve({ project: '.', requirements: [root('comp')] }, PYPY, memorySource(index), { formatControl: formatControlFrom([{ option: 'only-binary', value: ':all:' }]) }));
    expect(only.get('comp')!.chosen!.file.filename).toBe('comp-1.0-py3-none-any.whl');
  });

  it('--prefer-binary takes the older wheel over the newer sdist', async () => {
    const packages = byName(await resolve({ project: '.', requirements: [root('comp')] }, PYPY, memorySource(index), { preferBinary: true }));
    expect(packages.get('comp')!.version).toBe('1.0');
  });
});

describe('resolve: a lock graph', () => {
  const index = {
    web: { '1.0': { files: ['web-1.0-py3-none-any.whl'], requiresDist: ['never-asked'] } },
    fast: { '1.0': { files: ['fast-1.0-cp311-cp311-manylinux_2_17_x86_64.whl'] } },
    pure: { '1.0': { files: ['pure-1.0-py3-none-any.whl'] } },
  };
  const lock: LockGraph = {
    file: 'uv.lock',
    hasEdges: true,
    roots: null,
    nodes: [
      { name: 'web', version: '1.0', markerText: null, dependencies: [{ name: 'pure', version: null, markerText: null, extras: [] }], optionalDependencies: { speed: [{ name: 'fast', version: null, markerText: "implementation_name != 'pypy'", extras: [] }] } },
      { name: 'fast', version: '1.0', markerText: null, dependencies: [], optionalDependencies: {} },
      { name: 'pure', version: '1.0', markerText: null, dependencies: [], optionalDependencies: {} },
    ],
  };

  it('walks the lock edges, not the index metadata, evaluating edge markers and extras for the target', async () => {
    const source = memorySource(index);
    const onPypy = byName(await resolve({ project: '.', requirements: [root('web', { extras: ['speed'] })], lock }, PYPY, source));
    expect(source.asked.metadata).toBe(0);
    expect(onPypy.get('pure')).toMatchObject({ origin: 'lock', version: '1.0', via: ['web'], excludedBy: null });
    expect(onPypy.get('fast')!.excludedBy).toMatch(/markers exclude pypy3\.11-8\.0/);
    const onCpython = byName(await resolve({ project: '.', requirements: [root('web', { extras: ['speed'] })], lock }, CPYTHON, memorySource(index)));
    expect(onCpython.get('fast')).toMatchObject({ excludedBy: null, version: '1.0', via: ['web'] });
  });

  it('without the extra, the optional edge is not taken on any target', async () => {
    const packages = byName(await resolve({ project: '.', requirements: [root('web')], lock }, CPYTHON, memorySource(index)));
    expect(packages.get('fast')!.excludedBy).not.toBeNull();
  });

  it('a workspace member in the lock is the project itself: not looked up, its edges followed', async () => {
    const workspace: LockGraph = {
      file: 'uv.lock',
      hasEdges: true,
      roots: [{ name: 'member', version: null, markerText: null, extras: [], group: 'main' }],
      nodes: [
        { name: 'member', version: '0.1.0', markerText: null, localPath: 'packages/member', dependencies: [{ name: 'pure', version: null, markerText: null, extras: [] }], optionalDependencies: {} },
        { name: 'pure', version: '1.0', markerText: null, dependencies: [], optionalDependencies: {} },
      ],
    };
    const source = memorySource(index);
    const packages = byName(await resolve({ project: '.', requirements: [], lock: workspace }, PYPY, source));
    expect(packages.get('member')!.origin).toBe('local');
    expect(source.asked.project.has('member')).toBe(false);
    expect(packages.get('pure')).toMatchObject({ version: '1.0', via: ['member'] });
  });
});
