import { describe, expect, it } from 'vitest';
import { parseWheelFilename } from '../../src/pep/filenames.js';
import { tagToString } from '../../src/pep/tags.js';
import { INTERPRETERS, isWheelCompatible, resolveTarget, UnknownTargetError, wheelRank } from '../../src/targets/index.js';

const installs = (targetId: string, filename: string, options = {}) => isWheelCompatible(parseWheelFilename(filename), resolveTarget(targetId, options));

describe('the target catalogue', () => {
  it('has the PyPy lines and CPython baselines the project supports', () => {
    expect(INTERPRETERS.map((i) => i.id)).toEqual([
      'pypy3.9-7.3',
      'pypy3.10-7.3',
      'pypy3.11-7.3',
      'pypy3.11-8.0',
      'pypy3.12-8.0',
      'cpython3.11',
      'cpython3.12',
      'cpython3.13',
    ]);
  });

  it('derives the PyPy ABI from the Python and PyPy versions (pypy<py>_pp<major><minor>)', () => {
    expect(resolveTarget('pypy3.11-7.3').interpreter.abi).toBe('pypy311_pp73');
    expect(resolveTarget('pypy3.11-8.0').interpreter.abi).toBe('pypy311_pp80');
    expect(resolveTarget('pypy3.12-8.0').interpreter.abi).toBe('pypy312_pp80');
  });

  it('names a target by interpreter and platform, defaulting to manylinux x86_64', () => {
    expect(resolveTarget('pypy3.11-8.0').id).toBe('pypy3.11-8.0-manylinux_x86_64');
    expect(resolveTarget('pypy3.11-8.0-macos_arm64').id).toBe('pypy3.11-8.0-macos_arm64');
    expect(resolveTarget('PyPy3.11-8.0', { platform: 'win_amd64' }).id).toBe('pypy3.11-8.0-win_amd64');
  });

  it('rejects unknown ids with the list of valid ones', () => {
    expect(() => resolveTarget('pypy3.8-7.3')).toThrowError(UnknownTargetError);
    expect(() => resolveTarget('pypy3.8-7.3')).toThrowError(/valid targets: pypy3\.9-7\.3, .*cpython3\.13/);
    expect(() => resolveTarget('pypy3.11-8.0-win_amd64', { platform: 'macos_arm64' })).toThrowError(/names platform/);
  });

  it('rejects a malformed glibc baseline', () => {
    expect(() => resolveTarget('pypy3.11-8.0', { glibc: 'latest' })).toThrowError(/invalid glibc version/);
  });
});

describe('marker environments', () => {
  it('describe PyPy on Linux as pip would see it there', () => {
    expect(resolveTarget('pypy3.11-8.0').environment).toMatchObject({
      implementation_name: 'pypy',
      platform_python_implementation: 'PyPy',
      python_version: '3.11',
      implementation_version: '8.0.1',
      sys_platform: 'linux',
      platform_system: 'Linux',
      platform_machine: 'x86_64',
      os_name: 'posix',
    });
  });

  it('describe CPython on Windows and PyPy on macOS arm64', () => {
    expect(resolveTarget('cpython3.13-win_amd64').environment).toMatchObject({
      implementation_name: 'cpython',
      platform_python_implementation: 'CPython',
      python_version: '3.13',
      sys_platform: 'win32',
      platform_machine: 'AMD64',
      os_name: 'nt',
    });
    expect(resolveTarget('pypy3.10-7.3-macos_arm64').environment).toMatchObject({ sys_platform: 'darwin', platform_machine: 'arm64', python_version: '3.10' });
  });

  it('carry a full Python version consistent with the series', () => {
    for (const interpreter of INTERPRETERS) {
      expect(interpreter.pythonFullVersion.startsWith(`${interpreter.pythonVersion.join('.')}.`)).toBe(true);
    }
  });
});

describe('which wheels a PyPy target accepts', () => {
  it('accepts no abi3 and no cp tags at all', () => {
    for (const id of ['pypy3.9-7.3', 'pypy3.11-7.3', 'pypy3.11-8.0', 'pypy3.12-8.0']) {
      const tags = resolveTarget(id).tags.map(tagToString);
      expect(tags.filter((t) => t.includes('abi3') || t.startsWith('cp'))).toEqual([]);
    }
  });

  it('refuses pp73 wheels on PyPy 8.0 and pp80 wheels on PyPy 7.3', () => {
    expect(installs('pypy3.11-7.3', 'lxml-6.0.0-pp311-pypy311_pp73-manylinux_2_28_x86_64.whl')).toBe(true);
    expect(installs('pypy3.11-8.0', 'lxml-6.0.0-pp311-pypy311_pp73-manylinux_2_28_x86_64.whl')).toBe(false);
    expect(installs('pypy3.11-8.0', 'rpds_py-0.30.0-pp311-pypy311_pp80-manylinux_2_28_x86_64.whl')).toBe(true);
    expect(installs('pypy3.11-7.3', 'rpds_py-0.30.0-pp311-pypy311_pp80-manylinux_2_28_x86_64.whl')).toBe(false);
  });

  it('honours the glibc baseline: a manylinux_2_34 wheel needs --glibc 2.34 or newer', () => {
    const wheel = 'pkg-1.0-pp311-pypy311_pp73-manylinux_2_34_x86_64.whl';
    expect(installs('pypy3.11-7.3', wheel)).toBe(false);
    expect(installs('pypy3.11-7.3', wheel, { glibc: '2.34' })).toBe(true);
  });

  it('prefers the newer manylinux and a platform wheel over a pure one', () => {
    const target = resolveTarget('pypy3.11-7.3');
    const rank = (f: string) => wheelRank(parseWheelFilename(f), target)!;
    expect(rank('a-1-pp311-pypy311_pp73-manylinux_2_28_x86_64.whl')).toBeLessThan(rank('a-1-pp311-pypy311_pp73-manylinux_2_17_x86_64.whl'));
    expect(rank('a-1-pp311-pypy311_pp73-manylinux2010_x86_64.whl')).toBeLessThan(rank('a-1-pp311-pypy311_pp73-manylinux1_x86_64.whl'));
    expect(rank('a-1-pp311-pypy311_pp73-linux_x86_64.whl')).toBeLessThan(rank('a-1-py3-none-any.whl'));
  });

  it('accepts musllinux only on musllinux targets, and macOS/Windows wheels only there', () => {
    expect(installs('pypy3.11-7.3', 'a-1-pp311-pypy311_pp73-musllinux_1_1_x86_64.whl')).toBe(false);
    expect(installs('pypy3.11-7.3-musllinux_x86_64', 'a-1-pp311-pypy311_pp73-musllinux_1_1_x86_64.whl')).toBe(true);
    expect(installs('pypy3.11-7.3-musllinux_x86_64', 'a-1-pp311-pypy311_pp73-manylinux_2_17_x86_64.whl')).toBe(false);
    expect(installs('pypy3.11-7.3-macos_arm64', 'a-1-pp311-pypy311_pp73-macosx_11_0_arm64.whl')).toBe(true);
    expect(installs('pypy3.11-7.3-macos_x86_64', 'a-1-pp311-pypy311_pp73-macosx_11_0_arm64.whl')).toBe(false);
    expect(installs('pypy3.11-7.3-win_amd64', 'a-1-pp311-pypy311_pp73-win_amd64.whl')).toBe(true);
    expect(installs('pypy3.11-7.3-manylinux_aarch64', 'a-1-pp311-pypy311_pp73-manylinux2014_aarch64.whl')).toBe(true);
  });
});

describe('where pip and packaging differ (we follow pip: it is what installs)', () => {
  it('pip accepts pp311-none-any and refuses pp3-none-any; packaging the reverse', () => {
    expect(installs('pypy3.11-7.3', 'pponly-1.0-pp311-none-any.whl')).toBe(true);
    expect(installs('pypy3.11-7.3', 'pponly-1.0-pp3-none-any.whl')).toBe(false);
    expect(installs('pypy3.11-7.3', 'pponly-1.0-pp311-none-any.whl', { convention: 'packaging' })).toBe(false);
    expect(installs('pypy3.11-7.3', 'pponly-1.0-pp3-none-any.whl', { convention: 'packaging' })).toBe(true);
  });

  it('that is the only difference between the two lists, on every PyPy target and platform', () => {
    for (const id of ['pypy3.9-7.3', 'pypy3.10-7.3', 'pypy3.11-7.3', 'pypy3.11-8.0', 'pypy3.12-8.0']) {
      for (const platform of ['manylinux_x86_64', 'macos_arm64', 'win_amd64'] as const) {
        const pip = resolveTarget(id, { platform }).tags.map(tagToString);
        const packaging = resolveTarget(id, { platform, convention: 'packaging' }).tags.map(tagToString);
        const differ = pip.flatMap((tag, i) => (tag === packaging[i] ? [] : [`${packaging[i]} -> ${tag}`]));
        const py = resolveTarget(id).interpreter.pythonVersion.join('');
        expect(differ).toEqual([`pp3-none-any -> pp${py}-none-any`]);
      }
    }
  });

  it('makes no difference on CPython', () => {
    const pip = resolveTarget('cpython3.12').tags.map(tagToString);
    expect(resolveTarget('cpython3.12', { convention: 'packaging' }).tags.map(tagToString)).toEqual(pip);
  });
});
