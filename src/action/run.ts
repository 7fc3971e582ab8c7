/**
 * The GitHub Action: the Action's inputs and the pull request's event turned into one run of the
 * CLI (annotations on stdout, the job summary, the JSON report and, when asked, SARIF), then the
 * step's outputs and, when asked and allowed, the pull-request comment. The CLI decides everything
 * about findings; this module only wires.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { CliIO } from '../cli/io.js';
import { main } from '../cli/main.js';
import { workflowCommand } from '../report/github.js';
import { inline } from '../report/terminal.js';
import { upsertComment } from './comment.js';
import { pullRequestOf, type PullRequest } from './event.js';
import { ActionInputError, readInputs, type ActionInputs } from './inputs.js';
import { writeOutputs } from './workflow-files.js';

type Env = Readonly<Record<string, string | undefined>>;

function readEvent(env: Env): PullRequest | null {
  const path = env['GITHUB_EVENT_PATH'];
  if (!path || !existsSync(path)) return null;
  try {
    return pullRequestOf(JSON.parse(readFileSync(path, 'utf8')), env['GITHUB_REPOSITORY']);
  } catch {
    return null;
  }
}

function hasCommit(cwd: string, sha: string): boolean {
  return spawnSync('git', ['-C', cwd, 'cat-file', '-e', `${sha}^{commit}`]).status === 0;
}

/**
 * The base commit of the pull request, fetched when the checkout is shallow (actions/checkout
 * fetches one commit by default and leaves its credentials for later fetches).
 */
function ensureCommit(cwd: string, sha: string): boolean {
  if (hasCommit(cwd, sha)) return true;
  spawnSync('git', ['-C', cwd, 'fetch', '--no-tags', '--quiet', '--depth=1', 'origin', sha], { stdio: 'ignore', timeout: 120_000 });
  return hasCommit(cwd, sha);
}

/** What PR mode compares with: the input, else the pull request's base, else nothing. */
function baselineOf(inputs: ActionInputs, pr: PullRequest | null, cwd: string, io: CliIO): string | null {
  if (inputs.baseline === 'none') return null;
  if (inputs.baseline !== 'auto') return inputs.baseline;
  if (pr === null) return null;
  if (ensureCommit(cwd, pr.baseSha)) return pr.baseSha;
  io.stdout(`${workflowCommand('warning', { title: 'pypy-ready: no baseline' }, `The pull request's base commit ${pr.baseSha.slice(0, 12)} is not in the checkout and could not be fetched: every finding is reported, not only the new ones. Check out with fetch-depth: 0 to compare.`)}\n`);
  return null;
}

/** Packages (per project) whose worst finding is an error, and those whose worst is a warning or unknown. */
function countsOf(reportPath: string): { errors: number; warnings: number } | null {
  let findings: unknown;
  try {
    findings = (JSON.parse(readFileSync(reportPath, 'utf8')) as { findings?: unknown }).findings;
  } catch {
    return null;
  }
  if (!Array.isArray(findings)) return null;
  const worst = new Map<string, 'error' | 'warning'>();
  for (const f of findings as { project?: string; name?: string; severity?: string }[]) {
    const key = JSON.stringify([f.project, f.name]);
    if (f.severity === 'error') worst.set(key, 'error');
    else if ((f.severity === 'warning' || f.severity === 'unknown') && worst.get(key) !== 'error') worst.set(key, 'warning');
  }
  const values = [...worst.values()];
  return { errors: values.filter((v) => v === 'error').length, warnings: values.filter((v) => v === 'warning').length };
}

export async function runAction(io: CliIO): Promise<number> {
  const env = io.env;
  let inputs: ActionInputs;
  try {
    inputs = readInputs(env);
  } catch (error) {
    if (!(error instanceof ActionInputError)) throw error;
    io.stdout(`${workflowCommand('error', { title: 'pypy-ready: bad input' }, error.message)}\n`);
    return 2;
  }
  const cwd = resolve(env['GITHUB_WORKSPACE'] || io.cwd);
  const scanIO: CliIO = { ...io, cwd };
  const pr = readEvent(env);
  const baseline = baselineOf(inputs, pr, cwd, io);

  const reportDir = mkdtempSync(join(env['RUNNER_TEMP'] || tmpdir(), 'pypy-ready-'));
  const reportJson = join(reportDir, 'pypy-ready.json');
  const commentFile = join(reportDir, 'pypy-ready-comment.md');
  const wantComment = inputs.comment && pr !== null && !pr.fromFork && inputs.token !== null;
  const argv = [
    ...inputs.paths,
    '--no-interactive',
    '--format', 'github',
    '--format', `json=${reportJson}`,
    ...(inputs.sarifFile ? ['--format', `sarif=${resolve(cwd, inputs.sarifFile)}`] : []),
    ...(wantComment ? ['--format', `markdown=${commentFile}`] : []),
    '--fail-on', inputs.failOn,
    ...inputs.targets.flatMap((t) => ['--target', t]),
    ...(inputs.indexUrl ? ['--index-url', inputs.indexUrl] : []),
    ...(baseline ? ['--baseline', baseline] : []),
  ];
  const code = await main(argv, scanIO);

  const counts = existsSync(reportJson) ? countsOf(reportJson) : null;
  writeOutputs(env['GITHUB_OUTPUT'], { errors: String(counts?.errors ?? ''), warnings: String(counts?.warnings ?? ''), 'report-json': counts ? reportJson : '' });

  if (inputs.comment) {
    if (pr === null) io.stdout(`${workflowCommand('notice', { title: 'pypy-ready: no comment' }, 'comment: true applies to pull requests; this run is not one.')}\n`);
    else if (pr.fromFork) io.stdout(`${workflowCommand('notice', { title: 'pypy-ready: no comment on a pull request from a fork' }, "A fork's token is read-only, so no comment was posted; the annotations and the job summary hold the same findings.")}\n`);
    else if (inputs.token === null) io.stdout(`${workflowCommand('warning', { title: 'pypy-ready: no comment' }, 'comment: true needs the github-token input (its default is the workflow token).')}\n`);
    else if (existsSync(commentFile)) {
      const outcome = await upsertComment({ apiUrl: env['GITHUB_API_URL'] || 'https://api.github.com', repository: env['GITHUB_REPOSITORY'] ?? '', number: pr.number, token: inputs.token }, readFileSync(commentFile, 'utf8'));
      if (outcome.kind === 'failed') io.stdout(`${workflowCommand('warning', { title: 'pypy-ready: comment not posted' }, `${inline(outcome.reason)} (the token needs pull-requests: write).`)}\n`);
    }
  }
  return code;
}

