/**
 * verify's pure parts, on recorded inputs: pip's report (a real pip 23.0.1 `--dry-run --report` on
 * Debian's pypy3), real build logs (a missing header; a compiler that is not there), RECORD and
 * top_level.txt, the probe's JSON mapped onto the catalogue, and the prediction comparison. Plus the
 * bad cases that need no build: no PyPy, a Python that is not PyPy, and the option errors.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { compare } from '../../src/verify/compare.js';
import { buildFailureReason, installOutcome, isBuildFailure } from '../../src/verify/install.js';
import { modulesFromRecord, modulesFromTopLevel } from '../../src/verify/imports.js';
import { interpreterFrom, parseProbe, type InterpreterFacts } from '../../src/verify/interpreter.js';
import { installOrder, parsePipReport, unsatisfiedRequirement, type PipChoice } from '../../src/verify/pip-report.js';
import { indexEnv, manifestIndexOf } from '../../src/verify/verify.js';
import { captureIO } from '../support/cli.js';
import { REPO_ROOT } from '../support/shared.js';

const fixture = (name: string): string => readFileSync(join(REPO_ROOT, 'test/verify/fixtures', name), 'utf8');

const DEBIAN: InterpreterFacts = {
  implementation: 'pypy',
  implementationVersion: '7.3.11',
  pythonVersion: '3.9.16',
  soabi: 'pypy39-pp73',
  platform: 'linux-x86_64',
  machine: 'x86_64',
  libc: ['glibc', '2.36'],
  executable: '/usr/bin/pypy3',
  hasVenv: true,
  hasEnsurepip: true,
};

describe("pip's report", () => {
  it('reads a real report: names, versions, files, and dependencies before dependents', () => {
    const report = parsePipReport(fixture('pip-report-system-wheels.json'));
    expect(report.pipVersion).toBe('23.0.1');
    expect(report.environment['implementation_name']).toBe('pypy');
    expect(report.install.map((c) => `${c.name} ${c.version} ${c.file} ${c.wheel}`).sort()).toEqual([
      'pip 23.0.1 pip-23.0.1-py3-none-any.whl true',
      'setuptools 66.1.1 setuptools-66.1.1-py3-none-any.whl true',
      'wheel 0.38.4 wheel-0.38.4-py3-none-any.whl true',
    ]);
  });

  it('orders dependencies first and survives cycles', () => {
    const c = (name: string, dependsOn: string[]): PipChoice => ({ name, version: '1', url: '', file: `${name}.whl`, wheel: true, isDirect: false, dependsOn });
    expect(installOrder([c('app', ['lib', 'missing']), c('lib', ['base']), c('base', ['app'])]).map((x) => x.name)).toEqual(['base', 'lib', 'app']);
  });

  it('redacts credentials in download URLs and names what pip could not satisfy', () => {
    const text = JSON.stringify({ version: '1', pip_version: '23.0.1', install: [{ download_info: { url: 'https://ci:tok@host/files/a/a-1.0.tar.gz' }, is_direct: false, metadata: { name: 'A', version: '1.0' } }] });
    const [a] = parsePipReport(text).install;
    expect(a).toMatchObject({ name: 'a', file: 'a-1.0.tar.gz', wheel: false });
    expect(a!.url).not.toContain('tok');
    expect(unsatisfiedRequirement('ERROR: Could not find a version that satisfies the requirement vf-wrong-abi (from versions: none)\nERROR: No matching distribution found for vf-wrong-abi\n')).toBe('vf-wrong-abi');
    expect(unsatisfiedRequirement('ERROR: something else')).toBeNull();
    expect(() => parsePipReport('not json')).toThrow(/not JSON/);
  });
});

describe('build logs', () => {
  it("a missing header: the compiler's first error line", () => {
    const log = fixture('build-missing-header.log');
    expect(isBuildFailure(log)).toBe(true);
    expect(buildFailureReason(log)).toBe('header.c:1:10: fatal error: vf_missing_header.h: No such file or directory');
    expect(installOutcome({ wheel: false }, { code: 1, timedOut: false, stdout: log, stderr: '', seconds: 3.2, spawnError: null })).toEqual({ kind: 'build-failed', seconds: 3.2, reason: 'header.c:1:10: fatal error: vf_missing_header.h: No such file or directory' });
  });

  it('no compiler: "no C compiler", not a stack trace', () => {
    expect(buildFailureReason(fixture('build-no-compiler.log'))).toBe('no C compiler');
    expect(buildFailureReason("      unable to execute 'x86_64-linux-gnu-gcc': No such file or directory")).toBe('no C compiler');
    // $CC named otherwise: the missing command is the one the compile line runs.
    expect(buildFailureReason("      /opt/tc/bin/buildroot-compile -DNDEBUG -O2 -fPIC -c good.c -o build/good.o\n      error: command '/opt/tc/bin/buildroot-compile' failed: No such file or directory\n")).toBe('no C compiler');
    // Another missing tool is not a missing compiler.
    expect(buildFailureReason("      error: command 'cmake' failed: No such file or directory\n")).toBe("error: command 'cmake' failed: No such file or directory");
    // A build that prints thousands of missing tools and compile lines: still decided by its compile line, in one pass.
    const noise = Array.from({ length: 5_000 }, (_, i) => `      error: command 'tool${i}' failed: No such file or directory\n      other${i} -O2 -c f${i}.c\n`).join('');
    expect(buildFailureReason(`${noise}      /opt/cc9 -c good.c\n      error: command '/opt/cc9' failed: No such file or directory\n`)).toBe('no C compiler');
    expect(buildFailureReason(noise)).toBe("error: command 'tool0' failed: No such file or directory");
  });

  it('a timeout and a successful build', () => {
    expect(installOutcome({ wheel: false }, { code: null, timedOut: true, stdout: '', stderr: '', seconds: 600, spawnError: null }).kind).toBe('timed-out');
    expect(installOutcome({ wheel: false }, { code: 0, timedOut: false, stdout: '', stderr: '', seconds: 9, spawnError: null })).toEqual({ kind: 'built', seconds: 9 });
  });
});

describe('top-level modules', () => {
  it('from top_level.txt, and from a RECORD (packages, single modules, extension modules; not dist-info, scripts or .pth)', () => {
    expect(modulesFromTopLevel('yaml\n_yaml\n\n')).toEqual(['_yaml', 'yaml']);
    const record = ['six.py,sha256=x,1', 'pkg/__init__.py,,', 'pkg/sub/m.py,,', 'fast.pypy39-pp73-x86_64-linux-gnu.so,,', 'pkg-1.0.dist-info/RECORD,,', '../../../bin/tool,,', 'distutils-precedence.pth,,', '__pycache__/six.cpython-39.pyc,,'].join('\n');
    expect(modulesFromRecord(record)).toEqual(['fast', 'pkg', 'six']);
  });
});

describe('the interpreter', () => {
  it("maps Debian's PyPy 7.3.11 onto pypy3.9-7.3 with its own glibc", () => {
    const probed = interpreterFrom('/usr/bin/pypy3', parseProbe(`${JSON.stringify(DEBIAN)}\n`));
    expect(probed).toMatchObject({ targetId: 'pypy3.9-7.3', abi: 'pypy39_pp73', platform: 'manylinux_x86_64', platformOptions: { glibc: '2.36' }, label: 'PyPy 7.3.11' });
  });

  it('refuses CPython, an uncatalogued PyPy, and a PyPy without ensurepip (naming pypy3-venv)', () => {
    expect(() => interpreterFrom('/usr/bin/python3', { ...DEBIAN, implementation: 'cpython' })).toThrow(/is not PyPy \(sys\.implementation\.name is "cpython"\)/);
    expect(() => interpreterFrom('/opt/pypy', { ...DEBIAN, implementationVersion: '9.1.0', soabi: 'pypy39-pp91' })).toThrow(/maps to pypy3\.9-9\.1, which is not in the target catalogue/);
    expect(() => interpreterFrom('/usr/bin/pypy3', { ...DEBIAN, hasEnsurepip: false })).toThrow(/has no working ensurepip \(no module, or no pip wheel for it to install\).*apt-get install pypy3-venv/);
  });

  it('no PyPy on PATH: a clear error, exit 2', async () => {
    const io = captureIO({ env: { PATH: '/nonexistent' } });
    expect(await main(['verify', 'fixtures/demo-django', '--index-url', 'http://127.0.0.1:9/simple/'], io)).toBe(2);
    expect(io.err).toMatch(/^pypy-ready: no PyPy found: neither pypy3 nor pypy is on PATH; install PyPy \(Debian\/Ubuntu: apt-get install pypy3 pypy3-venv\)/);
  });

  const python3 = spawnSync('python3', ['--version']).status === 0;
  it.skipIf(!python3)('a Python that is not PyPy: exit 2', async () => {
    const io = captureIO({ env: { PATH: process.env['PATH'] } });
    expect(await main(['verify', 'fixtures/demo-django', '--python', 'python3', '--index-url', 'http://127.0.0.1:9/simple/'], io)).toBe(2);
    expect(io.err).toMatch(/is not PyPy \(sys\.implementation\.name is "cpython"\)/);
  });

  it('options that do not apply are usage errors', async () => {
    const io = captureIO();
    expect(await main(['verify', '--target', 'pypy3.11-8.0'], io)).toBe(2);
    expect(io.err).toMatch(/--target does not apply to verify/);
    expect(await main(['verify', '--timeout-per-package', 'soon'], io)).toBe(2);
  });
});

describe('index settings reach pip through its environment', () => {
  it('with the credentials (pip needs them), never on its command line', () => {
    expect(indexEnv({ index: { indexUrl: 'https://ci:tok@pkgs.example/simple', extraIndexUrls: ['https://other.example/simple/'] }, env: {} })).toEqual({ PIP_INDEX_URL: 'https://ci:tok@pkgs.example/simple/', PIP_EXTRA_INDEX_URL: 'https://other.example/simple/' });
    expect(indexEnv({ env: { PIP_INDEX_URL: 'http://127.0.0.1:1/simple/' } })).toEqual({ PIP_INDEX_URL: 'http://127.0.0.1:1/simple/' });
    // A requirements file's -i and --extra-index-url come after the command line and before the environment, as in the scan.
    const manifest = manifestIndexOf([{ root: '.', manifests: [], requirements: [], issues: [], indexOptions: { indexUrl: 'https://u:p@file.example/simple', extraIndexUrls: ['https://x:y@extra.example/simple/'], findLinks: [], pre: false, onlyBinary: [], noBinary: [], trustedHosts: [] } }]);
    expect(indexEnv({ env: { PIP_INDEX_URL: 'http://127.0.0.1:1/simple/' } }, manifest)).toEqual({ PIP_INDEX_URL: 'https://u:p@file.example/simple/', PIP_EXTRA_INDEX_URL: 'https://x:y@extra.example/simple/' });
    expect(indexEnv({ index: { indexUrl: 'https://cli.example/simple/' }, env: {} }, manifest).PIP_INDEX_URL).toBe('https://cli.example/simple/');
  });

  it("passes a requirements file's --find-links (URLs and absolute paths) and --trusted-host as PIP_FIND_LINKS and PIP_TRUSTED_HOST", () => {
    const indexOptions = { extraIndexUrls: [], findLinks: ['https://u:p@wheels.example/links/', '/srv/wheels', 'vendor/wheels', '/path with space'], pre: false, onlyBinary: [], noBinary: [], trustedHosts: ['wheels.example', 'mirror.example:8080'] };
    const manifest = manifestIndexOf([{ root: '.', manifests: [], requirements: [], issues: [], indexOptions }]);
    expect(manifest).toEqual({ extraIndexUrls: [], findLinks: ['https://u:p@wheels.example/links/', '/srv/wheels'], trustedHosts: ['wheels.example', 'mirror.example:8080'] });
    expect(indexEnv({ env: {} }, manifest)).toEqual({
      PIP_INDEX_URL: 'https://pypi.org/simple/',
      PIP_FIND_LINKS: 'https://u:p@wheels.example/links/ /srv/wheels',
      PIP_TRUSTED_HOST: 'wheels.example mirror.example:8080',
    });
    expect(Object.keys(indexEnv({ env: {} }, manifestIndexOf([])))).toEqual(['PIP_INDEX_URL']);
  });
});

describe('prediction against measurement', () => {
  const choice = (file: string): PipChoice => ({ name: 'x', version: '1.0', url: '', file, wheel: file.endsWith('.whl'), isDirect: false, dependsOn: [] });
  const imported = [{ module: 'x', ok: true, seconds: 0.05, error: null }];
  it('a source build that builds and imports is flagged, better than predicted', () => {
    const c = compare({ verdict: 'source-build', file: 'x-1.0.tar.gz' }, { kind: 'installed', choice: choice('x-1.0.tar.gz'), install: { kind: 'built', seconds: 9.2 }, imports: imported });
    expect(c).toMatchObject({ agreement: 'better', failed: false, sentence: 'predicted source-build: built from sdist in 9.2 s, imported x (0.05 s)' });
  });
  it('another file than predicted disagrees; a failure where it should work disagrees and fails', () => {
    expect(compare({ verdict: 'pure', file: 'x-1.0-py3-none-any.whl' }, { kind: 'installed', choice: choice('x-1.0.tar.gz'), install: { kind: 'built', seconds: 2 }, imports: imported })).toMatchObject({ agreement: 'disagree', sameFile: false });
    const broken = compare({ verdict: 'pure', file: 'x-1.0-py3-none-any.whl' }, { kind: 'installed', choice: choice('x-1.0-py3-none-any.whl'), install: { kind: 'wheel', seconds: 1 }, imports: [{ module: 'x', ok: false, seconds: 0.1, error: 'ImportError: nope' }] });
    expect(broken).toMatchObject({ agreement: 'disagree', failed: true, status: 'import-failed', measured: 'installed from wheel; import failed: x: ImportError: nope' });
  });
  it('an unknown prediction without a file (a URL requirement) is no disagreement: working is better, failing is a failure', () => {
    const installed = { kind: 'installed' as const, choice: { ...choice('x-1.0-py3-none-any.whl'), isDirect: true }, install: { kind: 'wheel' as const, seconds: 1 }, imports: imported };
    expect(compare({ verdict: 'unknown', file: null }, installed)).toMatchObject({ agreement: 'better', failed: false, sentence: 'predicted unknown (not assessed): installed from wheel, imported x (0.05 s)' });
    expect(compare({ verdict: 'unknown', file: null }, { ...installed, imports: [{ module: 'x', ok: false, seconds: 0.1, error: 'ImportError: nope' }] })).toMatchObject({ agreement: 'agree', failed: true });
  });
  it('pip refusing a package agrees with a prediction of no installable file', () => {
    expect(compare({ verdict: 'abi-mismatch', file: null }, { kind: 'refused', reason: 'No matching distribution found for x' })).toMatchObject({ agreement: 'agree', failed: false });
    expect(compare({ verdict: 'pure', file: 'x-1.0-py3-none-any.whl' }, { kind: 'refused', reason: 'r' })).toMatchObject({ agreement: 'disagree' });
  });
});
