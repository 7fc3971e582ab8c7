/**
 * After a package installs: its top-level modules (from the installed dist-info's `top_level.txt`,
 * else from its RECORD), each imported in a fresh interpreter (`-I`: neither the current directory
 * nor PYTHONPATH nor user site-packages take part) with a timeout, timed, and on failure the last
 * line of the traceback.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalizeName } from '../pep/names.js';
import { lastLine } from './install.js';
import { runProcess } from './run.js';

export interface ImportResult {
  module: string;
  ok: boolean;
  seconds: number;
  /** On failure: the traceback's last line (or "timed out after N s"). */
  error: string | null;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Top-level module names in a RECORD: packages (a directory's first segment) and single-file modules. */
export function modulesFromRecord(record: string): string[] {
  const names = new Set<string>();
  for (const line of record.split('\n')) {
    const path = (line.startsWith('"') ? (/^"((?:[^"]|"")*)"/.exec(line)?.[1] ?? '').replace(/""/g, '"') : line.split(',')[0]!).trim();
    if (path === '' || path.startsWith('..') || path.startsWith('/')) continue;
    const [first, ...rest] = path.split('/');
    if (first === undefined || /\.(dist-info|data|egg-info)$/.test(first) || first === '__pycache__') continue;
    const name = rest.length > 0 ? first : first.replace(/\.(py|pyc|so|pyd)$|\..*\.(so|pyd)$/, '');
    if (rest.length === 0 && !/\.(py|so|pyd)$/.test(first)) continue; // a .pth or another data file
    if (IDENTIFIER.test(name)) names.add(name);
  }
  return [...names].sort();
}

/** `top_level.txt`'s names (one a line; nested `a/b` entries stand for their top level). */
export function modulesFromTopLevel(text: string): string[] {
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    const name = line.trim().split('/')[0]!;
    if (IDENTIFIER.test(name)) names.add(name);
  }
  return [...names].sort();
}

/** The dist-info directory of an installed distribution, by normalised name (and version when known). */
export function findDistInfo(sitePackages: readonly string[], name: string, version: string | null): string | null {
  for (const dir of sitePackages) {
    if (!existsSync(dir)) continue;
    for (const entry of readdirSync(dir)) {
      const match = /^(.+)-([^-]+)\.dist-info$/.exec(entry);
      if (!match || canonicalizeName(match[1]!) !== name) continue;
      if (version === null || match[2] === version || canonicalizeName(match[2]!) === canonicalizeName(version)) return join(dir, entry);
    }
  }
  return null;
}

/** The top-level modules an installed distribution provides: `top_level.txt`, else the RECORD. */
export function topLevelModules(distInfo: string): string[] {
  const topLevel = join(distInfo, 'top_level.txt');
  if (existsSync(topLevel)) {
    const names = modulesFromTopLevel(readFileSync(topLevel, 'utf8'));
    if (names.length > 0) return names;
  }
  const record = join(distInfo, 'RECORD');
  return existsSync(record) ? modulesFromRecord(readFileSync(record, 'utf8')) : [];
}

const IMPORT_ONE = `
import importlib, sys, time
start = time.perf_counter()
importlib.import_module(sys.argv[1])
print("pypy-ready-import-seconds=%.6f" % (time.perf_counter() - start))
`;

/** Import one module in a fresh interpreter. */
export async function importModule(python: string, module: string, options: { env: Readonly<Record<string, string | undefined>>; cwd: string; timeoutMs: number; signal: AbortSignal; logFile?: string }): Promise<ImportResult> {
  const run = await runProcess(python, ['-I', '-c', IMPORT_ONE, module], { env: options.env, cwd: options.cwd, timeoutMs: options.timeoutMs, signal: options.signal, ...(options.logFile ? { logFile: options.logFile } : {}) });
  const measured = /pypy-ready-import-seconds=([0-9.]+)/.exec(run.stdout);
  if (run.code === 0 && measured) return { module, ok: true, seconds: Number(measured[1]), error: null };
  if (run.timedOut) return { module, ok: false, seconds: run.seconds, error: `timed out after ${Math.round(options.timeoutMs / 1000)} s` };
  if (run.aborted) return { module, ok: false, seconds: run.seconds, error: 'interrupted' };
  return { module, ok: false, seconds: run.seconds, error: lastLine(run.stderr) || `exit ${run.code ?? run.signal}` };
}
