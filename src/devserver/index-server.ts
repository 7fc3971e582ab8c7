/**
 * A real PyPI-like index on 127.0.0.1 for tests, the demo and the benchmarks.
 *
 * Serves (a) fixture projects described compactly (`FixtureIndex`) as PEP 691 JSON and PEP 503
 * HTML (Accept negotiation), PEP 658 `.metadata` files, the PyPI JSON API and the files
 * themselves; (b) recorded real responses, byte for byte; (c) injected faults: latency,
 * error statuses (with `Retry-After`), connection resets, truncated, slow, stalled and oversized
 * bodies, gzip bombs, invalid UTF-8, a replaced body or Content-Type, redirects elsewhere; and
 * (d) per-response headers (Cache-Control, Age, Expires, validators) for HTTP cache tests.
 *
 * Shipped in dist/ (the demo runs compiled code); it imports nothing from test/.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join, relative, sep } from 'node:path';
import { canonicalizeName } from '../pep/names.js';
import { compareVersions, isPrerelease } from '../pep/versions.js';
import type { FixtureFileSpec, FixtureIndex, FixtureProject } from './fixtures.js';

export type { FixtureFileSpec, FixtureIndex, FixtureProject, FixtureRelease } from './fixtures.js';
export { loadFixtureDir, validateFixtureIndex, FixtureError } from './fixtures.js';

/**
 * - `latency`: wait `ms` before answering (combines with one other fault).
 * - `status`: answer `status` (default 503), with `retryAfter` if given.
 * - `reset`: reset the connection before answering.
 * - `truncate`: promise the whole body (Content-Length), send half, cut the connection.
 * - `slow-body`: the body in chunks of `chunkBytes` (default 16) every `ms` (default 50 ms).
 * - `stall`: headers and the first `chunkBytes` (default 16) bytes, then silence until the
 *   client gives up (or the server closes).
 * - `oversize`: the real body padded with spaces to `bytes` (default 80 MiB), streamed; with
 *   Content-Length unless `declareLength` is false (then chunked).
 * - `gzip-bomb`: `Content-Encoding: gzip` whose body decodes to the real body followed by
 *   spaces up to `bytes` (default 1 GiB) from about a thousandth of that on the wire.
 * - `invalid-utf8`: the real body with a 0xFF byte before every `.whl` and `.tar.gz`.
 * - `replace-body`: status 200 with `body` (default an HTML sign-in page) and `contentType`
 *   (default the reply's own Content-Type, i.e. whatever was negotiated).
 * - `redirect`: 302 to `to` (a base URL such as `http://127.0.0.1:PORT`) + the path and query.
 */
export type FaultKind =
  | 'latency'
  | 'status'
  | 'reset'
  | 'truncate'
  | 'slow-body'
  | 'stall'
  | 'oversize'
  | 'gzip-bomb'
  | 'invalid-utf8'
  | 'replace-body'
  | 'redirect';

export interface Fault {
  kind: FaultKind;
  /** Pathname to affect: exact string, or a RegExp; all paths when absent. */
  path?: string | RegExp;
  /** How many matching requests it affects (default: all). */
  times?: number;
  /** How many requests for each matching path it affects (default: all), e.g. 2: every URL fails twice. */
  timesPerPath?: number;
  /** latency: delay before answering; slow-body: delay between chunks (default 50 ms). */
  ms?: number;
  /** status: the status to answer with (default 503). */
  status?: number;
  /** status: a Retry-After header value. */
  retryAfter?: string;
  /** slow-body: bytes per chunk (default 16); stall: bytes sent before the silence (default 16). */
  chunkBytes?: number;
  /** oversize: body size; gzip-bomb: decoded size. */
  bytes?: number;
  /** oversize: send Content-Length (default true). */
  declareLength?: boolean;
  /** replace-body: the body sent instead. */
  body?: string | Buffer;
  /** replace-body: the Content-Type sent with it. */
  contentType?: string;
  /** redirect: base URL the path is appended to. */
  to?: string;
}

const SIGN_IN_PAGE = '<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body><form method="post"><input name="user"><input name="password" type="password"></form></body></html>\n';

/** `bytes` of spaces, gzip-compressed as concatenated members of 1 MiB (RFC 1952 allows several). */
function gzipSpaces(bytes: number): Buffer {
  const MiB = 1024 * 1024;
  const member = gzipSync(Buffer.alloc(MiB, 0x20), { level: 9 });
  const parts: Buffer[] = [];
  for (let left = bytes; left > 0; left -= MiB) parts.push(left >= MiB ? member : gzipSync(Buffer.alloc(left, 0x20)));
  return Buffer.concat(parts);
}

/** A 0xFF byte (never valid in UTF-8) before every distribution file extension. */
function breakUtf8(body: Buffer): Buffer {
  const text = body.toString('latin1');
  const broken = text.replace(/\.(whl|tar\.gz)/g, '\xff.$1');
  return Buffer.from(broken === text ? `\xff${text}` : broken, 'latin1');
}

/**
 * Extra headers for a reply, set after validators and `cacheControl` (so they win); a null value
 * removes a header (e.g. `etag: null` leaves only Last-Modified). Not applied to injected faults.
 */
export type ResponseHeaders =
  | Record<string, string | null>
  | ((reply: { path: string; status: number }) => Record<string, string | null> | undefined);

export interface RequestLog {
  method: string;
  /** Path and query as received. */
  path: string;
  accept: string | null;
  authorization: string | null;
  ifNoneMatch: string | null;
  ifModifiedSince: string | null;
  /** Status sent, or 0 when the connection was cut by a fault. */
  status: number;
  fault: FaultKind | null;
  /** In-flight requests at the server when this one arrived (itself included). */
  inFlightAtStart: number;
}

export interface IndexServerOptions {
  packages?: FixtureIndex;
  /** A directory of recorded responses (e.g. ../shared/corpus/index-responses) served unchanged. */
  recordedDir?: string;
  /** Bytes of a distribution file (default: a short text naming it). Pluggable for real wheels. */
  fileBody?: (filename: string) => Buffer | Promise<Buffer>;
  faults?: Fault[];
  /** Require HTTP Basic auth on every route. */
  basicAuth?: { username: string; password: string };
  /** Cache-Control for Simple pages and JSON API documents (default none). */
  cacheControl?: string;
  /** Send ETag / Last-Modified and answer conditional requests with 304 (default true). */
  validators?: boolean;
  /** Per-response headers (see `ResponseHeaders`); changeable later with `setResponseHeaders`. */
  responseHeaders?: ResponseHeaders;
  /**
   * Render each project page and JSON API document once and serve the same bytes after (the
   * fixtures must not change while the server runs): lets the benchmark's server keep up with
   * pages of 20,000 files.
   */
  memoisePages?: boolean;
  host?: string;
  port?: number;
}

export type RecordedKind = 'simple-json' | 'simple-html' | 'pypi-json' | 'json-other' | 'cassette' | 'not-a-response';

export interface RecordedResponse {
  /** Path relative to the recorded directory, with `/`. */
  file: string;
  kind: RecordedKind;
  /** Project-name-shaped id used in routes. */
  id: string;
  /** Route serving it (simple page, JSON API document or raw file). */
  route: string;
  contentType: string;
}

export interface IndexServer {
  /** Base URL, e.g. http://127.0.0.1:PORT */
  url: string;
  /** `${url}/simple/` */
  simpleUrl: string;
  /** `${url}/recorded/simple/`: index URL under which recorded Simple pages are projects. */
  recordedSimpleUrl: string;
  recorded: RecordedResponse[];
  requests: RequestLog[];
  setFault(fault: Fault | Fault[] | null): void;
  addFault(fault: Fault): void;
  setResponseHeaders(headers: ResponseHeaders | null): void;
  maxInFlight(): number;
  resetLog(): void;
  close(): Promise<void>;
}

const SIMPLE_JSON = 'application/vnd.pypi.simple.v1+json';
const SIMPLE_HTML = 'application/vnd.pypi.simple.v1+html';

interface Reply {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** Pick the offered media type the client prefers most (RFC 9110 q-values; exact beats wildcard). */
export function negotiate(accept: string | undefined, offered: string[]): string | null {
  if (accept === undefined || accept.trim() === '') return offered.includes('text/html') ? 'text/html' : (offered[0] ?? null);
  const ranges = accept.split(',').map((part) => {
    const [type = '', ...params] = part.split(';').map((p) => p.trim().toLowerCase());
    const q = params.map((p) => /^q=([0-9.]+)$/.exec(p)?.[1]).find((v) => v !== undefined);
    return { type, q: q === undefined ? 1 : Number(q) };
  });
  let best: { type: string; q: number } | null = null;
  for (const type of offered) {
    const [major] = type.split('/');
    const match =
      ranges.find((r) => r.type === type) ?? ranges.find((r) => r.type === `${major}/*`) ?? ranges.find((r) => r.type === '*/*');
    if (match && match.q > 0 && (best === null || match.q > best.q)) best = { type, q: match.q };
  }
  return best?.type ?? null;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

function defaultFileBody(filename: string): Buffer {
  return Buffer.from(`pypy-ready test distribution ${filename}\n`, 'utf8');
}

interface FileRow {
  project: string;
  displayName: string;
  version: string;
  spec: FixtureFileSpec;
  requiresPython: string | null;
  yanked: boolean | string;
  coreMetadata: boolean;
}

function fileRows(displayName: string, project: FixtureProject): FileRow[] {
  const rows: FileRow[] = [];
  for (const [version, release] of Object.entries(project.versions)) {
    for (const entry of release.files) {
      const spec = typeof entry === 'string' ? { filename: entry } : entry;
      rows.push({
        project: canonicalizeName(displayName),
        displayName,
        version,
        spec,
        requiresPython: spec.requiresPython !== undefined ? spec.requiresPython : (release.requiresPython ?? null),
        yanked: spec.yanked ?? release.yanked ?? false,
        coreMetadata: spec.coreMetadata ?? spec.filename.endsWith('.whl'),
      });
    }
  }
  return rows;
}

/** METADATA text (core metadata 2.1) generated from a release description. */
export function renderMetadata(displayName: string, version: string, project: FixtureProject): string {
  const release = project.versions[version];
  const lines = ['Metadata-Version: 2.1', `Name: ${displayName}`, `Version: ${version}`];
  if (release?.summary) lines.push(`Summary: ${release.summary}`);
  for (const [label, url] of Object.entries(release?.projectUrls ?? {})) lines.push(`Project-URL: ${label}, ${url}`);
  for (const classifier of release?.classifiers ?? []) lines.push(`Classifier: ${classifier}`);
  if (release?.requiresPython) lines.push(`Requires-Python: ${release.requiresPython}`);
  for (const requirement of release?.requiresDist ?? []) lines.push(`Requires-Dist: ${requirement}`);
  return `${lines.join('\n')}\n\n${displayName} ${version} (generated by the pypy-ready test index)\n`;
}

function classifyRecorded(file: string, data: Buffer): RecordedKind {
  const lower = file.toLowerCase();
  if (lower.endsWith('.html')) return 'simple-html';
  if (lower.endsWith('.yaml') || lower.endsWith('.yml')) return 'cassette';
  if (!lower.endsWith('.json')) return 'not-a-response';
  try {
    const doc = JSON.parse(data.toString('utf8')) as unknown;
    if (typeof doc === 'object' && doc !== null && !Array.isArray(doc)) {
      if (Array.isArray((doc as Record<string, unknown>)['files'])) return 'simple-json';
      if ('info' in doc) return 'pypi-json';
    }
  } catch {
    // falls through: served raw, the client decides what is wrong with it
  }
  return 'json-other';
}

function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (current: string): void => {
    for (const entry of readdirSync(current).sort()) {
      const path = join(current, entry);
      if (statSync(path).isDirectory()) walk(path);
      else out.push(path);
    }
  };
  walk(dir);
  return out;
}

/** Index the recorded directory: every file gets a route; Simple pages and JSON API documents get project-shaped ones. */
export function catalogueRecorded(dir: string): Array<RecordedResponse & { path: string }> {
  return listFiles(dir).map((path) => {
    const file = relative(dir, path).split(sep).join('/');
    const kind = classifyRecorded(file, readFileSync(path));
    const id = canonicalizeName(file.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-+|-+$/g, ''));
    const contentType =
      kind === 'simple-json' ? SIMPLE_JSON
      : kind === 'simple-html' ? 'text/html; charset=utf-8'
      : kind === 'pypi-json' || kind === 'json-other' ? 'application/json'
      : kind === 'cassette' ? 'application/yaml'
      : 'text/plain; charset=utf-8';
    const route =
      kind === 'simple-json' || kind === 'simple-html' ? `/recorded/simple/${id}/`
      : kind === 'pypi-json' ? `/recorded/pypi/${id}/json`
      : `/recorded/raw/${file}`;
    return { file, kind, id, route, contentType, path };
  });
}

export async function startIndexServer(options: IndexServerOptions = {}): Promise<IndexServer> {
  const packages = new Map<string, { displayName: string; project: FixtureProject }>();
  for (const [displayName, project] of Object.entries(options.packages ?? {})) {
    packages.set(canonicalizeName(displayName), { displayName, project });
  }
  const recorded = options.recordedDir ? catalogueRecorded(options.recordedDir) : [];
  const recordedByRoute = new Map(recorded.map((r) => [r.route, r]));
  const fileBody = options.fileBody ?? defaultFileBody;
  const bodies = new Map<string, Promise<Buffer>>();
  const bodyOf = (filename: string): Promise<Buffer> => {
    let body = bodies.get(filename);
    if (body === undefined) {
      body = Promise.resolve(fileBody(filename));
      bodies.set(filename, body);
    }
    return body;
  };
  const startedAt = new Date(Math.floor(Date.now() / 1000) * 1000);
  const validators = options.validators !== false;
  let responseHeaders: ResponseHeaders | null = options.responseHeaders ?? null;

  type ActiveFault = Fault & { left: number; perPath: Map<string, number> };
  const activate = (f: Fault): ActiveFault => ({ ...f, left: f.times ?? Infinity, perPath: new Map() });
  let faults: ActiveFault[] = [];
  const setFault = (fault: Fault | Fault[] | null): void => {
    faults = (fault === null ? [] : Array.isArray(fault) ? fault : [fault]).map(activate);
  };
  setFault(options.faults ?? null);
  const takeFault = (path: string): Fault | null => {
    for (const fault of faults) {
      if (fault.left <= 0) continue;
      const matches =
        fault.path === undefined || (typeof fault.path === 'string' ? fault.path === path : fault.path.test(path));
      if (!matches) continue;
      const used = fault.perPath.get(path) ?? 0;
      if (fault.timesPerPath !== undefined && used >= fault.timesPerPath) continue;
      fault.perPath.set(path, used + 1);
      fault.left--;
      return fault;
    }
    return null;
  };
  const bombs = new Map<number, Buffer>();
  const bombOf = (bytes: number): Buffer => {
    let bomb = bombs.get(bytes);
    if (bomb === undefined) {
      bomb = gzipSpaces(bytes);
      bombs.set(bytes, bomb);
    }
    return bomb;
  };

  const requests: RequestLog[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const sockets = new Set<Socket>();

  const jsonReply = (doc: unknown, contentType: string): Reply => ({
    status: 200,
    headers: { 'content-type': contentType },
    body: Buffer.from(JSON.stringify(doc, null, 1), 'utf8'),
  });
  const textReply = (status: number, text: string): Reply => ({
    status,
    headers: { 'content-type': 'text/plain; charset=utf-8' },
    body: Buffer.from(text, 'utf8'),
  });

  async function fileEntries(displayName: string, project: FixtureProject, base: string) {
    const rows = fileRows(displayName, project);
    return Promise.all(
      rows.map(async (row) => {
        const body = await bodyOf(row.spec.filename);
        const metadata = row.coreMetadata ? Buffer.from(renderMetadata(displayName, row.version, project), 'utf8') : null;
        return { row, body, metadataHash: metadata ? sha256(metadata) : null, url: `${base}/files/${row.project}/${encodeURIComponent(row.spec.filename)}` };
      }),
    );
  }

  async function projectPage(name: string, accept: string | undefined, base: string): Promise<Reply> {
    const entry = packages.get(name)!;
    const formats = entry.project.formats ?? ['json', 'html'];
    const offered = [
      ...(formats.includes('json') ? [SIMPLE_JSON] : []),
      ...(formats.includes('html') ? [SIMPLE_HTML, 'text/html'] : []),
    ];
    const chosen = negotiate(accept, offered);
    if (chosen === null) return textReply(406, `none of ${offered.join(', ')} is acceptable\n`);
    const entries = await fileEntries(entry.displayName, entry.project, base);
    if (chosen === SIMPLE_JSON) {
      return jsonReply(
        {
          meta: { 'api-version': '1.1' },
          name,
          versions: Object.keys(entry.project.versions).sort(compareVersions),
          files: entries.map(({ row, body, metadataHash, url }) => ({
            filename: row.spec.filename,
            url,
            hashes: { sha256: sha256(body) },
            'requires-python': row.requiresPython,
            yanked: row.yanked,
            'core-metadata': metadataHash ? { sha256: metadataHash } : false,
            'data-dist-info-metadata': metadataHash ? { sha256: metadataHash } : false,
            size: body.length,
            'upload-time': row.spec.uploadTime ?? startedAt.toISOString(),
          })),
        },
        SIMPLE_JSON,
      );
    }
    // HTML uses relative links so the client's URL resolution is exercised too.
    const anchors = entries.map(({ row, body, metadataHash }) => {
      const attrs = [`href="../../files/${row.project}/${encodeURIComponent(row.spec.filename)}#sha256=${sha256(body)}"`];
      if (row.requiresPython) attrs.push(`data-requires-python="${escapeHtml(row.requiresPython)}"`);
      if (row.yanked !== false) attrs.push(`data-yanked="${row.yanked === true ? '' : escapeHtml(row.yanked)}"`);
      if (metadataHash) attrs.push(`data-dist-info-metadata="sha256=${metadataHash}"`, `data-core-metadata="sha256=${metadataHash}"`);
      return `    <a ${attrs.join(' ')}>${escapeHtml(row.spec.filename)}</a><br/>`;
    });
    const html = [
      '<!DOCTYPE html>',
      '<html>',
      '  <head>',
      '    <meta name="pypi:repository-version" content="1.1">',
      `    <title>Links for ${escapeHtml(name)}</title>`,
      '  </head>',
      '  <body>',
      `    <h1>Links for ${escapeHtml(name)}</h1>`,
      ...anchors,
      '  </body>',
      '</html>',
      '',
    ].join('\n');
    return { status: 200, headers: { 'content-type': `${chosen}; charset=utf-8` }, body: Buffer.from(html, 'utf8') };
  }

  function rootPage(accept: string | undefined): Reply {
    const names = [...packages.keys()].sort();
    const chosen = negotiate(accept, [SIMPLE_JSON, SIMPLE_HTML, 'text/html']);
    if (chosen === SIMPLE_JSON) {
      return jsonReply({ meta: { 'api-version': '1.1' }, projects: names.map((name) => ({ name })) }, SIMPLE_JSON);
    }
    const links = names.map((name) => `    <a href="${name}/">${name}</a><br/>`).join('\n');
    return {
      status: 200,
      headers: { 'content-type': 'text/html; charset=utf-8' },
      body: Buffer.from(`<!DOCTYPE html>\n<html><body>\n${links}\n</body></html>\n`, 'utf8'),
    };
  }

  async function jsonApi(name: string, version: string | undefined, base: string): Promise<Reply> {
    const entry = packages.get(name);
    if (!entry || entry.project.jsonApi === false) return textReply(404, 'Not Found\n');
    const all = Object.keys(entry.project.versions).sort(compareVersions);
    // Like PyPI: the latest non-yanked final release (falling back to anything there is).
    const stable = all.filter((v) => !isPrerelease(v) && !entry.project.versions[v]?.yanked);
    const chosen = version ?? stable[stable.length - 1] ?? all[all.length - 1];
    const release = chosen === undefined ? undefined : entry.project.versions[chosen];
    if (chosen === undefined || release === undefined) return textReply(404, 'Not Found\n');
    const entries = await fileEntries(entry.displayName, entry.project, base);
    const toUrl = (e: (typeof entries)[number]) => ({
      filename: e.row.spec.filename,
      url: e.url,
      digests: { sha256: sha256(e.body) },
      requires_python: e.row.requiresPython,
      size: e.body.length,
      yanked: e.row.yanked !== false,
      yanked_reason: typeof e.row.yanked === 'string' ? e.row.yanked : null,
      packagetype: e.row.spec.filename.endsWith('.whl') ? 'bdist_wheel' : 'sdist',
    });
    const releases: Record<string, unknown[]> = {};
    for (const v of all) releases[v] = entries.filter((e) => e.row.version === v).map(toUrl);
    const doc = {
      info: {
        name: entry.displayName,
        version: chosen,
        summary: release.summary ?? null,
        classifiers: release.classifiers ?? [],
        requires_dist: release.requiresDist && release.requiresDist.length > 0 ? release.requiresDist : null,
        requires_python: release.requiresPython ?? null,
        project_urls: release.projectUrls ?? null,
        yanked: release.yanked !== undefined && release.yanked !== false,
        yanked_reason: typeof release.yanked === 'string' ? release.yanked : null,
      },
      last_serial: 1,
      ...(version === undefined ? { releases } : {}),
      urls: entries.filter((e) => e.row.version === chosen).map(toUrl),
    };
    return jsonReply(doc, 'application/json');
  }

  const pageMemo = new Map<string, Promise<Reply>>();
  const etagMemo = new WeakMap<Buffer, string>();
  const etagOf = (body: Buffer): string => {
    let etag = etagMemo.get(body);
    if (etag === undefined) {
      etag = `"${sha256(body).slice(0, 32)}"`;
      etagMemo.set(body, etag);
    }
    return etag;
  };
  /** The reply `render` makes, once per key when pages are memoised. Replies are copied: callers change headers. */
  async function memoised(key: string, render: () => Promise<Reply>): Promise<Reply> {
    if (!options.memoisePages) return render();
    let reply = pageMemo.get(key);
    if (reply === undefined) {
      reply = render();
      pageMemo.set(key, reply);
    }
    const { status, headers, body } = await reply;
    return { status, headers: { ...headers }, body };
  }

  async function fileReply(entry: { displayName: string; project: FixtureProject }, filename: string): Promise<Reply> {
    const rows = fileRows(entry.displayName, entry.project);
    const row = rows.find((r) => r.spec.filename === filename);
    if (row) {
      return { status: 200, headers: { 'content-type': 'application/octet-stream' }, body: await bodyOf(filename) };
    }
    const meta = rows.find((r) => `${r.spec.filename}.metadata` === filename && r.coreMetadata);
    if (meta) {
      return {
        status: 200,
        headers: { 'content-type': 'application/octet-stream' },
        body: Buffer.from(renderMetadata(entry.displayName, meta.version, entry.project), 'utf8'),
      };
    }
    return textReply(404, 'Not Found\n');
  }

  async function route(req: IncomingMessage, base: string): Promise<Reply> {
    const url = new URL(req.url ?? '/', base);
    const path = url.pathname;
    const accept = req.headers['accept'];
    if (req.method !== 'GET' && req.method !== 'HEAD') return textReply(405, 'Method Not Allowed\n');

    if (path.startsWith('/recorded/')) {
      const hit = recordedByRoute.get(path);
      if (!hit) {
        // Like PyPI: a project URL without its trailing slash redirects.
        if (recordedByRoute.has(`${path}/`)) return { status: 301, headers: { location: `${path}/` }, body: Buffer.alloc(0) };
        return textReply(404, 'Not Found\n');
      }
      return { status: 200, headers: { 'content-type': hit.contentType }, body: readFileSync(hit.path) };
    }
    if (path === '/simple/' || path === '/simple') return rootPage(accept);
    let match = /^\/simple\/([^/]+)(\/?)$/.exec(path);
    if (match) {
      const raw = decodeURIComponent(match[1]!);
      const name = canonicalizeName(raw);
      if (raw !== name || match[2] !== '/') {
        return { status: 301, headers: { location: `/simple/${name}/` }, body: Buffer.alloc(0) };
      }
      if (!packages.has(name)) return textReply(404, 'Not Found\n');
      return memoised(`page ${name} ${base} ${accept ?? ''}`, () => projectPage(name, accept, base));
    }
    match = /^\/files\/([^/]+)\/([^/]+)$/.exec(path);
    if (match) {
      const entry = packages.get(match[1]!);
      const filename = decodeURIComponent(match[2]!);
      if (!entry) return textReply(404, 'Not Found\n');
      return memoised(`file ${match[1]!} ${filename}`, async () => fileReply(entry, filename));
    }
    match = /^\/pypi\/([^/]+)\/(?:([^/]+)\/)?json\/?$/.exec(path);
    if (match) {
      const name = canonicalizeName(decodeURIComponent(match[1]!));
      const version = match[2] === undefined ? undefined : decodeURIComponent(match[2]);
      return memoised(`json ${name} ${version ?? ''} ${base}`, () => jsonApi(name, version, base));
    }
    return textReply(404, 'Not Found\n');
  }

  function authorised(req: IncomingMessage): boolean {
    if (!options.basicAuth) return true;
    const expected = `Basic ${Buffer.from(`${options.basicAuth.username}:${options.basicAuth.password}`).toString('base64')}`;
    return req.headers['authorization'] === expected;
  }

  const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

  async function handle(req: IncomingMessage, res: ServerResponse, log: RequestLog, base: string): Promise<void> {
    const path = new URL(req.url ?? '/', base).pathname;
    let fault = takeFault(path);
    if (fault?.kind === 'latency') {
      log.fault = 'latency';
      await sleep(fault.ms ?? 100);
      fault = takeFault(path); // latency can combine with one other fault
      if (fault?.kind === 'latency') fault = null;
    }
    if (fault) log.fault = fault.kind;
    if (fault?.kind === 'reset') {
      req.socket.resetAndDestroy();
      return;
    }
    if (fault?.kind === 'status') {
      const status = fault.status ?? 503;
      const headers: Record<string, string> = { 'content-type': 'text/plain' };
      if (fault.retryAfter !== undefined) headers['retry-after'] = fault.retryAfter;
      log.status = status;
      res.writeHead(status, headers).end(`injected ${status}\n`);
      return;
    }
    if (fault?.kind === 'redirect') {
      const target = new URL(req.url ?? '/', base);
      log.status = 302;
      res.writeHead(302, { location: `${(fault.to ?? base).replace(/\/+$/, '')}${target.pathname}${target.search}`, 'content-length': '0' }).end();
      return;
    }

    let reply: Reply;
    if (!authorised(req)) {
      reply = { status: 401, headers: { 'www-authenticate': 'Basic realm="test index"', 'content-type': 'text/plain' }, body: Buffer.from('Unauthorized\n') };
    } else {
      try {
        reply = await route(req, base);
      } catch (error) {
        reply = textReply(500, `server error: ${(error as Error).message}\n`);
      }
    }
    if (reply.status === 200 && validators) {
      const etag = etagOf(reply.body);
      reply.headers['etag'] = etag;
      reply.headers['last-modified'] = startedAt.toUTCString();
      const ifNoneMatch = req.headers['if-none-match'];
      const ifModifiedSince = req.headers['if-modified-since'];
      const notModified =
        ifNoneMatch !== undefined
          ? ifNoneMatch.split(',').some((tag) => tag.trim() === etag)
          : ifModifiedSince !== undefined && Date.parse(ifModifiedSince) >= startedAt.getTime();
      if (notModified) reply = { status: 304, headers: { etag, 'last-modified': reply.headers['last-modified'] }, body: Buffer.alloc(0) };
    }
    if (options.cacheControl && (reply.status === 200 || reply.status === 304)) reply.headers['cache-control'] = options.cacheControl;
    const extra = typeof responseHeaders === 'function' ? responseHeaders({ path, status: reply.status }) : responseHeaders;
    for (const [name, value] of Object.entries(extra ?? {})) {
      if (value === null) delete reply.headers[name.toLowerCase()];
      else reply.headers[name.toLowerCase()] = value;
    }
    if (fault?.kind === 'replace-body') {
      const replaced = fault.body ?? SIGN_IN_PAGE;
      reply = {
        status: 200,
        headers: { 'content-type': fault.contentType ?? reply.headers['content-type'] ?? 'text/html' },
        body: Buffer.isBuffer(replaced) ? replaced : Buffer.from(replaced, 'utf8'),
      };
    } else if (reply.status === 304) {
      // no body to damage
    } else if (fault?.kind === 'invalid-utf8') {
      reply = { ...reply, body: breakUtf8(reply.body) };
    } else if (fault?.kind === 'gzip-bomb') {
      const decoded = fault.bytes ?? 1024 * 1024 * 1024;
      const bomb = Buffer.concat([gzipSync(reply.body), bombOf(Math.max(0, decoded - reply.body.length))]);
      reply = { ...reply, headers: { ...reply.headers, 'content-encoding': 'gzip' }, body: bomb };
    }
    reply.headers['content-length'] = String(reply.body.length);
    log.status = reply.status;
    const body = req.method === 'HEAD' ? Buffer.alloc(0) : reply.body;

    if (fault?.kind === 'stall') {
      res.writeHead(reply.status, reply.headers);
      res.write(body.subarray(0, Math.min(fault.chunkBytes ?? 16, Math.max(0, body.length - 1))));
      // Nothing more: the response stays open until the client (or close()) ends the connection.
      return;
    }
    if (fault?.kind === 'oversize') {
      const total = Math.max(fault.bytes ?? 80 * 1024 * 1024, body.length);
      const headers = { ...reply.headers };
      if (fault.declareLength === false) delete headers['content-length'];
      else headers['content-length'] = String(total);
      res.writeHead(reply.status, headers);
      res.write(body);
      const padding = Buffer.alloc(64 * 1024, 0x20);
      let sent = body.length;
      // Stream the padding with backpressure, so a client that stops reading stops the server too.
      const pump = (): void => {
        while (sent < total && !res.destroyed) {
          const chunk = padding.subarray(0, Math.min(padding.length, total - sent));
          sent += chunk.length;
          if (!res.write(chunk)) {
            res.once('drain', pump);
            return;
          }
        }
        if (!res.destroyed) res.end();
      };
      pump();
      return;
    }

    if (fault?.kind === 'truncate' && body.length > 1) {
      // Promise the whole body, send half, then cut the connection.
      res.writeHead(reply.status, reply.headers);
      res.write(body.subarray(0, Math.floor(body.length / 2)), () => {
        setTimeout(() => req.socket.destroy(), 10);
      });
      return;
    }
    if (fault?.kind === 'slow-body') {
      res.writeHead(reply.status, reply.headers);
      const step = fault.chunkBytes ?? 16;
      for (let offset = 0; offset < body.length; offset += step) {
        if (res.destroyed || req.socket.destroyed) return;
        res.write(body.subarray(offset, offset + step));
        await sleep(fault.ms ?? 50);
      }
      res.end();
      return;
    }
    res.writeHead(reply.status, reply.headers).end(body);
  }

  const server = createServer((req, res) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    const log: RequestLog = {
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      accept: req.headers['accept'] ?? null,
      authorization: req.headers['authorization'] ?? null,
      ifNoneMatch: req.headers['if-none-match'] ?? null,
      ifModifiedSince: req.headers['if-modified-since'] ?? null,
      status: 0,
      fault: null,
      inFlightAtStart: inFlight,
    };
    requests.push(log);
    let done = false;
    const finish = () => {
      if (!done) {
        done = true;
        inFlight--;
      }
    };
    res.on('close', finish);
    const address = server.address() as AddressInfo;
    handle(req, res, log, `http://${host}:${address.port}`).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host}:${port}`;

  return {
    url,
    simpleUrl: `${url}/simple/`,
    recordedSimpleUrl: `${url}/recorded/simple/`,
    recorded: recorded.map(({ path: _path, ...rest }) => rest),
    requests,
    setFault,
    addFault: (fault) => faults.push(activate(fault)),
    setResponseHeaders: (headers) => {
      responseHeaders = headers;
    },
    maxInFlight: () => maxInFlight,
    resetLog: () => {
      requests.length = 0;
      maxInFlight = inFlight;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
