import { afterEach, describe, expect, it } from 'vitest';
import { negotiate, renderMetadata, startIndexServer, validateFixtureIndex, type IndexServer } from '../../src/devserver/index-server.js';
import { fixtureDir, loadFixtureDir } from '../support/index-server.js';

const demo = loadFixtureDir(fixtureDir);
const servers: IndexServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
async function start(options: Parameters<typeof startIndexServer>[0] = {}): Promise<IndexServer> {
  const s = await startIndexServer({ packages: demo, ...options });
  servers.push(s);
  return s;
}

describe('negotiate (PEP 691 content negotiation)', () => {
  const offered = ['application/vnd.pypi.simple.v1+json', 'application/vnd.pypi.simple.v1+html', 'text/html'];
  it('follows q-values, exact over wildcard, HTML without Accept', () => {
    expect(negotiate('application/vnd.pypi.simple.v1+json, text/html;q=0.01', offered)).toBe(offered[0]);
    expect(negotiate('application/vnd.pypi.simple.v1+json;q=0.1, text/html', offered)).toBe('text/html');
    expect(negotiate(undefined, offered)).toBe('text/html');
    expect(negotiate('*/*', offered)).toBe(offered[0]);
    expect(negotiate('application/json', offered)).toBeNull();
    expect(negotiate('text/*;q=0.5, application/vnd.pypi.simple.v1+json;q=0', offered)).toBe('text/html');
  });
});

describe('startIndexServer', () => {
  it('serves JSON or HTML by Accept, 406 when neither, 301 to the normalised name', async () => {
    const s = await start();
    const json = await fetch(`${s.simpleUrl}lxml/`, { headers: { accept: 'application/vnd.pypi.simple.v1+json' } });
    expect(json.headers.get('content-type')).toBe('application/vnd.pypi.simple.v1+json');
    expect(((await json.json()) as { files: unknown[] }).files).toHaveLength(7);
    const html = await fetch(`${s.simpleUrl}lxml/`, { headers: { accept: 'text/html' } });
    expect(html.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(((await html.text()).match(/<a /g) ?? []).length).toBe(7);
    expect((await fetch(`${s.simpleUrl}lxml/`, { headers: { accept: 'application/xml' } })).status).toBe(406);
    const moved = await fetch(`${s.simpleUrl}Django`, { redirect: 'manual' });
    expect([moved.status, moved.headers.get('location')]).toEqual([301, '/simple/django/']);
  });

  it('generates METADATA from the description and answers conditional requests', async () => {
    const s = await start();
    const metadataUrl = `${s.url}/files/django/django-6.0-py3-none-any.whl.metadata`;
    const first = await fetch(metadataUrl);
    expect(await first.text()).toBe(renderMetadata('Django', '6.0', demo['Django']!));
    const again = await fetch(metadataUrl, { headers: { 'if-none-match': first.headers.get('etag')! } });
    expect(again.status).toBe(304);
    expect((await fetch(`${s.url}/files/django/django-6.0.tar.gz.metadata`)).status).toBe(404); // sdists have none by default
  });

  it('uses a pluggable file body source', async () => {
    const s = await start({ fileBody: (name) => Buffer.from(`PK-fake-${name.length}`) });
    const body = await (await fetch(`${s.url}/files/orjson/orjson-3.10.15.tar.gz`)).text();
    expect(body).toBe('PK-fake-21'); // "orjson-3.10.15.tar.gz" has 21 characters
  });

  it('injects faults per path and counts them down', async () => {
    const s = await start({ faults: [{ kind: 'status', status: 503, retryAfter: '7', times: 2, path: '/simple/lxml/' }] });
    const a = await fetch(`${s.simpleUrl}lxml/`);
    expect([a.status, a.headers.get('retry-after')]).toEqual([503, '7']);
    expect((await fetch(`${s.simpleUrl}orjson/`)).status).toBe(200);
    expect((await fetch(`${s.simpleUrl}lxml/`)).status).toBe(503);
    expect((await fetch(`${s.simpleUrl}lxml/`)).status).toBe(200);
    s.setFault({ kind: 'reset', path: /^\/simple\// });
    await expect(fetch(`${s.simpleUrl}lxml/`)).rejects.toThrow();
    expect(s.requests.map((r) => r.fault)).toEqual(['status', null, 'status', null, 'reset']);
  });

  it('requires Basic auth when configured', async () => {
    const s = await start({ basicAuth: { username: 'u', password: 'p' } });
    expect((await fetch(`${s.simpleUrl}lxml/`)).status).toBe(401);
    const ok = await fetch(`${s.simpleUrl}lxml/`, { headers: { authorization: `Basic ${Buffer.from('u:p').toString('base64')}` } });
    expect(ok.status).toBe(200);
  });

  it('rejects malformed fixture descriptions with the place', () => {
    expect(() => validateFixtureIndex({ foo: { versions: { '1.0': { files: [{}] } } } }, 'x.json')).toThrow('x.json: foo 1.0 has a file entry without a filename');
    expect(() => validateFixtureIndex({ foo: {} }, 'x.json')).toThrow(/needs a "versions" object/);
  });
});

describe('JSON API "latest"', () => {
  it('is the newest non-yanked final release', async () => {
    const s = await start({
      packages: {
        p: {
          versions: {
            '1.0': { yanked: false, files: ['p-1.0.tar.gz'] },
            '1.1': { yanked: 'oops', files: ['p-1.1.tar.gz'] },
            '2.0b1': { files: ['p-2.0b1.tar.gz'] },
          },
        },
      },
    });
    const doc = (await (await fetch(`${s.url}/pypi/p/json`)).json()) as { info: { version: string }; releases: Record<string, unknown[]> };
    expect(doc.info.version).toBe('1.0');
    expect(Object.keys(doc.releases)).toEqual(['1.0', '1.1', '2.0b1']);
  });
});
