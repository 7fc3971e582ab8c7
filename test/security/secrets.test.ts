/**
 * Secrets never reach any output (issue 10, defects 1–3). A project plants credentials in every
 * place a URL can hold one — direct-URL and VCS requirements, `--index-url`/`--extra-index-url`
 * lines with userinfo, query tokens and path tokens, a Pipfile, a pyproject with uv sources and
 * indexes, a uv.lock, `PIP_INDEX_URL`/`PIP_EXTRA_INDEX_URL`, a netrc file — and is scanned through
 * the CLI against real local indexes: one that needs the credentials (behind a path token), one
 * that answers 500 and one that answers 401, so that error messages are produced too. Then every
 * stdout, stderr, output file, cache file name and cache file is searched for every planted string.
 *
 * Path tokens (`https://host/TOKEN/simple/`) cannot be told apart from a path, so they are the one
 * kind a redacted URL still holds: messages and evidence name an index by scheme, host and port,
 * and the full (redacted) URL appears only in fields that hold a URL as such — the `--verbose`
 * text's `url:` lines, the JSON report's `errors[].url` and the index options that
 * `requirements --format json` lists. Every other secret must appear nowhere at all.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { startIndexServer, type FixtureIndex, type IndexServer } from '../../src/devserver/index-server.js';
import type { ScanResult } from '../../src/scan/types.js';
import { captureIO } from '../support/cli.js';

// Every secret is a distinct string that occurs nowhere else, so a hit names the leak.
const S = {
  indexUser: 'idxUserQ4vb',
  indexPw: 'idxPwZ81kd',
  indexPath: 'idxPathTok7Hq2',
  indexQuery: 'idxQueryTokP0o',
  failUser: 'failUserT5mx',
  failPw: 'failPwW3nd',
  authPath: 'authPathTokX9a',
  authQuery: 'authQueryTokV2c',
  envPrimaryPw: 'envPrimaryPwR6e',
  envExtraPath: 'envExtraPathTokL1j',
  envExtraQuery: 'envExtraQueryTokB8u',
  netrcPw: 'netrcPwK2zs',
  directUser: 'directUserY7gh',
  directPw: 'directPwN4tb',
  directQuery: 'directQueryTokE5w',
  vcsToken: 'vcsTokenF3qp',
  sshPw: 'sshPwJ6rc',
  brokenPw1: 'brokenPwOneM2x',
  brokenPw2: 'brokenPwTwoD9f',
  pipfileIndexPw: 'pipfileIdxPwU1y',
  pipfileGit: 'pipfileGitTokC7v',
  pipfileFile: 'pipfileFilePwH8n',
  pyprojectDirect: 'pyprojDirectPwS3k',
  uvGit: 'uvGitTokA6m',
  uvIndexPw: 'uvIdxPwG4l',
  lockUrlPw: 'lockUrlPwO9i',
  lockUrlQuery: 'lockUrlQueryTokW2e',
  lockGit: 'lockGitTokZ5r',
  lockRegistryPw: 'lockRegPwQ8t',
  lockWheelPw: 'lockWheelPwI3u',
  requiresDistPw: 'reqDistPwX1s',
  requiresDistSig: 'reqDistSigK7d',
  badIndexPw1: 'badIdxPwOneT4g',
  badIndexPw2: 'badIdxPwTwoY6h',
  cliBadPw1: 'cliBadPwOneP2b',
  cliBadPw2: 'cliBadPwTwoN5c',
} as const;

/** Path tokens: hidden from messages and evidence; the full URL appears only where asked for. */
const PATH_TOKENS: readonly string[] = [S.indexPath, S.authPath, S.envExtraPath];
/** Everything else: never anywhere. */
const SECRETS: readonly string[] = Object.values(S).filter((s) => !PATH_TOKENS.includes(s));

// The index the project needs: a real local index behind a path token, asking for Basic auth.
const INDEX: FixtureIndex = {
  purelib: {
    versions: {
      '1.0.0': {
        files: ['purelib-1.0.0-py3-none-any.whl'],
        // A hostile (or careless) index: a dependency with a direct URL that carries a secret.
        requiresDist: [`indexdirect @ https://depuser:${S.requiresDistPw}@files.example/indexdirect-1.0.tar.gz?signature=${S.requiresDistSig}`],
      },
    },
  },
  // HTML pages use relative links, so these files live under the path token too.
  htmlonly: { formats: ['html'], versions: { '2.0': { files: ['htmlonly-2.0-py3-none-any.whl'] } } },
  metafail: { formats: ['html'], jsonApi: false, versions: { '1.0': { files: ['metafail-1.0-py3-none-any.whl'] } } },
};

let upstream: IndexServer;
let failing: IndexServer;
let refusing: IndexServer;
let proxy: Server;
let proxyUrl: string;
let root: string;
let cacheDir: string;
let env: Record<string, string>;

/** `http://host:port/TOKEN/…` → the index's `/…`, only with the right Basic credentials. */
function startTokenProxy(target: IndexServer, token: string, user: string, password: string): Promise<Server> {
  const expected = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  const upstreamUrl = new URL(target.url);
  const server = createServer((req, res) => {
    const prefix = `/${token}/`;
    if (!(req.url ?? '').startsWith(prefix)) return void res.writeHead(404).end('no such path\n');
    if (req.headers.authorization !== expected) return void res.writeHead(401, { 'www-authenticate': 'Basic realm="x"' }).end('Unauthorized\n');
    const forwarded = request(
      { host: upstreamUrl.hostname, port: upstreamUrl.port, method: req.method, path: (req.url ?? '/').slice(prefix.length - 1), headers: { ...req.headers, host: upstreamUrl.host } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forwarded.on('error', () => res.writeHead(502).end());
    req.pipe(forwarded);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function write(path: string, text: string): void {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
}

beforeAll(async () => {
  upstream = await startIndexServer({
    packages: INDEX,
    // Refused, not retried: an error message naming a file under the path token.
    faults: [{ kind: 'status', status: 403, path: /metafail-1\.0-py3-none-any\.whl\.metadata$/ }],
  });
  failing = await startIndexServer({ faults: [{ kind: 'status', status: 500 }] });
  refusing = await startIndexServer({ faults: [{ kind: 'status', status: 401 }] });
  proxy = await startTokenProxy(upstream, S.indexPath, S.indexUser, S.indexPw);
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;

  root = mkdtempSync(join(tmpdir(), 'pypy-ready-secrets-'));
  cacheDir = join(root, 'cache');
  const project = join(root, 'project');
  const primary = `http://${S.indexUser}:${S.indexPw}@${proxyUrl.slice('http://'.length)}/${S.indexPath}/simple/?token=${S.indexQuery}`;
  const failingHost = failing.url.slice('http://'.length);
  const refusingHost = refusing.url.slice('http://'.length);

  write(
    join(project, 'requirements.txt'),
    [
      `--index-url ${primary}`,
      `--extra-index-url http://${S.failUser}:${S.failPw}@${failingHost}/simple/`,
      `--extra-index-url ${refusing.url}/${S.authPath}/simple/?access_token=${S.authQuery}`,
      'purelib',
      'htmlonly',
      'metafail',
      `directpkg @ https://${S.directUser}:${S.directPw}@files.example/directpkg-1.0.tar.gz?token=${S.directQuery}`,
      `-e git+https://x-access-token:${S.vcsToken}@github.example/org/vcspkg.git@v1#egg=vcspkg`,
      `sshpkg @ git+ssh://git:${S.sshPw}@git.example/org/sshpkg.git@main`,
      // Does not parse as a URL (the port is not a number): still redacted whole.
      `brokenpkg @ https://brokenuser:${S.brokenPw1}/${S.brokenPw2}@files.example/brokenpkg-1.0.tar.gz`,
      '',
    ].join('\n'),
  );
  write(
    join(project, 'pipenv', 'Pipfile'),
    [
      '[[source]]',
      `url = "${primary}"`,
      'name = "private"',
      '',
      '[[source]]',
      `url = "http://pipfileuser:${S.pipfileIndexPw}@${failingHost}/pipfile/simple/"`,
      'name = "second"',
      '',
      '[packages]',
      'purelib = "*"',
      `pipgit = { git = "https://pipgit:${S.pipfileGit}@github.example/org/pipgit.git", ref = "v1" }`,
      `pipfileurl = { file = "https://pf:${S.pipfileFile}@files.example/pipfileurl-1.0.tar.gz" }`,
      '',
    ].join('\n'),
  );
  const lockUrl = `https://lockuser:${S.lockUrlPw}@files.example/lockdirect-1.0.tar.gz?token=${S.lockUrlQuery}`;
  const lockGit = `https://x-access-token:${S.lockGit}@github.example/org/lockgit.git`;
  write(
    join(project, 'uvproj', 'pyproject.toml'),
    [
      '[project]',
      'name = "uvproj"',
      'version = "0.1.0"',
      'dependencies = [',
      '  "purelib",',
      `  "pyprojdirect @ https://pp:${S.pyprojectDirect}@files.example/pyprojdirect-1.0.tar.gz",`,
      '  "uvgit",',
      `  "lockdirect @ ${lockUrl}",`,
      '  "lockgit",',
      ']',
      '',
      '[tool.uv.sources]',
      `uvgit = { git = "https://uv:${S.uvGit}@github.example/org/uvgit.git", rev = "main" }`,
      `lockgit = { git = "${lockGit}" }`,
      '',
      '[[tool.uv.index]]',
      'name = "corp"',
      `url = "http://uvidx:${S.uvIndexPw}@${failingHost}/uv/simple/"`,
      '',
    ].join('\n'),
  );
  write(
    join(project, 'uvproj', 'uv.lock'),
    [
      'version = 1',
      'revision = 2',
      'requires-python = ">=3.11"',
      '',
      '[[package]]',
      'name = "uvproj"',
      'version = "0.1.0"',
      'source = { virtual = "." }',
      'dependencies = [',
      '    { name = "purelib" },',
      '    { name = "pyprojdirect" },',
      '    { name = "uvgit" },',
      '    { name = "lockdirect" },',
      '    { name = "lockgit" },',
      ']',
      '',
      '[[package]]',
      'name = "purelib"',
      'version = "1.0.0"',
      `source = { registry = "http://lockreg:${S.lockRegistryPw}@${proxyUrl.slice('http://'.length)}/${S.indexPath}/simple" }`,
      `wheels = [{ url = "http://lockwheel:${S.lockWheelPw}@${proxyUrl.slice('http://'.length)}/${S.indexPath}/files/purelib/purelib-1.0.0-py3-none-any.whl", hash = "sha256:00" }]`,
      '',
      '[[package]]',
      'name = "pyprojdirect"',
      'version = "1.0"',
      `source = { url = "https://pp:${S.pyprojectDirect}@files.example/pyprojdirect-1.0.tar.gz" }`,
      `sdist = { url = "https://pp:${S.pyprojectDirect}@files.example/pyprojdirect-1.0.tar.gz", hash = "sha256:01" }`,
      '',
      '[[package]]',
      'name = "uvgit"',
      'version = "3.0"',
      `source = { git = "https://uv:${S.uvGit}@github.example/org/uvgit.git?rev=main#0123456789abcdef" }`,
      '',
      '[[package]]',
      'name = "lockdirect"',
      'version = "1.0"',
      `source = { url = "${lockUrl}" }`,
      `sdist = { url = "${lockUrl}", hash = "sha256:02" }`,
      '',
      '[[package]]',
      'name = "lockgit"',
      'version = "2.0"',
      `source = { git = "${lockGit}#fedcba9876543210" }`,
      '',
    ].join('\n'),
  );
  write(join(root, 'alone', 'requirements.txt'), 'purelib\n');
  // A project whose index line does not parse as a URL at all.
  write(join(root, 'broken', 'requirements.txt'), `--extra-index-url https://baduser:${S.badIndexPw1}/${S.badIndexPw2}@pkgs.example/simple/\npurelib\n`);

  const netrc = join(root, 'netrc');
  // The 401 index has no userinfo in its URL: netrc credentials are sent to it, and refused.
  writeFileSync(netrc, `machine 127.0.0.1 login netrcuser password ${S.netrcPw}\n`);
  env = {
    HOME: root,
    NETRC: netrc,
    // Not used (the requirements file names the index, which wins), but planted all the same.
    PIP_INDEX_URL: `http://envuser:${S.envPrimaryPw}@${failingHost}/env/simple/`,
    PIP_EXTRA_INDEX_URL: `${refusing.url}/${S.envExtraPath}/simple/?api_key=${S.envExtraQuery}`,
  };
});

afterAll(async () => {
  await Promise.all([upstream?.close(), failing?.close(), refusing?.close(), new Promise((resolve) => proxy?.close(resolve))]);
});

interface Run {
  label: string;
  args: string[];
  cwd: string;
  /** A file the run writes (`--output`). */
  output?: string;
  code: number;
  out: string;
  err: string;
  file: string;
}

async function run(label: string, args: string[], cwd: string, output?: string, runEnv: Record<string, string> = env): Promise<Run> {
  const io = captureIO({ cwd, env: runEnv });
  const code = await main(args, io);
  const file = output === undefined ? '' : readFileSync(output, 'utf8');
  return { label, args, cwd, ...(output !== undefined ? { output } : {}), code, out: io.out, err: io.err, file };
}

function cacheFiles(dir: string): Array<{ name: string; text: string }> {
  const out: Array<{ name: string; text: string }> = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else out.push({ name: path.slice(dir.length), text: readFileSync(path).toString('latin1') });
    }
  };
  walk(dir);
  return out;
}

/** The planted strings found in a text (also percent- and base64-encoded, as a URL or header would carry them). */
function leaks(text: string, secrets: readonly string[]): string[] {
  return secrets.filter((s) => text.includes(s) || text.includes(encodeURIComponent(s)) || text.includes(Buffer.from(s).toString('base64').slice(0, 12)));
}

/** Fields that hold a URL as such (redacted): the report's `errors[].url`; in `requirements --format json`, the declared URLs and index options. */
const URL_FIELDS = new Set(['url', 'indexUrl', 'extraIndexUrls', 'findLinks']);

/** A JSON document without its URL fields: what is left (messages, evidence …) names indexes by host only. */
function withoutUrlFields(json: string): string {
  return JSON.stringify(JSON.parse(json), (key, value: unknown) => (URL_FIELDS.has(key) ? undefined : value));
}

describe('no planted secret appears in any output', () => {
  let runs: Run[];
  let offline: Run;
  let verboseText: Run;
  let json: Run;

  beforeAll(async () => {
    const project = join(root, 'project');
    const broken = join(root, 'broken');
    const cache = ['--cache-dir', cacheDir];
    // The 500 index is retried with backoff: the scans run side by side.
    runs = await Promise.all([
      run('scan text', ['.', ...cache], project),
      run('scan json', ['.', ...cache, '--format', 'json'], project),
      run('scan verbose', ['.', ...cache, '--verbose'], project),
      run('scan json --output', ['.', ...cache, '--format', 'json', '--output', join(root, 'report.json')], project, join(root, 'report.json')),
      run('scan text --output', ['.', ...cache, '--output', join(root, 'report.txt')], project, join(root, 'report.txt')),
      run('scan verbose --output', ['.', ...cache, '--verbose', '--output', join(root, 'verbose.txt')], project, join(root, 'verbose.txt')),
      run('requirements text', ['requirements', '.'], project),
      run('requirements json', ['requirements', '.', '--format', 'json'], project),
      run('scan with an unparseable index line', ['.', ...cache], broken),
      run('requirements json with an unparseable index line', ['requirements', '.', '--format', 'json'], broken),
      run('scan with an unparseable --extra-index-url', ['.', ...cache, '--extra-index-url', `https://cliuser:${S.cliBadPw1}/${S.cliBadPw2}@pkgs.example/simple/`], project),
    ]);
    // The only index refuses: nothing answered (exit 3), and the one index is named by its host.
    const alone = join(root, 'alone');
    const only = ['.', '--index-url', `${refusing.url}/${S.authPath}/simple/?access_token=${S.authQuery}`, '--no-cache'];
    const aloneEnv = { HOME: root, NETRC: env['NETRC']! };
    runs.push(
      ...(await Promise.all([
        run('scan, the only index refusing', only, alone, undefined, aloneEnv),
        run('scan --verbose, the only index refusing', [...only, '--verbose'], alone, undefined, aloneEnv),
        run('scan json, the only index refusing', [...only, '--format', 'json'], alone, undefined, aloneEnv),
      ])),
    );
    // Then offline, from what the runs above cached: "not in the cache" messages name URLs too.
    offline = await run('scan offline', ['.', ...cache, '--offline', '--format', 'json'], project);
    runs.push(offline);
    verboseText = runs.find((r) => r.label === 'scan verbose')!;
    json = runs.find((r) => r.label === 'scan json')!;
  }, 60_000);

  it('the scans really ran: findings, index errors and each kind of failure were produced', () => {
    const report = JSON.parse(json.out) as ScanResult;
    expect(report.findings.map((f) => f.name)).toEqual(expect.arrayContaining(['purelib', 'htmlonly', 'metafail', 'directpkg', 'vcspkg', 'sshpkg', 'indexdirect', 'lockdirect', 'lockgit']));
    const messages = report.errors.map((e) => e.message).join('\n');
    expect(messages).toMatch(/HTTP 500/);
    expect(messages).toMatch(/authentication refused \(HTTP 401\)/);
    // An index is named by scheme, host and port; a file under it by its name.
    expect(messages).toContain(`index ${refusing.url} failed`);
    expect(report.findings.find((f) => f.name === 'metafail')!.unchecked).toContain(`dependencies not checked: authentication refused (HTTP 403) by ${proxyUrl}/.../metafail-1.0-py3-none-any.whl.metadata`);
    const evidence = (name: string): string => report.findings.find((f) => f.name === name)!.evidence.join('\n');
    expect(evidence('directpkg')).toContain('installed from https://***@files.example/directpkg-1.0.tar.gz?token=***,');
    expect(evidence('brokenpkg')).toContain('installed from https://***@files.example/brokenpkg-1.0.tar.gz,');
    expect(evidence('indexdirect')).toContain('installed from https://***@files.example/indexdirect-1.0.tar.gz?signature=***,');
    const broken = JSON.parse(runs.find((r) => r.label === 'requirements json with an unparseable index line')!.out) as { projects: Array<{ indexOptions: { extraIndexUrls: string[] } }> };
    expect(broken.projects[0]!.indexOptions.extraIndexUrls).toEqual(['https://***@pkgs.example/simple/']);
    // The runs with an unparseable index URL fail as usage errors, naming what failed.
    expect(runs.find((r) => r.label === 'scan with an unparseable --extra-index-url')!.err).toMatch(/--extra-index-url: not a URL: https:\/\/\*\*\*@pkgs\.example/);
    expect(offline.out).toMatch(/not in the cache \(offline mode\)/);
    const refused = runs.find((r) => r.label === 'scan, the only index refusing')!;
    expect(refused.code).toBe(3);
    expect(refused.err).toContain(`no index could be reached (${refusing.url}: authentication refused (HTTP 401) by ${refusing.url})`);
    expect(runs.find((r) => r.label === 'scan --verbose, the only index refusing')!.out).toContain(`    url: ${refusing.url}/${S.authPath}/simple/?access_token=***`);
    expect(cacheFiles(cacheDir).length).toBeGreaterThan(0);
  });

  it('stdout, stderr and output files of every run hold none of them', () => {
    const found = runs.flatMap((r) => [
      ...leaks(r.out, SECRETS).map((s) => `${r.label} stdout: ${s}`),
      ...leaks(r.err, SECRETS).map((s) => `${r.label} stderr: ${s}`),
      ...leaks(r.file, SECRETS).map((s) => `${r.label} ${r.output}: ${s}`),
    ]);
    expect(found).toEqual([]);
  });

  it('messages and evidence name an index by scheme, host and port: no path token outside the fields that hold a URL', () => {
    const found = runs.flatMap((r) => {
      const json = r.args.includes('json');
      // The --verbose text is checked in the next test, line by line.
      const shown = (text: string): string => (text === '' ? '' : json ? withoutUrlFields(text) : r.args.includes('--verbose') ? '' : text);
      const out = shown(r.out);
      const file = shown(r.file);
      return [
        ...leaks(out, PATH_TOKENS).map((s) => `${r.label} stdout: ${s}`),
        ...leaks(r.err, PATH_TOKENS).map((s) => `${r.label} stderr: ${s}`),
        ...leaks(file, PATH_TOKENS).map((s) => `${r.label} ${r.output}: ${s}`),
      ];
    });
    expect(found).toEqual([]);
  });

  it('--verbose shows the whole URL of each failing index, redacted, on its own url: line and nowhere else', () => {
    const lines = verboseText.out.split('\n');
    const urlLines = lines.filter((line) => /^ {4}url: /.test(line));
    expect(urlLines).toContain(`    url: ${refusing.url}/${S.authPath}/simple/?access_token=***`);
    expect(urlLines).toContain(`    url: ${refusing.url}/${S.envExtraPath}/simple/?api_key=***`);
    expect(urlLines).toContain(`    url: ${failing.url}/simple/`);
    // Evidence, fixes and messages name the index by scheme, host and port, verbose or not.
    expect(leaks(lines.filter((line) => !/^ {4}url: /.test(line)).join('\n'), PATH_TOKENS)).toEqual([]);
    // Without --verbose there is no url: line.
    expect(runs.find((r) => r.label === 'scan text')!.out).not.toMatch(/^ {4}url: /m);
  });

  it('cache file names and contents hold none of them', () => {
    // The index's own answers are stored as they came; the secret this index puts in a Requires-Dist
    // URL is its own content, not one of ours (and the report never shows it, see above).
    const ours = SECRETS.filter((s) => s !== S.requiresDistPw && s !== S.requiresDistSig);
    const found = cacheFiles(cacheDir).flatMap(({ name, text }) => [
      ...leaks(name, [...SECRETS, ...PATH_TOKENS]).map((s) => `name ${name}: ${s}`),
      ...leaks(text, ours).map((s) => `content of ${name}: ${s}`),
    ]);
    expect(found).toEqual([]);
  });
});
