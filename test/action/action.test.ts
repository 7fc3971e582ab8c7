/**
 * The GitHub Action as the runner starts it: `node action/index.mjs` (the committed bundle), with
 * the `GITHUB_*` and `INPUT_*` environment a pull-request workflow has, in a shallow checkout of a
 * real git repository whose change adds psycopg2-binary. Annotations, the job summary, the outputs
 * and the SARIF file land where the runner reads them; the comment goes to a local stand-in for
 * the REST API. Once as a pull request from the same repository, once from a fork.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMENT_MARKER } from '../../src/action/comment.js';
import { loadFixtureDir, startIndexServer, type IndexServer } from '../../src/devserver/index-server.js';
import { REPO_ROOT } from '../support/shared.js';

const BUNDLE = resolve(REPO_ROOT, 'action/index.mjs');
const SECRET = 's3cr3t-index-password';
const TOKEN = 'ghs_not-a-real-token-0123456789';

interface ApiRequest {
  method: string;
  url: string;
  authorization: string | undefined;
  body: string;
}

/** The REST API's part the Action uses: list, create and edit issue comments. */
function startFakeApi(): Promise<{ server: Server; url: string; requests: ApiRequest[]; comments: { id: number; body: string }[] }> {
  const requests: ApiRequest[] = [];
  const comments: { id: number; body: string }[] = [{ id: 1, body: 'LGTM from a human' }];
  const server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization, body });
      const json = (status: number, value: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(value));
      };
      if (req.method === 'GET' && /^\/repos\/acme\/service\/issues\/42\/comments\?/.test(req.url ?? '')) return json(200, comments);
      if (req.method === 'POST' && req.url === '/repos/acme/service/issues/42/comments') {
        const comment = { id: 100 + comments.length, body: (JSON.parse(body) as { body: string }).body };
        comments.push(comment);
        return json(201, comment);
      }
      const edit = /^\/repos\/acme\/service\/issues\/comments\/(\d+)$/.exec(req.url ?? '');
      if (req.method === 'PATCH' && edit) {
        const comment = comments.find((c) => c.id === Number(edit[1]));
        if (!comment) return json(404, { message: 'Not Found' });
        comment.body = (JSON.parse(body) as { body: string }).body;
        return json(200, comment);
      }
      return json(404, { message: 'Not Found' });
    });
  });
  return new Promise((done) => server.listen(0, '127.0.0.1', () => done({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, comments })));
}

const git = (cwd: string, ...args: string[]) => execFileSync('git', ['-C', cwd, '-c', 'user.email=t@example.invalid', '-c', 'user.name=t', '-c', 'protocol.file.allow=always', ...args], { encoding: 'utf8' }).trim();

/** Runs the bundle the way the runner does (its own process, cwd = the workspace). */
function runBundle(cwd: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [BUNDLE], { cwd, env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

/** The `name<<DELIMITER` blocks of a GITHUB_OUTPUT file, as the runner reads them. */
function readOutputs(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const head = /^([^<]+)<<(.+)$/.exec(lines[i]!);
    if (!head) continue;
    const end = lines.indexOf(head[2]!, i + 1);
    outputs[head[1]!] = lines.slice(i + 1, end).join('\n');
    i = end;
  }
  return outputs;
}

describe('the GitHub Action on a pull request', () => {
  let index: IndexServer;
  let api: Awaited<ReturnType<typeof startFakeApi>>;
  let origin: string;
  let baseSha: string;
  let headSha: string;

  beforeAll(async () => {
    index = await startIndexServer({ packages: loadFixtureDir(resolve(REPO_ROOT, 'fixtures/demo-index')), basicAuth: { username: 'ci', password: SECRET } });
    api = await startFakeApi();
    // The repository on "GitHub": a base commit, then the pull request's head commit adding a blocker.
    const work = mkdtempSync(join(tmpdir(), 'pypy-ready-action-src-'));
    git(work, 'init', '-q', '-b', 'main');
    writeFileSync(join(work, 'requirements.txt'), 'django>=5.2\norjson\n');
    git(work, 'add', '.');
    git(work, 'commit', '-q', '-m', 'base');
    baseSha = git(work, 'rev-parse', 'HEAD');
    writeFileSync(join(work, 'requirements.txt'), 'django>=5.2\norjson\npsycopg2-binary\n');
    git(work, 'commit', '-q', '-am', 'add the database driver');
    headSha = git(work, 'rev-parse', 'HEAD');
    origin = mkdtempSync(join(tmpdir(), 'pypy-ready-action-origin-'));
    git(origin, 'clone', '-q', '--bare', work, '.');
  });
  afterAll(async () => {
    await index.close();
    await new Promise((done) => api.server.close(done));
  });

  /** A runner's job: a shallow checkout (actions/checkout's default depth 1), the event file, the runner's files. */
  function job(headRepo: string, inputs: Record<string, string>) {
    const root = mkdtempSync(join(tmpdir(), 'pypy-ready-action-job-'));
    const workspace = join(root, 'workspace');
    const temp = join(root, 'runner-temp');
    mkdirSync(temp);
    execFileSync('git', ['-c', 'protocol.file.allow=always', 'clone', '-q', '--depth=1', `file://${origin}`, workspace]);
    expect(git(workspace, 'rev-parse', 'HEAD')).toBe(headSha);
    const event = join(root, 'event.json');
    const fork = headRepo !== 'acme/service';
    writeFileSync(event, JSON.stringify({ number: 42, pull_request: { number: 42, base: { sha: baseSha, ref: 'main', repo: { full_name: 'acme/service', fork: false } }, head: { sha: headSha, ref: 'feature', repo: { full_name: headRepo, fork } } } }));
    const env: Record<string, string> = {
      CI: 'true',
      GITHUB_ACTIONS: 'true',
      GITHUB_EVENT_NAME: 'pull_request',
      GITHUB_EVENT_PATH: event,
      GITHUB_REPOSITORY: 'acme/service',
      GITHUB_WORKSPACE: workspace,
      GITHUB_OUTPUT: join(root, 'output'),
      GITHUB_STEP_SUMMARY: join(root, 'summary.md'),
      GITHUB_API_URL: api.url,
      RUNNER_TEMP: temp,
      XDG_CACHE_HOME: join(root, 'cache'),
      'INPUT_PATH': '.',
      'INPUT_TARGETS': '',
      'INPUT_FAIL-ON': 'error',
      'INPUT_INDEX-URL': index.simpleUrl.replace('http://', `http://ci:${SECRET}@`),
      'INPUT_BASELINE': '',
      'INPUT_SARIF-FILE': 'pypy-ready.sarif',
      'INPUT_COMMENT': 'true',
      'INPUT_GITHUB-TOKEN': TOKEN,
      ...inputs,
    };
    writeFileSync(env['GITHUB_OUTPUT']!, '');
    return { root, workspace, temp, env };
  }

  /** Everything the job left behind that a log or a reader could see. */
  function everything(j: ReturnType<typeof job>, run: { stdout: string; stderr: string }): string {
    const files = [j.env['GITHUB_OUTPUT']!, j.env['GITHUB_STEP_SUMMARY']!, join(j.workspace, 'pypy-ready.sarif'), ...readdirSync(j.temp, { recursive: true, withFileTypes: true }).filter((d) => d.isFile()).map((d) => join(d.parentPath, d.name))];
    return [run.stdout, run.stderr, ...files.map((f) => { try { return readFileSync(f, 'utf8'); } catch { return ''; } }), ...api.requests.map((r) => r.body)].join('\n');
  }

  it('from the same repository: annotates the added line, fails, writes the summary, outputs and SARIF, and comments once, edited on the next push', async () => {
    const j = job('acme/service', {});
    const run = await runBundle(j.workspace, j.env);
    expect(run.stderr).not.toMatch(/internal error|at .*\.mjs:\d+/);
    expect(run.code).toBe(1);

    // Only what the pull request adds (orjson was in the base): psycopg2-binary on line 3, one annotation for both targets.
    const commands = run.stdout.split('\n').filter((l) => l.startsWith('::'));
    expect(commands).toHaveLength(1);
    expect(commands[0]).toMatch(/^::error file=requirements\.txt,line=3,col=1,title=[^:]*psycopg2-binary[^:]*::/);
    expect(run.stdout).not.toMatch(/orjson/);

    const summary = readFileSync(j.env['GITHUB_STEP_SUMMARY']!, 'utf8');
    expect(summary).toContain('psycopg2-binary');
    expect(summary).toContain(`Compared with ${baseSha.slice(0, 12)}: 2 of 4 blockers, 0 of 0 warnings are new or worse in this change; 0 resolved.`);
    expect(summary).toContain('- In this change, PyPy 3.11 \\(8.0\\): 1 blocker');

    const outputs = readOutputs(readFileSync(j.env['GITHUB_OUTPUT']!, 'utf8'));
    expect(outputs).toMatchObject({ errors: '1', warnings: '0' });
    const report = JSON.parse(readFileSync(outputs['report-json']!, 'utf8')) as { findings: { name: string }[]; comparison: { baseline: string } };
    expect(report.comparison.baseline).toBe(baseSha.slice(0, 12));
    expect([...new Set(report.findings.map((f) => f.name))]).toEqual(['psycopg2-binary']);
    expect(outputs['report-json']!.startsWith(j.temp)).toBe(true);

    const sarif = JSON.parse(readFileSync(join(j.workspace, 'pypy-ready.sarif'), 'utf8')) as { version: string; runs: { results: unknown[] }[] };
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.runs.flatMap((r) => r.results).length).toBeGreaterThanOrEqual(1);

    // The comment: listed, then created, with the workflow token; the human's comment left alone.
    expect(api.requests.map((r) => r.method)).toEqual(['GET', 'POST']);
    expect(api.requests.every((r) => r.authorization === `Bearer ${TOKEN}`)).toBe(true);
    expect(api.comments).toHaveLength(2);
    expect(api.comments[1]!.body.startsWith(COMMENT_MARKER)).toBe(true);
    expect(api.comments[1]!.body).toContain('psycopg2-binary');

    // The next push edits the same comment.
    const again = await runBundle(job('acme/service', {}).workspace, job('acme/service', {}).env);
    expect(again.code).toBe(1);
    expect(api.requests.map((r) => r.method)).toEqual(['GET', 'POST', 'GET', 'PATCH']);
    expect(api.comments).toHaveLength(2);

    // Neither the index password nor the token shows anywhere.
    const seen = everything(j, run);
    expect(seen).not.toContain(SECRET);
    expect(seen).not.toContain(TOKEN);
  });

  it('from a fork: the same annotations, summary and outputs, no comment (the token is read-only) and a notice saying so', async () => {
    const before = api.requests.length;
    const j = job('someone/service-fork', {});
    const run = await runBundle(j.workspace, j.env);
    expect(run.code).toBe(1);
    const commands = run.stdout.split('\n').filter((l) => l.startsWith('::'));
    expect(commands[0]).toMatch(/^::error file=requirements\.txt,line=3,col=1,/);
    expect(commands[1]).toMatch(/^::notice title=pypy-ready%3A no comment on a pull request from a fork::/);
    expect(commands).toHaveLength(2);
    expect(api.requests.length).toBe(before);
    expect(readFileSync(j.env['GITHUB_STEP_SUMMARY']!, 'utf8')).toContain('psycopg2-binary');
    expect(readOutputs(readFileSync(j.env['GITHUB_OUTPUT']!, 'utf8'))).toMatchObject({ errors: '1', warnings: '0' });
    expect(everything(j, run)).not.toContain(SECRET);
  });

  it('fail-on never passes with the same findings; baseline none reports the whole project; a bad input is one error line', async () => {
    const whole = job('acme/service', { 'INPUT_FAIL-ON': 'never', INPUT_BASELINE: 'none', INPUT_COMMENT: 'false' });
    const run = await runBundle(whole.workspace, whole.env);
    expect(run.code).toBe(0);
    const outputs = readOutputs(readFileSync(whole.env['GITHUB_OUTPUT']!, 'utf8'));
    // orjson (a compiled extension) is now reported too: more than the PR's one blocker.
    const report = JSON.parse(readFileSync(outputs['report-json']!, 'utf8')) as { findings: { name: string }[]; comparison?: unknown };
    expect(report.comparison).toBeUndefined();
    expect(report.findings.map((f) => f.name)).toEqual(expect.arrayContaining(['psycopg2-binary', 'orjson']));

    const bad = job('acme/service', { 'INPUT_FAIL-ON': 'sometimes' });
    const refused = await runBundle(bad.workspace, bad.env);
    expect(refused.code).toBe(2);
    expect(refused.stdout).toBe('::error title=pypy-ready%3A bad input::input fail-on must be error, warning or never, not "sometimes"\n');
  });
});
