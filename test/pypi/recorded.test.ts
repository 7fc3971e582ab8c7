/**
 * Every recorded index response in ../shared/corpus/index-responses, served byte for byte by the
 * test index and read by the real client over HTTP: each parses, or is rejected with a reason.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IndexClient } from '../../src/pypi/client.js';
import { IndexError } from '../../src/pypi/types.js';
import { catalogueRecorded, hasRecorded, recordedDir, startIndexServer, type IndexServer } from '../support/index-server.js';

const catalogue = hasRecorded ? catalogueRecorded(recordedDir) : [];
const simplePages = catalogue.filter((r) => r.kind === 'simple-json' || r.kind === 'simple-html');
const apiDocs = catalogue.filter((r) => r.kind === 'pypi-json');

// Files in the recorded folder that are not single responses, by hand: recorder scripts, notes,
// and two cassettes (many requests in one YAML file; their PyPI bodies were extracted to
// google__osv-scanner/extracted-simple-v1-json and pypi_output.markus.simple-v1.json).
const NOT_RESPONSES: Record<string, string> = {
  'google__osv-scanner/cmd/osv-scanner/scan/source/testdata/cassettes/TestCommand_Transitive.yaml': 'cassette',
  'willkg__pip-stale/tests/pypi_output.yaml': 'cassette',
  'harupy__pypi/tests/fixtures/README.md': 'not-a-response',
  'harupy__pypi/tests/fixtures/fetch_examples.py': 'not-a-response',
  'python-poetry__poetry/tests/repositories/fixtures/legacy/json/_readme': 'not-a-response',
  'python-poetry__poetry/tests/repositories/fixtures/pypi.org/generate.py': 'not-a-response',
  'willkg__pip-stale/tests/create_data.py': 'not-a-response',
  'willkg__pip-stale/tests/requirements.txt': 'not-a-response',
};

// Responses the client refuses, and why (checked by reading each file).
const REJECTED: Record<string, RegExp> = {
  // A devpi web UI page (navigation, search, version pages), not its Simple API page.
  'dependabot__dependabot-core/python/spec/fixtures/pypi/pypi_simple_response_devpi.html': /none of the 104 link\(s\) points to a distribution file/,
  // Index root pages (project lists), served where a project page is expected.
  'jwodder__pypi-simple/test/data/simple01.html': /lists 20 project\(s\), not files: it is an index root/,
  'jwodder__pypi-simple/test/data/simple_base.html': /lists 5 project\(s\), not files/,
  'jwodder__pypi-simple/test/data/simple_repo_version.html': /lists 5 project\(s\), not files/,
  'jwodder__pypi-simple/test/data/simple_devpi.html': /lists 18 project\(s\), not files/,
  'jwodder__pypi-simple/test/data/session01/simple.html': /project\(s\), not files/,
};

// JSON API documents trimmed by their authors below what a client can use.
const REJECTED_API: Record<string, RegExp> = {
  'dependabot__dependabot-core/python/spec/fixtures/pypi/pypi_response_project_urls_prefer_matching_repo.json': /"info.name" is missing/,
  'renovatebot__renovate/lib/modules/datasource/pypi/__fixtures__/numpy.json': /"info.version" is missing/,
};

describe.skipIf(!hasRecorded)('recorded index responses', () => {
  let server: IndexServer;
  let client: IndexClient;
  beforeAll(async () => {
    server = await startIndexServer({ recordedDir });
    client = new IndexClient({ indexUrl: server.recordedSimpleUrl, cacheDir: null, env: {}, netrc: false, retries: 0 });
  });
  afterAll(async () => {
    await client.close();
    await server.close();
  });

  it('classifies every file; the non-responses are exactly the known ones', () => {
    const others = Object.fromEntries(catalogue.filter((r) => !['simple-json', 'simple-html', 'pypi-json'].includes(r.kind)).map((r) => [r.file, r.kind]));
    expect(others).toEqual(NOT_RESPONSES);
    expect(simplePages.length + apiDocs.length + Object.keys(NOT_RESPONSES).length).toBe(catalogue.length);
    expect(new Set(catalogue.map((r) => r.id)).size).toBe(catalogue.length); // routes do not collide
  });

  it('serves every recorded file unchanged', async () => {
    for (const record of catalogue) {
      const response = await fetch(`${server.url}${record.route}`);
      expect(response.status, record.file).toBe(200);
      expect(Buffer.from(await response.arrayBuffer()).equals(readFileSync(join(recordedDir, record.file))), record.file).toBe(true);
    }
  });

  it.each(simplePages.map((r) => [r.file, r] as const))('Simple page %s', async (file, record) => {
    const raw = readFileSync(join(recordedDir, file), 'utf8');
    const result = await client.getProject(record.id).catch((error: unknown) => error);
    if (REJECTED[file]) {
      expect(result).toBeInstanceOf(IndexError);
      expect((result as IndexError).kind).toBe('invalid-response');
      expect((result as IndexError).message).toMatch(REJECTED[file]!);
      return;
    }
    if (result instanceof Error) throw result;
    const page = result as Awaited<ReturnType<IndexClient['getProject']>>;
    if (record.kind === 'simple-json') {
      // Ground truth from the document itself: every entry with a filename and a URL is a file.
      const doc = JSON.parse(raw) as { files: Array<Record<string, unknown>>; versions?: string[] };
      const usable = doc.files.filter((f) => typeof f['filename'] === 'string' && typeof f['url'] === 'string');
      expect(page.files.map((f) => f.filename)).toEqual(usable.map((f) => f['filename']));
      if (doc.versions) expect(page.versions).toEqual(doc.versions);
      for (const [i, entry] of usable.entries()) {
        const yanked = entry['yanked'];
        expect(page.files[i]!.yanked).toEqual(yanked === '' ? true : (yanked ?? false));
      }
    } else {
      const anchors = (raw.match(/<a\s/gi) ?? []).length;
      expect(page.files.length).toBeGreaterThan(0);
      expect(page.files.length).toBeLessThanOrEqual(anchors);
    }
    for (const f of page.files) {
      expect(() => new URL(f.url)).not.toThrow();
      expect(f.filename).not.toMatch(/[/\\]/);
    }
  });

  it.each(apiDocs.map((r) => [r.file, r] as const))('JSON API document %s', async (file, record) => {
    const doc = JSON.parse(readFileSync(join(recordedDir, file), 'utf8')) as { info: Record<string, unknown> };
    if (REJECTED_API[file]) {
      const error = await client.getProjectInfo(record.id).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(IndexError);
      expect((error as IndexError).message).toMatch(REJECTED_API[file]!);
      return;
    }
    const info = await client.getProjectInfo(record.id);
    expect(info).not.toBeNull();
    expect(info!.name).toBe(doc.info['name']);
    expect(info!.version).toBe(doc.info['version']);
    expect(info!.requiresDist).toEqual(doc.info['requires_dist'] ?? []);
    expect(info!.classifiers).toEqual(doc.info['classifiers'] ?? []);
  });

  it('the recorded pages total what a hand count of three files says', async () => {
    const byFile = (f: string) => simplePages.find((r) => r.file === f)!;
    expect((await client.getProject(byFile('jwodder__pypi-simple/test/data/yanked.json').id)).files.map((f) => f.yanked)).toEqual([true, 'not good']);
    expect((await client.getProject(byFile('python-poetry__poetry/tests/repositories/fixtures/legacy/relative.html').id)).files.map((f) => f.url)).toEqual([
      `${server.url}${byFile('python-poetry__poetry/tests/repositories/fixtures/legacy/relative.html').route}poetry-0.1.0-py3-none-any.whl`,
      `${server.url}${byFile('python-poetry__poetry/tests/repositories/fixtures/legacy/relative.html').route}poetry-0.1.0.tar.gz`,
      `${server.url}${byFile('python-poetry__poetry/tests/repositories/fixtures/legacy/relative.html').route}poetry-0.1.1.tar.bz2`,
    ]);
    const argset = await client.getProject(byFile('jwodder__pypi-simple/test/data/argset-700.json').id);
    expect(argset.files[0]!.size).toBe(5219);
    expect(argset.files[0]!.uploadTime).toBe('2021-06-05T00:15:37.534150Z');
  });
});
