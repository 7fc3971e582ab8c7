/**
 * The PyPy that `verify` measures on: found (`--python`, else `pypy3` / `pypy` on PATH), probed in
 * one subprocess (implementation, versions, ABI tag, platform, libc, venv and ensurepip), and mapped
 * onto the target catalogue, so the scan's prediction is made for exactly this interpreter.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { oneLine } from '../safe-text.js';
import { findInterpreter } from '../targets/interpreters.js';
import type { PlatformId, PlatformOptions } from '../targets/platforms.js';

/** What the interpreter says about itself (the probe's JSON). */
export interface InterpreterFacts {
  implementation: string;
  /** `sys.implementation.version`: PyPy's own version, e.g. 7.3.11. */
  implementationVersion: string;
  /** `platform.python_version()`, e.g. 3.9.16. */
  pythonVersion: string;
  /** `sysconfig.get_config_var('SOABI')`, e.g. `pypy39-pp73`. */
  soabi: string | null;
  /** `sysconfig.get_platform()`, e.g. `linux-x86_64`. */
  platform: string;
  machine: string;
  /** `platform.libc_ver()`: `["glibc", "2.36"]`, or empty strings. */
  libc: [string, string];
  executable: string;
  hasVenv: boolean;
  hasEnsurepip: boolean;
}

/** A found and probed PyPy, mapped onto the catalogue. */
export interface VerifyInterpreter {
  /** The command run (an absolute path). */
  path: string;
  facts: InterpreterFacts;
  /** The ABI tag its compiled wheels carry, e.g. `pypy39_pp73`. */
  abi: string;
  /** Catalogue id, e.g. `pypy3.9-7.3`. */
  targetId: string;
  platform: PlatformId;
  platformOptions: PlatformOptions;
  /** "PyPy 7.3.11" — what evidence says it was measured on. */
  label: string;
}

/** No usable PyPy: a one-line message, exit code 2. */
export class VerifyInterpreterError extends Error {
  override readonly name = 'VerifyInterpreterError';
  constructor(message: string) {
    super(oneLine(message, 600));
  }
}

export const PROBE = `
import json, platform, sys, sysconfig
try:
    import venv
    has_venv = True
except Exception:
    has_venv = False
try:
    import ensurepip
    has_ensurepip = bool(ensurepip.version())
except Exception:
    has_ensurepip = False
impl = sys.implementation
v = impl.version
print(json.dumps({
    "implementation": impl.name,
    "implementationVersion": "%d.%d.%d" % (v.major, v.minor, v.micro),
    "pythonVersion": platform.python_version(),
    "soabi": sysconfig.get_config_var("SOABI"),
    "platform": sysconfig.get_platform(),
    "machine": platform.machine(),
    "libc": list(platform.libc_ver()),
    "executable": sys.executable,
    "hasVenv": has_venv,
    "hasEnsurepip": has_ensurepip,
}))
`;

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** A command looked up on PATH as a shell would, or null. */
export function which(command: string, env: Readonly<Record<string, string | undefined>>): string | null {
  if (command.includes('/')) return isExecutable(command) ? command : null;
  for (const dir of (env['PATH'] ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, command);
    if (isExecutable(candidate)) return candidate;
  }
  return null;
}

/** The interpreter to probe: `--python`, else `pypy3`, else `pypy` on PATH. */
export function locateInterpreter(python: string | undefined, env: Readonly<Record<string, string | undefined>>, cwd: string): string {
  if (python !== undefined) {
    const path = python.includes('/') ? (isAbsolute(python) ? python : resolve(cwd, python)) : which(python, env);
    if (path === null || !isExecutable(path)) throw new VerifyInterpreterError(`--python ${python}: not found or not executable`);
    return path;
  }
  for (const name of ['pypy3', 'pypy']) {
    const found = which(name, env);
    if (found !== null) return found;
  }
  throw new VerifyInterpreterError('no PyPy found: neither pypy3 nor pypy is on PATH; install PyPy (Debian/Ubuntu: apt-get install pypy3 pypy3-venv) or name one with --python PATH');
}

/** Parse and check the probe's output. */
export function parseProbe(stdout: string): InterpreterFacts {
  const line = stdout.trim().split('\n').pop() ?? '';
  let data: unknown;
  try {
    data = JSON.parse(line);
  } catch {
    throw new VerifyInterpreterError(`the interpreter's probe printed no JSON: ${oneLine(stdout, 120)}`);
  }
  const d = data as Partial<InterpreterFacts>;
  if (typeof d.implementation !== 'string' || typeof d.implementationVersion !== 'string' || typeof d.pythonVersion !== 'string') {
    throw new VerifyInterpreterError('the interpreter\'s probe printed unexpected JSON');
  }
  return {
    implementation: d.implementation,
    implementationVersion: d.implementationVersion,
    pythonVersion: d.pythonVersion,
    soabi: typeof d.soabi === 'string' ? d.soabi : null,
    platform: typeof d.platform === 'string' ? d.platform : '',
    machine: typeof d.machine === 'string' ? d.machine : '',
    libc: Array.isArray(d.libc) && d.libc.length === 2 ? [String(d.libc[0]), String(d.libc[1])] : ['', ''],
    executable: typeof d.executable === 'string' ? d.executable : '',
    hasVenv: d.hasVenv === true,
    hasEnsurepip: d.hasEnsurepip === true,
  };
}

/** The ABI tag from SOABI (`pypy39-pp73` → `pypy39_pp73`), else from PyPy's formula. */
export function abiTagOf(facts: InterpreterFacts): string {
  if (facts.soabi && /^pypy\d+-pp\d+$/.test(facts.soabi)) return facts.soabi.replace('-', '_');
  const [pyMajor, pyMinor] = facts.pythonVersion.split('.');
  const [major, minor] = facts.implementationVersion.split('.');
  return `pypy${pyMajor}${pyMinor}_pp${major}${minor}`;
}

/** The catalogue's platform for `sysconfig.get_platform()` and the libc, with its baseline. */
export function platformOf(facts: InterpreterFacts): { platform: PlatformId; options: PlatformOptions } {
  const plat = facts.platform.toLowerCase();
  const [libcName, libcVersion] = facts.libc;
  const version = /^\d+\.\d+/.exec(libcVersion)?.[0];
  if (plat === 'linux-x86_64' || plat === 'linux-aarch64') {
    const arch = plat.slice('linux-'.length) as 'x86_64' | 'aarch64';
    if (libcName === 'glibc') return { platform: `manylinux_${arch}`, options: version ? { glibc: version } : {} };
    // platform.libc_ver() says nothing on musl: take the musl platform with its default baseline.
    return { platform: `musllinux_${arch}`, options: {} };
  }
  const mac = /^macosx-(\d+)(?:\.(\d+))?-(\w+)$/.exec(plat);
  if (mac) {
    const arch = mac[3] === 'arm64' ? 'arm64' : mac[3] === 'x86_64' || mac[3] === 'universal2' ? 'x86_64' : null;
    if (arch) return { platform: `macos_${arch}`, options: { macos: `${mac[1]}.${mac[2] ?? '0'}` } };
  }
  if (plat === 'win-amd64') return { platform: 'win_amd64', options: {} };
  throw new VerifyInterpreterError(`the interpreter's platform ${JSON.stringify(oneLine(facts.platform, 40))} is not one pypy-ready models`);
}

/** Map probed facts onto the target catalogue; every way it cannot be is a one-line error. */
export function interpreterFrom(path: string, facts: InterpreterFacts): VerifyInterpreter {
  if (facts.implementation !== 'pypy') {
    throw new VerifyInterpreterError(`${path} is not PyPy (sys.implementation.name is ${JSON.stringify(oneLine(facts.implementation, 30))}); verify measures on a PyPy: name one with --python PATH`);
  }
  const [pyMajor, pyMinor] = facts.pythonVersion.split('.');
  const [major, minor] = facts.implementationVersion.split('.');
  const targetId = `pypy${pyMajor}.${pyMinor}-${major}.${minor}`;
  const catalogued = findInterpreter(targetId);
  const abi = abiTagOf(facts);
  if (!catalogued) throw new VerifyInterpreterError(`PyPy ${facts.implementationVersion} (Python ${facts.pythonVersion}) maps to ${targetId}, which is not in the target catalogue (see \`pypy-ready targets\`)`);
  if (catalogued.abi !== abi) throw new VerifyInterpreterError(`PyPy ${facts.implementationVersion} reports ABI ${abi}, but the catalogue's ${targetId} has ${catalogued.abi}`);
  if (!facts.hasVenv || !facts.hasEnsurepip) {
    // Debian's ensurepip is there without pypy3-venv, but has no pip wheel to install (version() is None).
    const missing = !facts.hasVenv ? 'no venv module' : 'no working ensurepip (no module, or no pip wheel for it to install)';
    const debian = path.startsWith('/usr/bin/') ? ' (Debian and Ubuntu split it into the pypy3-venv package: apt-get install pypy3-venv)' : '';
    throw new VerifyInterpreterError(`PyPy ${facts.implementationVersion} at ${path} has ${missing}, which verify needs for its temporary environment${debian}`);
  }
  const { platform, options } = platformOf(facts);
  return { path, facts, abi, targetId, platform, platformOptions: options, label: `PyPy ${facts.implementationVersion}` };
}

/** Find and probe the PyPy (one subprocess). */
export function probeInterpreter(python: string | undefined, env: Readonly<Record<string, string | undefined>>, cwd: string): VerifyInterpreter {
  const path = locateInterpreter(python, env, cwd);
  const run = spawnSync(path, ['-I', '-c', PROBE], { encoding: 'utf8', timeout: 60_000, env: { ...env, PYTHONIOENCODING: 'utf-8' } as NodeJS.ProcessEnv });
  if (run.error) throw new VerifyInterpreterError(`cannot run ${path}: ${(run.error as NodeJS.ErrnoException).code ?? run.error.message}`);
  if (run.status !== 0) throw new VerifyInterpreterError(`${path} failed to run its probe (exit ${run.status ?? run.signal}): ${oneLine(run.stderr.trim().split('\n').pop() ?? '', 160)}`);
  return interpreterFrom(path, parseProbe(run.stdout));
}
