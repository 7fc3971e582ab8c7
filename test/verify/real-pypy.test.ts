/**
 * `pypy-ready verify` on a real PyPy (Debian's pypy3 7.3.11) against the local index, which serves
 * distributions this test builds: a pure wheel, a pure sdist, three C-extension sdists (one that
 * compiles and whose function returns 42, one that includes a missing header, one that calls an
 * undefined symbol so its import fails), a wheel tagged for another PyPy ABI, and the setuptools and
 * wheel that the sdists' isolated builds need (Debian's own wheels). The index needs credentials:
 * they reach pip through its environment and never show in any output.
 *
 * One verify run covers every package (a venv and a build on PyPy take seconds each). Two more
 * runs: the C-extension sdist that builds above, with no C compiler on PATH (and the interactive
 * audit opened on that run's result); and a project whose requirements file names its indexes
 * (`-i`, `--extra-index-url`, each with its own credentials) and a direct URL with credentials to
 * a third server that is no index. Skipped, with the reason printed, where pypy3, its
 * venv/ensurepip, gcc or the system wheels are missing.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { render } from 'ink-testing-library';
import React from 'react';
import { main } from '../../src/cli/main.js';
import { verifyTable } from '../../src/cli/commands/verify.js';
import { startIndexServer, type FixtureIndex, type IndexServer } from '../../src/devserver/index-server.js';
import { bottomLine } from '../../src/report/bottom-line.js';
import { Audit } from '../../src/tui/audit.js';
import { probeInterpreter } from '../../src/verify/interpreter.js';
import { measuredMarks, runVerify, type VerifyResult } from '../../src/verify/verify.js';
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
  'vf_extra_index-1.0-py3-none-any.whl': () => buildWheel('vf_extra_index-1.0-py3-none-any.whl', { displayName: 'vf-extra-index' }),
  'vf_direct_url-1.0-py3-none-any.whl': () => buildWheel('vf_direct_url-1.0-py3-none-any.whl', { displayName: 'vf-direct-url' }),
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
    projects: Array<{ environment: string | null; pip: string | null; error: string | null; resolutionLog: string }>;
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
  }, 420_000);

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
  }, 240_000);
});

/** The verify environment the tests give: no pip configuration, no proxy, this PATH. */
const verifyEnv = (home: string, path: string | undefined): Record<string, string | undefined> => ({ PATH: path, HOME: home, PIP_CONFIG_FILE: '/dev/null', NO_PROXY: '*', no_proxy: '*', LANG: 'C.UTF-8' });
const settle = () => new Promise((r) => setTimeout(r, 50));

describe(SKIP ? `verify with no C compiler (skipped: ${SKIP})` : 'verify with no C compiler on PATH: the sdist that builds above, on the same PyPy', () => {
  let server: IndexServer | null = null;
  let work = '';
  let verified: VerifyResult;
  let pypy = '';

  beforeAll(async () => {
    if (SKIP) return;
    work = mkdtempSync(join(tmpdir(), 'pypy-ready-verify-nocc-'));
    const bodies = new Map(Object.entries(FILES).map(([file, make]) => [file, make()]));
    server = await startIndexServer({ packages: INDEX, basicAuth: { username: 'ci', password: PASSWORD }, fileBody: (f) => bodies.get(f) ?? Buffer.from('unknown') });
    mkdirSync(join(work, 'project'));
    writeFileSync(join(work, 'project', 'requirements.txt'), 'vf-pure-wheel\nvf-cext-good\n');
    // setuptools on this PyPy runs `cc` from PATH (or $CC): an empty directory as the whole PATH
    // is a machine without a compiler. The interpreter is named by its full path.
    mkdirSync(join(work, 'empty-bin'));
    pypy = spawnSync('sh', ['-c', 'command -v pypy3'], { encoding: 'utf8' }).stdout.trim();
    const env = verifyEnv(work, join(work, 'empty-bin'));
    verified = await runVerify({
      scan: { paths: ['project'], cwd: work, env, index: { indexUrl: server.simpleUrl.replace('http://', `http://ci:${PASSWORD}@`), cacheDir: null, netrc: false }, pip: {} },
      interpreter: probeInterpreter(pypy, env, work),
      keep: false,
      timeoutPerPackageMs: 240_000,
      importTimeoutMs: 60_000,
      signal: new AbortController().signal,
    });
  }, 420_000);

  afterAll(async () => {
    await server?.close();
    if (work) rmSync(work, { recursive: true, force: true });
    if (verified?.logsDir) rmSync(verified.logsDir, { recursive: true, force: true });
  });

  it.skipIf(SKIP !== null)('"build failed: no C compiler", from the real log\'s line, not a stack trace; the prediction (source-build) agrees', () => {
    const p = verified.packages.find((x) => x.name === 'vf-cext-good')!;
    expect(p.comparison).toMatchObject({ status: 'build-failed', measured: 'build failed: no C compiler', agreement: 'agree', failed: true });
    expect(p.prediction).toEqual({ verdict: 'source-build', file: 'vf_cext_good-1.0.tar.gz' });
    const log = readFileSync(p.log!, 'utf8');
    expect(log).toMatch(/^ +cc [^\n]* -c good\.c -o [^\n]*$/m);
    expect(log).toMatch(/^ +error: command 'cc' failed: No such file or directory$/m);
    expect(verifyTable(verified, 'Measured on PyPy')).toMatch(/^vf-cext-good +1\.0 +source-build +vf_cext_good-1\.0\.tar\.gz +agrees: build failed: no C compiler$/m);
    // The other package is not hidden by the failure.
    expect(verified.packages.find((x) => x.name === 'vf-pure-wheel')!.comparison.status).toBe('imported');
    expect(verified.result.findings.find((f) => f.name === 'vf-cext-good')!.evidence[0]).toBe('measured on PyPy 7.3.11: predicted source-build: build failed: no C compiler (agrees with the prediction)');
  });

  it.skipIf(SKIP !== null)('the interactive audit on this run: measured beside predicted in the list, the failure a blocker', async () => {
    const result = verified.result;
    const app = render(
      React.createElement(Audit, {
        paths: ['project'],
        progress: null,
        result,
        summaries: bottomLine(result),
        look: { unicode: true, color: false },
        version: '0.1.0',
        measured: measuredMarks(verified.packages),
        measuredOn: 'PyPy 7.3.11',
        onEditor: () => undefined,
        onQuit: () => undefined,
        onInterrupt: () => undefined,
      }),
    );
    await settle();
    const frame = app.lastFrame() ?? '';
    expect(frame).toContain('measured on PyPy 7.3.11: 2 package(s), 2 agree, 0 better than predicted, 0 disagree; 1 failed');
    expect(frame).toMatch(/^> ✖ vf-cext-good 1\.0 {2}source-build {2}measured: build failed, agrees {2}project\/requirements\.txt:2$/m);
    expect(frame).toMatch(/^ {2}\S vf-pure-wheel 1\.0 {2}pure {2}measured: imported, agrees {2}project\/requirements\.txt:1$/m);
    app.unmount();
  });
});

describe(SKIP ? `verify with the requirements file's own indexes (skipped: ${SKIP})` : "verify with the requirements file's -i, --extra-index-url and a direct URL, each with credentials", () => {
  const servers: IndexServer[] = [];
  const EXTRA_PASSWORD = 'xtra-pass-0917';
  const DIRECT_PASSWORD = 'dirct-pass-5521';
  let work = '';
  let code = -1;
  let out = '';
  let err = '';
  let report: VerifyJson;
  const pkg = (name: string) => report.verify.packages.find((p) => p.name === name)!;

  beforeAll(async () => {
    if (SKIP) return;
    work = mkdtempSync(join(tmpdir(), 'pypy-ready-verify-reqindex-'));
    const bodies = new Map(Object.entries(FILES).map(([file, make]) => [file, make()]));
    const fileBody = (f: string) => bodies.get(f) ?? Buffer.from('unknown');
    const main_ = await startIndexServer({ packages: INDEX, basicAuth: { username: 'ci', password: PASSWORD }, fileBody });
    const extra = await startIndexServer({ packages: { 'vf-extra-index': release('vf_extra_index-1.0-py3-none-any.whl') }, basicAuth: { username: 'ex', password: EXTRA_PASSWORD }, fileBody });
    // Named by no index option: only the direct URL leads there.
    const direct = await startIndexServer({ packages: { 'vf-direct-url': release('vf_direct_url-1.0-py3-none-any.whl') }, basicAuth: { username: 'du', password: DIRECT_PASSWORD }, fileBody });
    servers.push(main_, extra, direct);
    const withUser = (url: string, user: string, password: string) => url.replace('http://', `http://${user}:${password}@`);
    mkdirSync(join(work, 'project'));
    writeFileSync(
      join(work, 'project', 'requirements.txt'),
      [
        `-i ${withUser(main_.simpleUrl, 'ci', PASSWORD)}`,
        `--extra-index-url ${withUser(extra.simpleUrl, 'ex', EXTRA_PASSWORD)}`,
        'vf-pure-wheel',
        'vf-extra-index',
        `vf-direct-url @ ${withUser(direct.url, 'du', DIRECT_PASSWORD)}/files/vf-direct-url/vf_direct_url-1.0-py3-none-any.whl`,
        '',
      ].join('\n'),
    );
    // No index on the command line or in the environment: the requirements file is the only source.
    const io = captureIO({ cwd: work, env: verifyEnv(work, process.env['PATH']) });
    code = await main(['verify', 'project', '--no-cache', '--no-config', '--format', 'json', '--timeout-per-package', '240'], io);
    out = io.out;
    err = io.err;
    report = JSON.parse(out) as VerifyJson;
  }, 420_000);

  afterAll(async () => {
    for (const server of servers) await server.close();
    if (work) rmSync(work, { recursive: true, force: true });
    if (report?.verify.logs) rmSync(report.verify.logs, { recursive: true, force: true });
  });

  it.skipIf(SKIP !== null)("pip finds each package where the file says: the -i index, the extra index, and the direct URL's server", () => {
    expect(pkg('vf-pure-wheel')).toMatchObject({ status: 'imported', agreement: 'agree', file: 'vf_pure_wheel-1.0-py3-none-any.whl' });
    expect(pkg('vf-extra-index')).toMatchObject({ status: 'imported', agreement: 'agree', file: 'vf_extra_index-1.0-py3-none-any.whl' });
    // The scan cannot judge a URL requirement (verdict unknown, no file): the measurement adds to it.
    expect(pkg('vf-direct-url')).toMatchObject({ status: 'imported', agreement: 'better', file: 'vf_direct_url-1.0-py3-none-any.whl', predicted: { verdict: 'unknown', file: null }, failed: false });
    expect(pkg('vf-direct-url').sentence).toMatch(/^predicted unknown \(not assessed\): installed from wheel, imported vf_direct_url \(\d+\.\d+ s\)$/);
    expect(code).toBe(0);
    // Each server saw pip's authenticated requests (Basic auth with its own user).
    const authorised = (server: IndexServer, user: string) => server.requests.filter((r) => r.status === 200 && r.authorization?.startsWith('Basic ') && Buffer.from(r.authorization.slice(6), 'base64').toString().startsWith(`${user}:`));
    expect(authorised(servers[1]!, 'ex').some((r) => r.path.startsWith('/files/vf-extra-index/'))).toBe(true);
    expect(authorised(servers[2]!, 'du').some((r) => r.path === '/files/vf-direct-url/vf_direct_url-1.0-py3-none-any.whl')).toBe(true);
  });

  it.skipIf(SKIP !== null)('no password in any output or log', () => {
    // pip's resolution runs quietly: its log exists when pip said something.
    const logs = [...report.verify.projects.map((p) => p.resolutionLog), ...report.verify.packages.flatMap((p) => (p.log ? [p.log] : []))].filter((log) => existsSync(log));
    expect(logs.length).toBeGreaterThanOrEqual(3);
    const everything = [out, err, ...logs.map((log) => readFileSync(log, 'utf8'))].join('\n');
    for (const secret of [PASSWORD, EXTRA_PASSWORD, DIRECT_PASSWORD]) expect(everything).not.toContain(secret);
  });
});
