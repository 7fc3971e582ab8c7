/**
 * Through the CLI (`main` with a captured IO): exit 3 when no index answered (issue 10, defect 7),
 * and the `--timeout SECONDS` option (defect 6).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { loadFixtureDir, startIndexServer, type IndexServerOptions, type IndexServer } from '../../src/devserver/index-server.js';
import type { ScanResult } from '../../src/scan/types.js';
import { captureIO } from '../support/cli.js';
import { REPO_ROOT } from '../support/shared.js';

const demoIndex = loadFixtureDir(resolve(REPO_ROOT, 'fixtures/demo-index'));
let project: string;
const env = () => ({ HOME: project, NETRC: join(project, 'no-netrc') });
const servers: IndexServer[] = [];

beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), 'pypy-ready-cli-faults-'));
  writeFileSync(join(project, 'requirements.txt'), 'six>=1.16\nsqlparse\norjson==3.11.4\n');
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
afterAll(() => rmSync(project, { recursive: true, force: true }));

async function server(options: IndexServerOptions = {}): Promise<IndexServer> {
  const s = await startIndexServer({ packages: demoIndex, ...options });
  servers.push(s);
  return s;
}

async function scanWith(s: IndexServer, args: string[] = []): Promise<{ code: number; result: ScanResult | null; err: string }> {
  const io = captureIO({ cwd: project, env: env() });
  const code = await main(['scan', '.', '--index-url', s.simpleUrl, '--no-cache', '--format', 'json', ...args], io);
  return { code, result: io.out === '' ? null : (JSON.parse(io.out) as ScanResult), err: io.err };
}

describe('no index answered: exit 3, whatever --fail-on says', () => {
  it.each([
    ['HTTP 500 on every page', 500, /^HTTP 500 from http:\/\/127\.0\.0\.1:\d+\S* \(after 4 attempts\)$/],
    ['HTTP 401 on every page', 401, /^authentication refused \(HTTP 401\) by http:\/\/127\.0\.0\.1:\d+\S*$/],
  ])('%s', { timeout: 30_000 }, async (_name, status, reason) => {
    for (const failOn of ['error', 'never']) {
      const s = await server({ faults: [{ kind: 'status', status }] });
      const { code, result, err } = await scanWith(s, ['--fail-on', failOn]);
      expect(code).toBe(3);
      expect(err).toMatch(/^pypy-ready: no index could be reached \(/);
      expect(result!.findings.map((f) => [f.name, f.verdict])).toEqual(['orjson', 'orjson', 'six', 'six', 'sqlparse', 'sqlparse'].map((n) => [n, 'unknown']));
      for (const f of result!.findings) expect(f.evidence.some((e) => reason.test(e)), JSON.stringify(f.evidence)).toBe(true);
    }
  });

  it('404 for everything is an answer: packages unknown ("not found"), exit by findings (unknown gates as a warning)', async () => {
    const s = await server({ faults: [{ kind: 'status', status: 404 }] });
    const atError = await scanWith(s);
    expect(atError.code).toBe(0);
    expect(atError.err).toBe('');
    expect(atError.result!.findings.every((f) => f.verdict === 'unknown' && /^project "[a-z0-9-]+" not found on /.test(f.evidence[0]!))).toBe(true);
    expect(atError.result!.findings).toHaveLength(6);
    expect((await scanWith(s, ['--fail-on', 'warning'])).code).toBe(1);
  });

  it('one page failing among answers: that package is unknown, the rest judged, exit by findings', { timeout: 30_000 }, async () => {
    const s = await server({ faults: [{ kind: 'status', status: 500, path: '/simple/six/' }] });
    const { code, result } = await scanWith(s);
    expect(code).toBe(1); // orjson is known-broken
    expect(result!.findings.filter((f) => f.name === 'six').map((f) => f.verdict)).toEqual(['unknown', 'unknown']);
    expect(result!.findings.filter((f) => f.name === 'orjson').map((f) => f.verdict)).toEqual(['known-broken', 'known-broken']);
  });
});

describe('--timeout SECONDS', () => {
  it('is the deadline of each request: a stalled page is unknown "timed out after 1.5 s"', { timeout: 30_000 }, async () => {
    const s = await server({ faults: [{ kind: 'stall', path: '/simple/sqlparse/' }] });
    const started = Date.now();
    const { code, result } = await scanWith(s, ['--timeout', '1.5']);
    expect(Date.now() - started, 'does not hang').toBeLessThan(1_500 + 8_000);
    expect(code).toBe(1);
    const sqlparse = result!.findings.filter((f) => f.name === 'sqlparse');
    expect(sqlparse.map((f) => f.verdict)).toEqual(['unknown', 'unknown']);
    expect(sqlparse[0]!.evidence[0]).toMatch(/^timed out after 1\.5 s fetching http:\/\/127\.0\.0\.1:\d+/);
  });

  it.each(['0', '-1', 'abc', '4000', '1e3', ''])('rejects %j with exit 2 and one line', async (value) => {
    const s = await server();
    const { code, result, err } = await scanWith(s, [`--timeout=${value}`]);
    expect(code).toBe(2);
    expect(result).toBeNull();
    expect(err).toMatch(/^pypy-ready: --timeout must be a number of seconds from 0\.1 to 3600, not "[^"]*"\n$/);
    expect(s.requests).toEqual([]);
  });

  it('is in the help', async () => {
    const io = captureIO({ env: env() });
    expect(await main(['scan', '--help'], io)).toBe(0);
    expect(io.out).toMatch(/^ {2}--timeout SECONDS {7}deadline of each request, body and retries included \(default 30\)$/m);
  });
});
