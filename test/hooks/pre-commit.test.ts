/**
 * The hook of .pre-commit-hooks.yaml through real pre-commit: `pre-commit try-repo <this repo>
 * pypy-ready` in a throwaway git repository whose staged requirements.txt gains psycopg2-binary
 * (fails with the short report), then psycopg instead (passes, prints nothing), then the same
 * blocker with no index reachable (passes with a warning). The hook reads the local test index
 * through PIP_INDEX_URL and keeps its HTTP cache under a temporary XDG_CACHE_HOME.
 *
 * try-repo clones this repository at HEAD plus the uncommitted changes of tracked files (not
 * untracked ones: a change that imports a file not yet `git add`ed breaks the hook's build here),
 * and installs it as pre-commit does for `language: node`: nodeenv on the system node, `npm install`
 * (dev dependencies; `prepare` builds dist/), `npm pack`, `npm install -g` of the tarball. pre-commit
 * 3.0.4's try-repo installs into a fresh temporary store each time (PRE_COMMIT_HOME only receives
 * its log), so every case pays that install: about 30-40 s each with a warm npm cache. Needs
 * pre-commit, git, node and npm on PATH, nodeenv for pre-commit's Python, and the npm registry.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPort, loadFixtureDir, startIndexServer, type IndexServer } from '../support/index-server.js';
import { REPO_ROOT } from '../support/shared.js';

const onPath = (command: string, args: string[]): boolean => spawnSync(command, args, { encoding: 'utf8' }).status === 0;

/** The Python that runs pre-commit (its shebang), which must import nodeenv for `language: node`. */
function preCommitHasNodeenv(): boolean {
  const where = spawnSync('sh', ['-c', 'command -v pre-commit'], { encoding: 'utf8' }).stdout.trim();
  if (!where) return false;
  const shebang = /^#!\s*(\S+)(?:\s+(\S+))?/.exec(readFileSync(where, 'utf8').split('\n', 1)[0] ?? '');
  if (!shebang) return true; // not a script: let pre-commit say what is missing
  const python = shebang[1]!.endsWith('/env') ? shebang[2] : shebang[1];
  return python === undefined || onPath(python, ['-c', 'import nodeenv']);
}

const missing = [
  ...(['pre-commit', 'git', 'node', 'npm'] as const).filter((tool) => !onPath(tool, ['--version'])),
  ...(onPath('pre-commit', ['--version']) && !preCommitHasNodeenv() ? ['nodeenv (for pre-commit\'s Python)'] : []),
];
const SKIP_REASON = `${missing.join(', ')} not found (apt-get install pre-commit git): the real pre-commit test is skipped`;
if (missing.length > 0) console.warn(`test/hooks/pre-commit.test.ts: ${SKIP_REASON}`);

/** The first install builds dist/ with tsc and fetches the dependencies from the npm registry. */
const INSTALL_TIMEOUT = 300_000;
const HOOK_LINE = /^pypy-ready \(will the dependencies install and run on PyPy\?\)\.+(Passed|Failed)$/m;

let server: IndexServer;
let scratch: string;
let project: string;
let cacheHome: string;
let preCommitHome: string;

beforeAll(async () => {
  if (missing.length > 0) return;
  // The demo index, plus psycopg 3 (pure Python, works on PyPy) from the end-to-end fixtures.
  const e2e = loadFixtureDir(resolve(REPO_ROOT, 'fixtures/e2e/index'));
  server = await startIndexServer({ host: '127.0.0.1', packages: { ...loadFixtureDir(resolve(REPO_ROOT, 'fixtures/demo-index')), psycopg: e2e['psycopg']! } });
  scratch = mkdtempSync(join(tmpdir(), 'pypy-ready-pre-commit-'));
  project = join(scratch, 'project');
  cacheHome = join(scratch, 'cache');
  preCommitHome = join(scratch, 'pre-commit-home');
  await run('git', ['init', '-q', project]);
  const config: Array<[string, string]> = [['user.name', 'pypy-ready test'], ['user.email', 'test@example.invalid'], ['commit.gpgsign', 'false']];
  for (const [key, value] of config) expect((await run('git', ['-C', project, 'config', key, value])).code).toBe(0);
  stage('django>=5.2\n');
  const commit = await run('git', ['-C', project, 'commit', '-q', '--no-verify', '-m', 'requirements']);
  expect(commit.code, commit.output).toBe(0);
});
afterAll(async () => {
  await server?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

/** The environment of a developer's commit, minus what would leak in from this test run. */
function hookEnv(indexUrl: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    // GIT_DIR & co. (a test run from a git hook), SKIP (pre-commit skips the hooks it names), npm's
    // per-script variables (`npm test`), and index settings that would add other indexes.
    if (/^(GIT_|PRE_COMMIT|PIP_|UV_|VITEST)/.test(key) || key === 'SKIP' || /^npm_(package_|lifecycle_|config_(local_prefix|foreground_scripts)$)/i.test(key)) continue;
    env[key] = value;
  }
  return { ...env, ...homeForSystemNode(), PIP_INDEX_URL: indexUrl, XDG_CACHE_HOME: cacheHome, PRE_COMMIT_HOME: preCommitHome, NO_COLOR: '1' };
}

/**
 * pre-commit 3.0.4 takes `node` on PATH as the system Node only when it is not inside the home
 * directory (its `exe_exists`); otherwise nodeenv downloads a Node, which this network refuses.
 * scripts/test-on-node.sh puts Node 22 and 24 under ~/.cache: for them the hook runs with a scratch
 * HOME, keeping npm's own configuration and cache.
 */
function homeForSystemNode(): NodeJS.ProcessEnv {
  const home = homedir();
  const node = spawnSync('sh', ['-c', 'command -v node'], { encoding: 'utf8' }).stdout.trim();
  if (node === '' || relative(home, node).startsWith('..')) return {};
  const scratchHome = join(scratch, 'home');
  mkdirSync(scratchHome, { recursive: true });
  const npm = (key: string) => spawnSync('npm', ['config', 'get', key], { encoding: 'utf8' }).stdout.trim();
  return { HOME: scratchHome, npm_config_userconfig: npm('userconfig'), npm_config_cache: npm('cache') };
}

/** Run a command without blocking this process (the index server answers from it); stdout and stderr merged. */
function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<{ code: number | null; output: string }> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.on('error', fail);
    child.on('close', (code) => done({ code, output }));
  });
}

function stage(requirements: string): void {
  writeFileSync(join(project, 'requirements.txt'), requirements);
  const added = spawnSync('git', ['-C', project, 'add', 'requirements.txt'], { encoding: 'utf8' });
  expect(added.status, added.stderr).toBe(0);
}

/** `pre-commit try-repo <this repository> pypy-ready` on the staged change, as a commit would run it. */
function tryRepo(indexUrl: string, extra: string[] = []): Promise<{ code: number | null; output: string }> {
  return run('pre-commit', ['try-repo', REPO_ROOT, 'pypy-ready', '--color', 'never', ...extra], { cwd: project, env: hookEnv(indexUrl) });
}

/** For a failed install: try-repo takes tracked files with their changes, never untracked ones. */
function installFailure(output: string): string {
  const untracked = spawnSync('git', ['-C', REPO_ROOT, 'ls-files', '--others', '--exclude-standard'], { encoding: 'utf8' }).stdout.trim();
  return untracked ? `${output}\n(try-repo left out these untracked files of ${REPO_ROOT}; a tracked change that needs them does not build:\n${untracked})` : output;
}

/** What the hook printed: pre-commit's lines after the hook's status line, minus its own "- key: value" lines. */
function hookOutput(output: string): string {
  const at = HOOK_LINE.exec(output);
  if (!at) return '';
  return output
    .slice(at.index + at[0].length)
    .split('\n')
    .filter((line) => !/^- (hook id|duration|exit code): /.test(line))
    .join('\n')
    .trim();
}


describe.skipIf(missing.length > 0)(missing.length > 0 ? `the hook through real pre-commit (skipped: ${SKIP_REASON})` : 'the hook through real pre-commit (pre-commit try-repo)', () => {
  it('fails a change that adds psycopg2-binary, with the short report naming it', async () => {
    stage('django>=5.2\npsycopg2-binary\n');
    const { code, output } = await tryRepo(server.simpleUrl);
    expect(output, installFailure(output)).not.toContain('An unexpected error has occurred');
    expect(HOOK_LINE.exec(output)?.[1], output).toBe('Failed');
    expect(code, output).toBe(1);
    expect(output).toContain('- exit code: 1');
    const report = hookOutput(output).split('\n');
    expect(report).toContain('PyPy 3.11 (8.0): 1 blocker (psycopg2-binary).');
    expect(report).toContain('  psycopg2-binary blocks you directly (pypy3.11-7.3, pypy3.11-8.0)');
    expect(report.at(-1)).toBe('Run pypy-ready without --quiet for the evidence and the fixes.');
    // Short: the blockers, not the packages that are fine (django was there before and is fine).
    expect(report.length, output).toBeLessThanOrEqual(6);
    expect(hookOutput(output)).not.toMatch(/django/i);
    // The answers went through the tool's cache under XDG_CACHE_HOME.
    expect(readdirSync(join(cacheHome, 'pypy-ready')).length).toBeGreaterThan(0);
  }, INSTALL_TIMEOUT);

  it('passes, printing nothing, once the line is replaced with psycopg (revalidating what the cache holds)', async () => {
    stage('django>=5.2\npsycopg\n');
    server.resetLog();
    const { code, output } = await tryRepo(server.simpleUrl, ['--verbose']);
    expect(output, installFailure(output)).not.toContain('An unexpected error has occurred');
    expect(HOOK_LINE.exec(output)?.[1], output).toBe('Passed');
    expect(code, output).toBe(0);
    expect(output).toContain('- hook id: pypy-ready'); // --verbose: pre-commit shows whatever the hook printed
    expect(hookOutput(output), output).toBe('');
    // django's page, cached by the first run, came back as a 304 to a conditional request.
    expect(server.requests.some((r) => r.status === 304 && r.path.includes('/django/')), JSON.stringify(server.requests.map((r) => [r.path, r.status]))).toBe(true);
  }, INSTALL_TIMEOUT);

  it('passes with a warning when no index can be reached, even though the change adds a blocker', async () => {
    stage('django>=5.2\npsycopg2-binary\n');
    const { code, output } = await tryRepo(`http://127.0.0.1:${await closedPort()}/simple/`, ['--verbose']);
    expect(output, installFailure(output)).not.toContain('An unexpected error has occurred');
    expect(HOOK_LINE.exec(output)?.[1], output).toBe('Passed');
    expect(code, output).toBe(0);
    expect(hookOutput(output), output).toMatch(/^pypy-ready: warning: nothing was checked: no index could be reached/m);
    expect(hookOutput(output)).not.toContain('blocker');
  }, INSTALL_TIMEOUT);
});
