/**
 * `pypy-ready verify` on a real PyPy (Debian's pypy3 7.3.11) against the local index, which serves
 * distributions this test builds: a pure wheel, a pure sdist, three C-extension sdists (one that
 * compiles and whose function returns 42, one that includes a missing header, one that calls an
 * undefined symbol so its import fails), a wheel tagged for another PyPy ABI, and the setuptools and
 * wheel that the sdists' isolated builds need (Debian's own wheels). The index needs credentials:
 * they reach pip through its environment and never show in any output.
 *
 * One verify run covers every package (a venv and a build on PyPy take seconds each). Skipped, with
 * the reason printed, where pypy3, its venv/ensurepip, gcc or the system wheels are missing.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { startIndexServer, type FixtureIndex, type IndexServer } from '../../src/devserver/index-server.js';
import { captureIO } from '../support/cli.js';
import { buildWheel, tarGzArchive } from '../support/wheels.js';

const SYSTEM_WHEELS = '/usr/share/python-wheels';
const SETUPTOOLS = 'setuptools-66.1.1-py3-none-any.whl';
const WHEEL = 'wheel-0.38.4-py3-none-any.whl';

function missingPrerequisite(): string | null {
  const pypy = spawnSync('pypy3', ['-c', 'import sys, venv, ensurepip; print(sys.implementation.name, ensurepip.version())'], { encoding: 'utf8', timeout: 60_000 });
  if (pypy.error || pypy.status !== 0) return 'pypy3 with venv and ensurepip is not installed (apt-get install pypy3 pypy3-venv pypy3-dev)';
  if (spawnSync('gcc', ['--version'], { timeout: 10_000 }).status !== 0) return 'gcc is not installed (apt-get install gcc)';
  if (!existsSync(join(SYSTEM_WHEELS, SETUPTOOLS)) || !existsSync(join(SYSTEM_WHEELS, WHEEL))) return `Debian's ${SETUPTOOLS} and ${WHEEL} are not in ${SYSTEM_WHEELS} (apt-get install python3-setuptools-whl python3-wheel-whl)`;
  return null;
}

const SKIP = missingPrerequisite();
if (SKIP) console.warn(`test/verify/real-pypy.test.ts: skipped: ${SKIP}`);

/** A setuptools sdist: pyproject.toml (PEP 517, isolated build), setup.py, and the given files. */
function sdist(name: string, setupArgs: string, files: Record<string, string>): Buffer {
  const root = `${name.replace(/-/g, '_')}-1.0`;
  const entries = {
    'PKG-INFO': `Metadata-Version: 2.1\nName: ${name}\nVersion: 1.0\n`,
    'pyproject.toml': '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n',
    'setup.py': `from setuptools import setup, Extension\nsetup(name=${JSON.stringify(name)}, version="1.0", ${setupArgs})\n`,
    ...files,
  };
  return tarGzArchive(Object.entries(entries).map(([file, text]) => ({ name: `${root}/${file}`, data: Buffer.from(text) })));
}

const extension = (module: string, body: string): string => `#include <Python.h>
${body}
static PyMethodDef methods[] = {{"answer", answer, METH_NOARGS, "the answer"}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "${module}", NULL, -1, methods};
PyMODINIT_FUNC PyInit_${module}(void) { return PyModule_Create(&module); }
`;

const FILES: Record<string, () => Buffer> = {
  'vf_pure_wheel-1.0-py3-none-any.whl': () => buildWheel('vf_pure_wheel-1.0-py3-none-any.whl', { displayName: 'vf-pure-wheel' }),
  'vf_pure_sdist-1.0.tar.gz': () => sdist('vf-pure-sdist', 'py_modules=["vf_pure_sdist"]', { 'vf_pure_sdist.py': 'VALUE = "pure sdist"\n' }),
  'vf_cext_good-1.0.tar.gz': () =>
    sdist('vf-cext-good', 'ext_modules=[Extension("vf_cext_good", ["good.c"])]', { 'good.c': extension('vf_cext_good', 'static PyObject *answer(PyObject *self, PyObject *args) { return PyLong_FromLong(6 * 7); }') }),
  'vf_cext_header-1.0.tar.gz': () =>
    sdist('vf-cext-header', 'ext_modules=[Extension("vf_cext_header", ["header.c"])]', { 'header.c': `#include "vf_missing_header.h"\n${extension('vf_cext_header', 'static PyObject *answer(PyObject *self, PyObject *args) { return PyLong_FromLong(1); }')}` }),
  'vf_cext_undef-1.0.tar.gz': () =>
    sdist('vf-cext-undef', 'ext_modules=[Extension("vf_cext_undef", ["undef.c"])]', {
      'undef.c': extension('vf_cext_undef', 'extern long vf_nowhere_defined(void);\nstatic PyObject *answer(PyObject *self, PyObject *args) { return PyLong_FromLong(vf_nowhere_defined()); }'),
    }),
  'vf_wrong_abi-1.0-pp310-pypy310_pp73-manylinux_2_17_x86_64.whl': () => buildWheel('vf_wrong_abi-1.0-pp310-pypy310_pp73-manylinux_2_17_x86_64.whl', { displayName: 'vf-wrong-abi' }),
  [SETUPTOOLS]: () => readFileSync(join(SYSTEM_WHEELS, SETUPTOOLS)),
  [WHEEL]: () => readFileSync(join(SYSTEM_WHEELS, WHEEL)),
};

const release = (file: string, wheelMetadata = true) => ({ versions: { '1.0': { files: [{ filename: file, coreMetadata: wheelMetadata && file.endsWith('.whl') }] } } });
const INDEX: FixtureIndex = {
  'vf-pure-wheel': release('vf_pure_wheel-1.0-py3-none-any.whl'),
  'vf-pure-sdist': release('vf_pure_sdist-1.0.tar.gz'),
  'vf-cext-good': release('vf_cext_good-1.0.tar.gz'),
  'vf-cext-header': release('vf_cext_header-1.0.tar.gz'),
  'vf-cext-undef': release('vf_cext_undef-1.0.tar.gz'),
  'vf-wrong-abi': release('vf_wrong_abi-1.0-pp310-pypy310_pp73-manylinux_2_17_x86_64.whl'),
  // Only the build tools' files matter (their real METADATA is read from the wheel).
  setuptools: { versions: { '66.1.1': { files: [{ filename: SETUPTOOLS, coreMetadata: false }] } } },
  wheel: { versions: { '0.38.4': { files: [{ filename: WHEEL, coreMetadata: false }] } } },
};
const PROJECT = ['vf-pure-wheel', 'vf-pure-sdist', 'vf-cext-good', 'vf-cext-header', 'vf-cext-undef', 'vf-wrong-abi'];
const PASSWORD = 's3cret-verify-token';

interface VerifyJson {
  findings: Array<{ name: string; verdict: string; severity: string; file: string | null; evidence: string[] }>;
  verify: {
    interpreter: { implementationVersion: string; abi: string; target: string };
    logs: string;
    projects: Array<{ environment: string | null; pip: string | null; error: string | null }>;
    packages: Array<{ name: string; status: string; agreement: string; sentence: string; measured: string; file: string | null; predicted: { verdict: string; file: string | null } | null; failed: boolean; log: string | null; install?: { kind: string; seconds: number } }>;
  };
}

describe(SKIP ? `verify on a real PyPy (skipped: ${SKIP})` : 'verify on a real PyPy (Debian pypy3 7.3.11) against a local index that needs credentials', () => {
  let server: IndexServer | null = null;
  let work = '';
  let code = -1;
  let out = '';
  let err = '';
  let report: VerifyJson;
  let environment: string | null = null;
  const pkg = (name: string) => report.verify.packages.find((p) => p.name === name)!;
  const finding = (name: string) => report.findings.find((f) => f.name === name)!;

  beforeAll(async () => {
    if (SKIP) return;
    work = mkdtempSync(join(tmpdir(), 'pypy-ready-verify-test-'));
    const bodies = new Map(Object.entries(FILES).map(([file, make]) => [file, make()]));
    server = await startIndexServer({ packages: INDEX, basicAuth: { username: 'ci', password: PASSWORD }, fileBody: (f) => bodies.get(f) ?? Buffer.from('unknown') });
    const project = join(work, 'project');
    spawnSync('mkdir', ['-p', project]);
    writeFileSync(join(project, 'requirements.txt'), `${PROJECT.join('\n')}\n`);
    const indexUrl = server.simpleUrl.replace('http://', `http://ci:${PASSWORD}@`);
    const io = captureIO({ cwd: work, env: { PATH: process.env['PATH'], HOME: work, PIP_CONFIG_FILE: '/dev/null', NO_PROXY: '*', no_proxy: '*', LANG: 'C.UTF-8' } });
    code = await main(['verify', 'project', '--index-url', indexUrl, '--no-cache', '--no-config', '--keep', '--format', 'json', '--timeout-per-package', '240'], io);
    out = io.out;
    err = io.err;
    report = JSON.parse(out) as VerifyJson;
    environment = report.verify.projects[0]?.environment ?? null;
  }, 175_000);

  afterAll(async () => {
    await server?.close();
    if (work) rmSync(work, { recursive: true, force: true });
    if (environment) rmSync(join(environment, '..'), { recursive: true, force: true });
    if (report?.verify.logs) rmSync(report.verify.logs, { recursive: true, force: true });
  });

  it.skipIf(SKIP !== null)('derives the target from the interpreter and exits 1 (some packages fail)', () => {
    expect(err).toMatch(/Measured on PyPy 7\.3\.11 \(Python 3\.9\.\d+, pypy39_pp73, linux-x86_64 glibc 2\.\d+\) at \S+: target pypy3\.9-7\.3-manylinux_x86_64/);
    expect(report.verify.interpreter).toMatchObject({ implementationVersion: '7.3.11', abi: 'pypy39_pp73', target: 'pypy3.9-7.3-manylinux_x86_64' });
    expect(report.verify.projects[0]).toMatchObject({ pip: '23.0.1', error: null });
    expect(code).toBe(1);
  });

  it.skipIf(SKIP !== null)('a pure wheel installs and imports, as predicted', () => {
    expect(pkg('vf-pure-wheel')).toMatchObject({ status: 'imported', agreement: 'agree', file: 'vf_pure_wheel-1.0-py3-none-any.whl', predicted: { verdict: 'pure', file: 'vf_pure_wheel-1.0-py3-none-any.whl' }, failed: false });
    expect(pkg('vf-pure-wheel').measured).toMatch(/^installed from wheel, imported vf_pure_wheel \(\d+\.\d+ s\)$/);
    expect(finding('vf-pure-wheel').evidence[0]).toMatch(/^measured on PyPy 7\.3\.11: predicted pure: installed from wheel, imported vf_pure_wheel .*\(agrees with the prediction\)$/);
  });

  it.skipIf(SKIP !== null)('a pure sdist builds and imports; the prediction comparison is stated', () => {
    const p = pkg('vf-pure-sdist');
    expect(p).toMatchObject({ status: 'imported', file: 'vf_pure_sdist-1.0.tar.gz', failed: false });
    expect(p.predicted?.file).toBe('vf_pure_sdist-1.0.tar.gz');
    expect(p.measured).toMatch(/^built from sdist in \d+(\.\d)? s, imported vf_pure_sdist/);
    expect(p.install?.kind).toBe('built');
    expect(p.sentence).toBe(`predicted ${p.predicted!.verdict}: ${p.measured}`);
  });

  it.skipIf(SKIP !== null)('a C extension that compiles under PyPy is built, imports, and its function returns 42', () => {
    const p = pkg('vf-cext-good');
    expect(p).toMatchObject({ status: 'imported', file: 'vf_cext_good-1.0.tar.gz', failed: false });
    expect(p.measured).toMatch(/^built from sdist in .* s, imported vf_cext_good/);
    expect(environment).not.toBeNull();
    const run = spawnSync(join(environment!, 'bin', 'python'), ['-I', '-c', 'import vf_cext_good; print(vf_cext_good.answer())'], { encoding: 'utf8', timeout: 60_000 });
    expect(run.stdout.trim()).toBe('42');
  });

  it.skipIf(SKIP !== null)("a missing header: build failed, with the compiler's line", () => {
    const p = pkg('vf-cext-header');
    expect(p).toMatchObject({ status: 'build-failed', file: 'vf_cext_header-1.0.tar.gz', failed: true });
    expect(p.measured).toMatch(/^build failed: header\.c:1:10: fatal error: vf_missing_header\.h: No such file or directory$/);
    expect(finding('vf-cext-header').severity).toBe('error');
    expect(readFileSync(p.log!, 'utf8')).toContain('vf_missing_header.h');
  });

  it.skipIf(SKIP !== null)('an undefined symbol: built, but the import fails with the traceback\'s last line', () => {
    const p = pkg('vf-cext-undef');
    expect(p).toMatchObject({ status: 'import-failed', failed: true });
    expect(p.measured).toMatch(/^built from sdist in .* s; import failed: vf_cext_undef: ImportError: .*undefined symbol: vf_nowhere_defined/);
  });

  it.skipIf(SKIP !== null)('a wheel for another PyPy ABI: pip refuses it, and the prediction agrees', () => {
    const p = pkg('vf-wrong-abi');
    expect(p).toMatchObject({ status: 'refused', agreement: 'agree', file: null, failed: false });
    expect(p.predicted?.file).toBeNull();
    expect(p.sentence).toMatch(/: pip agrees, it found no installable file$/);
  });

  it.skipIf(SKIP !== null)('every disagreement is flagged in the table, and no output shows the password', () => {
    for (const p of report.verify.packages) expect(['agree', 'better', 'disagree']).toContain(p.agreement);
    const flagged = report.verify.packages.filter((p) => p.agreement !== 'agree');
    for (const p of flagged) expect(err).toContain(`  ${p.name}: ${p.sentence}`);
    expect(`${out}\n${err}`).not.toContain(PASSWORD);
    for (const p of report.verify.packages) if (p.log) expect(readFileSync(p.log, 'utf8')).not.toContain(PASSWORD);
  });

  it.skipIf(SKIP !== null)('Ctrl-C: exit 130, and the temporary environment is removed', async () => {
    const io = captureIO({ cwd: work, env: { PATH: process.env['PATH'], HOME: work, PIP_CONFIG_FILE: '/dev/null', NO_PROXY: '*', no_proxy: '*' } });
    const indexUrl = server!.simpleUrl.replace('http://', `http://ci:${PASSWORD}@`);
    const running = main(['verify', 'project', '--index-url', indexUrl, '--no-cache', '--no-config'], io);
    const deadline = Date.now() + 60_000;
    let venv: string | undefined;
    while (!(venv = /creating a temporary environment in (\S+)/.exec(io.err)?.[1]) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(venv).toBeDefined();
    await new Promise((r) => setTimeout(r, 1500));
    process.emit('SIGINT');
    expect(await running).toBe(130);
    expect(io.err).toContain('interrupted; the temporary environment was removed');
    expect(existsSync(join(venv!, '..'))).toBe(false);
  }, 90_000);
});
