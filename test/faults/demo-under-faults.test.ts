/**
 * The bundled demo (fixtures/demo-django against the demo index, as `npm run demo` serves it)
 * scanned through the CLI under one injected fault per row (issue 10, "fault injection"). For each
 * row: the run ends in bounded time; every package the fault touches is `unknown` with the reason
 * in its evidence (or, for metadata faults, not fully checked and never `ok`); every other package
 * has exactly the verdict of a clean run; and the exit code is the one the README states
 * (0/1 by findings, 3 when no index answered).
 *
 * Wall-clock time is only checked as a generous "does not hang" bound.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { loadFixtureDir, startIndexServer, type Fault, type IndexServer, type IndexServerOptions } from '../../src/devserver/index-server.js';
import type { ScanResult } from '../../src/scan/types.js';
import { captureIO } from '../support/cli.js';
import { REPO_ROOT } from '../support/shared.js';

const demoIndex = loadFixtureDir(resolve(REPO_ROOT, 'fixtures/demo-index'));
const home = mkdtempSync(join(tmpdir(), 'pypy-ready-faults-home-'));
/** No netrc, no proxies, no PIP_* variables: only what each row sets. */
const env = { HOME: home, NETRC: join(home, 'no-netrc') };
const CREDENTIALS = { username: 'demo-user', password: 'demo-secret-7f3a' };

interface Run {
  code: number;
  ms: number;
  result: ScanResult;
  stderr: string;
}

async function scanDemo(indexUrl: string, args: string[] = []): Promise<Run> {
  const io = captureIO({ env });
  const started = Date.now();
  const code = await main(['scan', 'fixtures/demo-django', '--index-url', indexUrl, '--no-cache', '--format', 'json', ...args], io);
  const ms = Date.now() - started;
  return { code, ms, result: JSON.parse(io.out) as ScanResult, stderr: io.err };
}

const servers: IndexServer[] = [];
async function server(options: IndexServerOptions = {}): Promise<IndexServer> {
  const s = await startIndexServer({ packages: demoIndex, ...options });
  servers.push(s);
  return s;
}

/** Regexp source for a project page of the index as messages name it: by origin (`http://host:port`, with or without `/`), or in full. */
const page = (project: string) => `http://127\\.0\\.0\\.1:\\d+(/(simple/${project}/)?)?`;
const simple = (project: string) => `/simple/${project}/`;

interface Row {
  name: string;
  faults: Fault[];
  /** Extra CLI arguments (e.g. --timeout 1). */
  args?: string[];
  /**
   * Which packages the fault makes unknown: every package the scan reports, or these (they must be
   * reported, as unknown); every other package keeps its clean-run verdict. `unchecked`: every
   * package is reported with what could not be checked, never as ok.
   */
  affected: 'all' | 'none' | 'unchecked' | string[];
  /** Must appear in the evidence (or `unchecked`) of every affected package. */
  reason?: RegExp;
  exit: 0 | 1 | 3;
  /** Generous bound: the run does not hang. */
  maxMs: number;
}

const ROWS: Row[] = [
  { name: '5xx burst that recovers: 503 once per URL', faults: [{ kind: 'status', status: 503, timesPerPath: 1 }], affected: 'none', exit: 1, maxMs: 30_000 },
  { name: '5xx burst that recovers: 502 twice per project page', faults: [{ kind: 'status', status: 502, timesPerPath: 2, path: /^\/simple\// }], affected: 'none', exit: 1, maxMs: 40_000 },
  { name: '5xx permanent on every page', faults: [{ kind: 'status', status: 500 }], affected: 'all', reason: new RegExp(`^HTTP 500 from ${page('[a-z0-9-]+')} \\(after 4 attempts\\)$`), exit: 3, maxMs: 30_000 },
  { name: '5xx permanent on one project (celery)', faults: [{ kind: 'status', status: 503, path: simple('celery') }], affected: ['celery'], reason: new RegExp(`^HTTP 503 from ${page('celery')} \\(after 4 attempts\\)$`), exit: 1, maxMs: 30_000 },
  { name: '429 with Retry-After: 1, once per project page', faults: [{ kind: 'status', status: 429, retryAfter: '1', timesPerPath: 1, path: /^\/simple\// }], affected: 'none', exit: 1, maxMs: 40_000 },
  {
    name: '429 with Retry-After: 45 on every page (past the 30 s deadline)',
    faults: [{ kind: 'status', status: 429, retryAfter: '45' }],
    affected: 'all',
    reason: new RegExp(`^HTTP 429 from ${page('[a-z0-9-]+')}: server asks to retry after 45s, past the 30 s deadline of this request$`),
    exit: 3,
    maxMs: 10_000,
  },
  { name: 'connection reset once per URL', faults: [{ kind: 'reset', timesPerPath: 1 }], affected: 'none', exit: 1, maxMs: 30_000 },
  { name: 'connection reset every time', faults: [{ kind: 'reset' }], affected: 'all', reason: new RegExp(`^network error \\([A-Z_]+\\) fetching ${page('[a-z0-9-]+')} \\(after 4 attempts\\)$`), exit: 3, maxMs: 30_000 },
  {
    name: 'stalled body on django\'s page, --timeout 1',
    faults: [{ kind: 'stall', path: simple('django') }],
    args: ['--timeout', '1'],
    affected: ['django'],
    reason: new RegExp(`^timed out after 1 s fetching ${page('django')}$`),
    exit: 1,
    maxMs: 1_000 + 10_000,
  },
  { name: 'stalled body on every page, --timeout 1', faults: [{ kind: 'stall' }], args: ['--timeout', '1'], affected: 'all', reason: new RegExp(`^timed out after 1 s fetching ${page('[a-z0-9-]+')}$`), exit: 3, maxMs: 1_000 + 10_000 },
  {
    name: 'a drip of one byte per 200 ms on requests\' page, --timeout 1',
    faults: [{ kind: 'slow-body', chunkBytes: 1, ms: 200, path: simple('requests') }],
    args: ['--timeout', '1'],
    affected: ['requests'],
    reason: new RegExp(`^timed out after 1 s fetching ${page('requests')}$`),
    exit: 1,
    maxMs: 1_000 + 10_000,
  },
  { name: 'truncated body on lxml\'s page, every time', faults: [{ kind: 'truncate', path: simple('lxml') }], affected: ['lxml'], reason: new RegExp(`^network error \\([A-Z_]+\\) fetching ${page('lxml')} \\(after 4 attempts\\)$`), exit: 1, maxMs: 30_000 },
  {
    name: 'oversized body (Content-Length 80 MiB) on every page',
    faults: [{ kind: 'oversize', bytes: 80 * 1024 * 1024 }],
    affected: 'all',
    reason: new RegExp(`^response larger than 67108864 bytes from ${page('[a-z0-9-]+')}$`),
    exit: 3,
    maxMs: 20_000,
  },
  {
    name: 'oversized body (80 MiB, chunked, no Content-Length) on numpy\'s page',
    faults: [{ kind: 'oversize', bytes: 80 * 1024 * 1024, declareLength: false, path: simple('numpy') }],
    affected: ['numpy'],
    reason: new RegExp(`^response larger than 67108864 bytes from ${page('numpy')}$`),
    exit: 1,
    maxMs: 30_000,
  },
  {
    name: 'gzip bomb (1 GiB decoded from about 1 MiB) on pillow\'s and cryptography\'s pages',
    faults: [{ kind: 'gzip-bomb', path: /^\/simple\/(pillow|cryptography)\/$/ }],
    affected: ['pillow', 'cryptography'],
    reason: new RegExp(`^response larger than 67108864 bytes from ${page('(pillow|cryptography)')}$`),
    exit: 1,
    maxMs: 30_000,
  },
  { name: 'invalid UTF-8 in every project page', faults: [{ kind: 'invalid-utf8', path: /^\/simple\// }], affected: 'all', reason: new RegExp(`^Simple API page from ${page('[a-z0-9-]+')} is not valid utf-8$`), exit: 3, maxMs: 20_000 },
  {
    name: 'an HTML sign-in page where JSON was promised, on every page',
    faults: [{ kind: 'replace-body', contentType: 'application/vnd.pypi.simple.v1+json' }],
    affected: 'all',
    reason: new RegExp(`^invalid JSON Simple API page from ${page('[a-z0-9-]+')}: `),
    exit: 3,
    maxMs: 20_000,
  },
  {
    name: 'a JSON body labelled text/html, on markupsafe\'s page',
    faults: [{ kind: 'replace-body', contentType: 'text/html', body: '{"meta": {"api-version": "1.1"}, "name": "markupsafe", "files": []}', path: simple('markupsafe') }],
    affected: ['markupsafe'],
    reason: new RegExp(`^a JSON body labelled "text/html" from ${page('markupsafe')}$`),
    exit: 1,
    maxMs: 20_000,
  },
  { name: '404 for everything (answered: not found)', faults: [{ kind: 'status', status: 404 }], affected: 'all', reason: /^project "[a-z0-9-]+" not found on http:\/\/127\.0\.0\.1:\d+/, exit: 0, maxMs: 20_000 },
  { name: '401 for everything', faults: [{ kind: 'status', status: 401 }], affected: 'all', reason: new RegExp(`^authentication refused \\(HTTP 401\\) by ${page('[a-z0-9-]+')}$`), exit: 3, maxMs: 20_000 },
  {
    name: '500 for every metadata file and JSON API document (dependencies not readable)',
    faults: [{ kind: 'status', status: 500, path: /(\.metadata$|^\/pypi\/)/ }],
    affected: 'unchecked',
    reason: /HTTP 500 from http:\/\/127\.0\.0\.1:\d+.* \(after 4 attempts\)/,
    exit: 1,
    maxMs: 30_000,
  },
];

type Verdicts = Map<string, { verdict: string; severity: string }>;
const keyOf = (f: { name: string; target: string }) => `${f.name} @ ${f.target}`;
let clean: Run;
let cleanVerdicts: Verdicts;

beforeAll(async () => {
  const s = await server();
  clean = await scanDemo(s.simpleUrl);
  cleanVerdicts = new Map(clean.result.findings.map((f) => [keyOf(f), { verdict: f.verdict, severity: f.severity }]));
}, 60_000);

afterAll(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  rmSync(home, { recursive: true, force: true });
});

/** Every finding is either affected (unknown, with the reason) or exactly as in the clean run. */
function expectOutcome(row: Row, run: Run): void {
  const { findings } = run.result;
  expect(findings.length).toBeGreaterThan(0);
  const isAffected = (name: string) => row.affected === 'all' || (Array.isArray(row.affected) && row.affected.includes(name));
  for (const f of findings) {
    const where = `${keyOf(f)} (${row.name})`;
    if (row.affected === 'unchecked') {
      expect(f.severity, where).not.toBe('ok');
      expect(f.unchecked.some((u) => row.reason!.test(u)) || f.evidence.some((e) => row.reason!.test(e)), where).toBe(true);
    } else if (isAffected(f.name)) {
      expect(f.verdict, where).toBe('unknown');
      expect(f.severity, where).toBe('unknown');
      expect(f.evidence.some((e) => row.reason!.test(e)), `${where}: ${JSON.stringify(f.evidence)}`).toBe(true);
    } else {
      // Not touched by the fault: exactly what the clean run said (so nothing unchecked is ok).
      expect({ [where]: { verdict: f.verdict, severity: f.severity } }).toEqual({ [where]: cleanVerdicts.get(keyOf(f)) });
    }
  }
  // The packages the fault touches are reported, never dropped.
  if (Array.isArray(row.affected)) {
    for (const name of row.affected) expect(findings.filter((f) => f.name === name), `${name} (${row.name})`).toHaveLength(clean.result.targets.length);
  }
  if (row.affected === 'all' || row.affected === 'unchecked') {
    const direct = new Set(clean.result.findings.filter((f) => f.via.length === 0).map(keyOf));
    expect(new Set(findings.map(keyOf))).toEqual(direct);
  }
  if (row.affected === 'none') expect(findings.map((f) => [keyOf(f), f.verdict, f.severity])).toEqual(clean.result.findings.map((f) => [keyOf(f), f.verdict, f.severity]));
  if (row.exit === 3) expect(run.stderr).toMatch(/no index could be reached/);
  else expect(run.stderr).not.toMatch(/no index could be reached/);
}

describe('the demo scanned under one fault per row', () => {
  it('the clean run (the reference): findings at error level, exit 1', () => {
    expect(clean.code).toBe(1);
    expect(clean.result.findings.some((f) => f.verdict === 'unknown')).toBe(false);
    expect(clean.result.findings.length).toBeGreaterThan(40);
  });

  for (const row of ROWS) {
    it(row.name, { timeout: row.maxMs + 30_000 }, async () => {
      const s = await server({ faults: row.faults });
      const run = await scanDemo(s.simpleUrl, row.args);
      expect(run.ms, 'does not hang').toBeLessThan(row.maxMs);
      expectOutcome(row, run);
      expect(run.code).toBe(row.exit);
    });
  }
});

describe('a redirect to another host (another port): followed, without the credentials', () => {
  const authorised = (s: IndexServer) => s.requests.filter((r) => r.authorization !== null);
  const withCredentials = (url: string) => url.replace('http://', `http://${CREDENTIALS.username}:${CREDENTIALS.password}@`);

  it('to an open index: followed, the same verdicts as the clean run, no Authorization sent there', { timeout: 60_000 }, async () => {
    const other = await server();
    const origin = await server({ basicAuth: CREDENTIALS, faults: [{ kind: 'redirect', to: other.url }] });
    const run = await scanDemo(withCredentials(origin.simpleUrl));
    expect(run.ms, 'does not hang').toBeLessThan(30_000);
    expectOutcome({ name: 'redirect', faults: [], affected: 'none', exit: 1, maxMs: 0 }, run);
    expect(run.code).toBe(1);
    expect(other.requests.length).toBeGreaterThan(40);
    expect(authorised(other)).toEqual([]);
    expect(authorised(origin).length).toBe(origin.requests.length); // the index itself did get them
    expect(JSON.stringify(run.result) + run.stderr).not.toContain(CREDENTIALS.password);
  });

  it('to an index that asks for the same credentials: they are not sent, so every package is unknown (401), exit 3', { timeout: 60_000 }, async () => {
    const other = await server({ basicAuth: CREDENTIALS });
    const origin = await server({ basicAuth: CREDENTIALS, faults: [{ kind: 'redirect', to: other.url }] });
    const run = await scanDemo(withCredentials(origin.simpleUrl));
    expect(run.ms, 'does not hang').toBeLessThan(30_000);
    expectOutcome({ name: 'redirect to a protected host', faults: [], affected: 'all', reason: /^authentication refused \(HTTP 401\) by http:\/\/127\.0\.0\.1:\d+/, exit: 3, maxMs: 0 }, run);
    expect(run.code).toBe(3);
    expect(authorised(other)).toEqual([]);
    expect(JSON.stringify(run.result) + run.stderr).not.toContain(CREDENTIALS.password);
  });
});
