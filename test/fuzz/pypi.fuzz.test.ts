/**
 * Fuzz properties of src/pypi/ (issue 10): PEP 503 HTML pages, PEP 691 JSON pages, JSON API
 * documents, core METADATA text and cache entries. Each parser throws only its typed error with a
 * one-line, bounded message; a valid page with one hostile entry keeps every other entry; what a
 * PEP 503 page links to is checked against pip's own HTMLLinkParser (html.parser).
 *
 * The unit suite runs a small fixed-seed sample of each; `npm run fuzz` runs 100,000 cases.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import CachePolicy from 'http-cache-semantics';
import { describe, expect, it } from 'vitest';
import { decodeEntry, HttpFreshness } from '../../src/pypi/cache.js';
import { MetadataParseError, parseCoreMetadata, readHeaders } from '../../src/pypi/metadata.js';
import { parsePypiJson, PypiJsonParseError } from '../../src/pypi/pypi-json.js';
import { looksLikeDistribution, parseSimpleHtml, unescapeHtml } from '../../src/pypi/simple-html.js';
import { parseSimpleJson, SimpleParseError, type ParsedSimplePage } from '../../src/pypi/simple-json.js';
import { hostileRun, mutated } from './pep-arbitraries.js';
import { batch, expectNoMismatches, expectOneLine, fuzzAssert, hasPipHtmlParser, inChunks, onlyTyped, python, show } from './pep-support.js';
import {
  anyJson,
  deepJsonText,
  distFilename,
  FILE_KEYS,
  goodFile,
  goodInfo,
  goodLink,
  INFO_KEYS,
  metadataFields,
  PAGE_KEYS,
  PAGE_URL,
  pageWithHostileLink,
  renderedGoodLink,
  renderedMetadata,
  withWrongTypes,
} from './pypi-arbitraries.js';
import { fuzzParameters } from './runs.js';

function expectPageMessagesOneLine(page: ParsedSimplePage): void {
  for (const reason of page.skipped) expectOneLine(reason);
}

// ---------------------------------------------------------------------------------------------
// PEP 503 HTML
// ---------------------------------------------------------------------------------------------

describe('PEP 503 HTML pages', () => {
  it('a valid page with one hostile link keeps every other link, with its attributes', async () => {
    await fuzzAssert(
      fc.property(pageWithHostileLink, ({ links, html }) => {
        const page = onlyTyped(SimpleParseError, () => parseSimpleHtml(html, PAGE_URL));
        expect(page, 'a page with good links must parse').toBeDefined();
        expectPageMessagesOneLine(page!);
        // The good links, in order, each with its attributes (the hostile one may add a file or be skipped).
        const good = page!.files.filter((f) => !f.filename.startsWith('hostile-'));
        expect(good.map((f) => f.filename)).toEqual(links.map((l) => l.filename));
        links.forEach((link, i) => {
          const file = good[i]!;
          expect(file.url).toBe(`https://idx.example/packages/${link.filename}`);
          expect(file.requiresPython).toBe(link.requiresPython?.trim() || null);
          expect(file.yanked).toBe(link.yanked === null ? false : link.yanked === '' ? true : link.yanked);
          expect(file.hashes).toEqual(link.sha256 ? { sha256: link.sha256 } : {});
        });
        expect(page!.name).toBe('demo');
      }),
      fuzzParameters(),
    );
  });

  it('a mutated page (hostile runs, cut tags, stray quotes anywhere) throws only SimpleParseError', async () => {
    const page = pageWithHostileLink.map(({ html }) => html);
    await fuzzAssert(
      fc.property(fc.oneof(mutated(page), fc.string({ unit: 'binary', maxLength: 200 })), (html) => {
        const parsed = onlyTyped(SimpleParseError, () => parseSimpleHtml(html, PAGE_URL));
        if (parsed === undefined) return;
        expectPageMessagesOneLine(parsed);
        for (const file of parsed.files) {
          // Absolute, without credentials (the auth table sends them) and without the fragment.
          const url = new URL(file.url);
          expect(`${url.username}${url.password}${url.hash}`).toBe('');
        }
      }),
      fuzzParameters(),
    );
  });

  it('unescapeHtml never throws and leaves text without "&" alone', async () => {
    await fuzzAssert(
      fc.property(fc.oneof(hostileRun, fc.string({ unit: 'binary', maxLength: 60 })), (text) => {
        const out = unescapeHtml(text);
        if (!text.includes('&')) expect(out).toBe(text);
      }),
      fuzzParameters(),
    );
  });

  const PIP_LINKS = `
import json, sys, urllib.parse
from pip._internal.index.collector import HTMLLinkParser
data = json.load(sys.stdin)
out = []
for page in data["pages"]:
    parser = HTMLLinkParser(data["url"])
    parser.feed(page)  # pip feeds the page and reads the anchors, without close()
    anchors = []
    for attrs in parser.anchors:
        href = attrs.get("href")
        if not href:
            continue
        url = urllib.parse.urljoin(data["url"], href)
        name = urllib.parse.unquote(urllib.parse.urlsplit(url).path.rsplit("/", 1)[-1])
        anchors.append([name, attrs.get("data-requires-python"), attrs.get("data-yanked"), "data-yanked" in attrs])
    out.append(anchors)
print(json.dumps(out))
`;

  /** Pages whose hostility pip and we must read alike: attribute values, entities, noise between links. */
  const comparablePage = fc
    .tuple(
      fc.array(fc.tuple(goodLink, fc.boolean()), { minLength: 1, maxLength: 6 }),
      fc.array(
        fc.oneof(
          fc.constantFrom('<!-- <a href="hidden-1.0.tar.gz">x</a> -->', '<!-->', '<!--->', '<!-- a -- b -->', '<script>"<a href=s-1.0.tar.gz>"</script>', '<style>a{}</style>', '<!DOCTYPE html>', '<?php ?>', '<![CDATA[<a href="c-1.0.tar.gz">]]>', '<br/>', '<p>text</p>', '<b>', '</i>', '<a/>', '&amp;&lt;&#60;'),
          hostileRun.map((run) => run.replace(/[<&]/g, ' ')),
          fc.tuple(fc.constantFrom('&', '>', "'", '=', ' ', '\u202e', 'a', '&#0;', '&#x110000;', '&amp'), fc.integer({ min: 1, max: 5000 }), distFilename).map(
            ([ch, n, f]) => `<a href="${f}" data-requires-python="${ch.repeat(n)}" data-yanked='${ch.repeat(3)}'>${f}</a>`,
          ),
        ),
        { maxLength: 6 },
      ),
    )
    .chain(([links, noise]) =>
      fc.tuple(...links.map(([link, encodeHref]) => renderedGoodLink(link).map((html) => (encodeHref ? html.replace(/packages\/([^"'#> ]+)/, (_, f: string) => `packages/${f.replaceAll('-', '&#45;').replaceAll('.', '&period;')}`) : html)))).map(
        (rendered) => {
          const parts = [...rendered];
          noise.forEach((n, i) => parts.splice((i * 7) % (parts.length + 1), 0, n));
          return `<html><body>${parts.join('\n')}</body></html>`;
        },
      ),
    );

  it.skipIf(!hasPipHtmlParser)("finds the links pip's HTMLLinkParser finds, with the same requires-python and yanked values", async () => {
    const mismatches: string[] = [];
    await inChunks(batch(comparablePage, 200), (pages) => {
      const theirs = python<Array<Array<[string, string | null, string | null, boolean]>>>(PIP_LINKS, { url: PAGE_URL, pages });
      pages.forEach((html, i) => {
        const page = onlyTyped(SimpleParseError, () => parseSimpleHtml(html, PAGE_URL));
        const expected = theirs[i]!.filter(([name]) => looksLikeDistribution(name));
        const ours = page?.files ?? [];
        const describe = (what: string): void => void mismatches.push(`${show(html)}: ${what}`);
        if (ours.length !== expected.length) {
          describe(`ours ${JSON.stringify(ours.map((f) => f.filename))}, pip ${JSON.stringify(expected.map(([n]) => n))}`);
          return;
        }
        expected.forEach(([name, requiresPython, yanked, hasYanked], j) => {
          const file = ours[j]!;
          if (file.filename !== name) describe(`link ${j}: ours ${show(file.filename)}, pip ${show(name)}`);
          if (file.requiresPython !== (requiresPython?.trim() || null)) describe(`link ${j} requires-python: ours ${show(String(file.requiresPython))}, pip ${show(String(requiresPython))}`);
          // A bare `data-yanked` is None to pip (so not yanked there); PEP 592 and we count it as yanked.
          if (hasYanked && yanked !== null) {
            const want = yanked.trim() === '' ? true : yanked;
            if (file.yanked !== want) describe(`link ${j} yanked: ours ${show(String(file.yanked))}, pip ${show(yanked)}`);
          } else if (!hasYanked && file.yanked !== false) describe(`link ${j}: ours yanked, pip not`);
        });
      });
    }, 1_000);
    expectNoMismatches("pages read differently from pip's HTMLLinkParser", mismatches);
  });
});

// ---------------------------------------------------------------------------------------------
// PEP 691 JSON
// ---------------------------------------------------------------------------------------------

describe('PEP 691 JSON pages', () => {
  const page = fc.record({
    meta: fc.constant({ 'api-version': '1.1' }),
    name: fc.constant('demo'),
    versions: fc.array(fc.constantFrom('1.0', '2.0'), { maxLength: 2 }),
    files: fc.array(goodFile, { minLength: 1, maxLength: 6 }),
  });

  it('a valid page with one entry of wrong types in any field keeps every other entry', async () => {
    await fuzzAssert(
      fc.property(page, withWrongTypes(goodFile, FILE_KEYS), fc.nat(), (doc, hostile, at) => {
        const files: unknown[] = [...doc.files];
        const index = at % (files.length + 1);
        files.splice(index, 0, hostile);
        const parsed = onlyTyped(SimpleParseError, () => parseSimpleJson(JSON.stringify({ ...doc, files }), PAGE_URL));
        expect(parsed).toBeDefined();
        expectPageMessagesOneLine(parsed!);
        const good = parsed!.files.filter((_, i) => parsed!.files.length === doc.files.length || i !== index);
        // Either the hostile entry was skipped (one reason) or it made a file of its own.
        expect(parsed!.files.length + parsed!.skipped.length).toBe(doc.files.length + 1);
        if (parsed!.files.length === doc.files.length + 1) {
          expect(parsed!.files.filter((_, i) => i !== index).map((f) => f.filename)).toEqual(doc.files.map((f) => f.filename));
        } else {
          expect(good.map((f) => f.filename)).toEqual(doc.files.map((f) => f.filename));
        }
        for (const file of parsed!.files) {
          expect(typeof file.filename).toBe('string');
          expect(file.requiresPython === null || typeof file.requiresPython === 'string').toBe(true);
          expect(typeof file.yanked === 'boolean' || typeof file.yanked === 'string').toBe(true);
          expect(Object.values(file.hashes).every((h) => /^[0-9a-f]+$/.test(h))).toBe(true);
          if (file.size !== undefined) expect(Number.isSafeInteger(file.size)).toBe(true);
        }
      }),
      fuzzParameters(),
    );
  });

  it('wrong types in the page fields, huge arrays and deep nesting throw only SimpleParseError', async () => {
    const hugeFiles = fc.tuple(goodFile, fc.integer({ min: 1, max: 3000 })).map(([f, n]) => ({ meta: { 'api-version': '1.0' }, files: Array(n).fill(f) as unknown[] }));
    const docText = fc.oneof(withWrongTypes(page, PAGE_KEYS), hugeFiles, anyJson.map((files) => ({ files }))).map((doc) => JSON.stringify(doc));
    await fuzzAssert(
      fc.property(fc.oneof(docText, deepJsonText), (text) => {
        const parsed = onlyTyped(SimpleParseError, () => parseSimpleJson(text, PAGE_URL));
        if (parsed === undefined) return;
        expectPageMessagesOneLine(parsed);
        expect(parsed.versions.every((v) => typeof v === 'string')).toBe(true);
        expect(parsed.name === null || typeof parsed.name === 'string').toBe(true);
      }),
      fuzzParameters(100),
    );
  });

  it('text that is not JSON, or is cut short, throws SimpleParseError with a one-line message', async () => {
    const text = page.map((doc) => JSON.stringify(doc, null, 2));
    await fuzzAssert(
      fc.property(fc.oneof(mutated(text), text.chain((t) => fc.nat(t.length).map((n) => t.slice(0, n))), fc.string({ unit: 'binary', maxLength: 100 })), (t) => {
        const parsed = onlyTyped(SimpleParseError, () => parseSimpleJson(t, PAGE_URL));
        if (parsed !== undefined) expectPageMessagesOneLine(parsed);
      }),
      fuzzParameters(),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// JSON API
// ---------------------------------------------------------------------------------------------

describe('PyPI JSON API documents', () => {
  it('a valid document reads back; every string project URL is kept, whatever its label', async () => {
    await fuzzAssert(
      fc.property(goodInfo, (info) => {
        const parsed = parsePypiJson(JSON.stringify({ info, urls: [] }));
        expect([parsed.name, parsed.version]).toEqual([info.name, info.version]);
        expect(parsed.classifiers).toEqual(info.classifiers);
        expect(parsed.requiresDist).toEqual(info.requires_dist);
        expect(Object.entries(parsed.projectUrls)).toEqual(Object.entries(info.project_urls));
      }),
      fuzzParameters(),
    );
  });

  it('wrong types anywhere in info, and text that is not JSON, throw only PypiJsonParseError', async () => {
    const doc = withWrongTypes(goodInfo, INFO_KEYS).map((info) => JSON.stringify({ info }));
    await fuzzAssert(
      fc.property(fc.oneof(doc, mutated(doc), anyJson.map((v) => JSON.stringify(v)), deepJsonText.map((t) => t.replace('"files"', '"info"')), fc.string({ unit: 'binary', maxLength: 60 })), (text) => {
        const parsed = onlyTyped(PypiJsonParseError, () => parsePypiJson(text));
        if (parsed === undefined) return;
        expect(parsed.classifiers.every((c) => typeof c === 'string')).toBe(true);
        expect(parsed.requiresDist.every((c) => typeof c === 'string')).toBe(true);
        expect(Object.values(parsed.projectUrls).every((c) => typeof c === 'string')).toBe(true);
        expect(parsed.requiresPython === null || typeof parsed.requiresPython === 'string').toBe(true);
      }),
      fuzzParameters(),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Core metadata
// ---------------------------------------------------------------------------------------------

describe('core METADATA', () => {
  it('fields written with any line ending, a BOM, folding and a header-like body read back', async () => {
    await fuzzAssert(
      fc.property(metadataFields.chain((fields) => renderedMetadata(fields).map((r) => ({ fields, ...r }))), ({ fields, text, summary }) => {
        const parsed = parseCoreMetadata(text);
        expect(parsed.name).toBe(fields.name);
        expect(parsed.version).toBe(fields.version);
        expect(parsed.summary).toBe(summary === '' ? null : summary);
        expect(parsed.requiresDist).toEqual(fields.requiresDist);
        expect(parsed.classifiers).toEqual(fields.classifiers);
        expect(Object.entries(parsed.projectUrls)).toEqual(Object.entries(Object.fromEntries(fields.projectUrls.map(([l, u]) => [l.trim(), u]))));
      }),
      fuzzParameters(),
    );
  });

  it('mutated and arbitrary text throws only MetadataParseError', async () => {
    const text = metadataFields.chain(renderedMetadata).map((r) => r.text);
    await fuzzAssert(
      fc.property(fc.oneof(mutated(text), fc.string({ unit: 'binary', maxLength: 100 })), (t) => {
        onlyTyped(MetadataParseError, () => parseCoreMetadata(t));
        readHeaders(t);
      }),
      fuzzParameters(),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Cache entries (cache.ts is not ours to change: failures here are reported to its owners)
// ---------------------------------------------------------------------------------------------

describe('cache entries', () => {
  const freshness = new HttpFreshness(() => 1_700_000_000_000);
  const request = freshness.request('https://idx.example/simple/demo/', 'text/html');

  const entry = fc
    .record({
      status: fc.constantFrom(200, 203, 301, 404),
      cacheControl: fc.constantFrom('max-age=600', 'no-cache', 'private, max-age=60, must-revalidate', ''),
      etag: fc.option(fc.constantFrom('"abc"', 'W/"x"')),
      body: fc.uint8Array({ maxLength: 200 }),
      contentType: fc.option(fc.constantFrom('text/html', 'application/vnd.pypi.simple.v1+json')),
    })
    .map(({ status, cacheControl, etag, body, contentType }) => {
      const headers: Record<string, string> = { date: new Date(1_700_000_000_000).toUTCString() };
      if (cacheControl) headers['cache-control'] = cacheControl;
      if (etag) headers['etag'] = etag;
      const policy = freshness.policyFor(request, status, headers).toObject();
      const header = { url: request.url, status, contentType, policy, bodyLength: body.length, bodySha256: createHash('sha256').update(body).digest('hex') };
      return Buffer.concat([Buffer.from(`pypy-ready-http-cache v2\n${JSON.stringify(header)}\n`), Buffer.from(body)]);
    });

  /** Flip, cut, splice or overwrite bytes of an entry. */
  const damaged = fc.tuple(entry, fc.array(fc.tuple(fc.constantFrom('flip', 'cut', 'insert', 'json'), fc.double({ min: 0, max: 1, noNaN: true }), fc.uint8Array({ minLength: 1, maxLength: 8 })), { minLength: 1, maxLength: 3 })).map(([data, edits]) => {
    let d = Buffer.from(data);
    for (const [kind, where, bytes] of edits) {
      const at = Math.floor(where * d.length);
      if (kind === 'flip') d[at] = (d[at] ?? 0) ^ bytes[0]!;
      else if (kind === 'cut') d = d.subarray(0, at);
      else if (kind === 'insert') d = Buffer.concat([d.subarray(0, at), Buffer.from(bytes), d.subarray(at)]);
      else d = Buffer.from(d.toString('latin1').replace(/"(st|t|v|m)":[^,}]*/, `"$1":${JSON.stringify(bytes[0]! % 2 ? 'x' : null)}`), 'latin1');
    }
    return d;
  });

  it('a written entry decodes to what was written, and its policy restores', async () => {
    await fuzzAssert(
      fc.property(entry, (data) => {
        const decoded = decodeEntry(data);
        expect(decoded).not.toBeNull();
        expect(decoded!.url).toBe(request.url);
        const policy = freshness.restore(decoded!.policy);
        expect(policy).toBeInstanceOf(CachePolicy);
        freshness.fresh(policy!, request);
      }),
      fuzzParameters(),
    );
  });

  it('damaged entries and arbitrary bytes decode to null or an entry, never throw; restoring and judging their policy never throws', async () => {
    await fuzzAssert(
      fc.property(fc.oneof(damaged, fc.uint8Array({ maxLength: 100 }).map((b) => Buffer.concat([Buffer.from('pypy-ready-http-cache v2\n'), Buffer.from(b)]))), (data) => {
        const decoded = decodeEntry(data);
        if (decoded === null) return;
        expect(Buffer.isBuffer(decoded.body)).toBe(true);
        const policy = freshness.restore(decoded.policy);
        if (policy !== null) {
          freshness.fresh(policy, request);
          freshness.revalidated(policy, request, { etag: '"abc"' });
        }
      }),
      fuzzParameters(),
    );
  });
});

// A JSON value of any shape where a page is expected: only the typed errors, from every parser.
describe('any JSON value where a document is expected', () => {
  it('throws only the typed error of each parser', async () => {
    await fuzzAssert(
      fc.property(anyJson, (value) => {
        const text = JSON.stringify(value) ?? 'null';
        onlyTyped(SimpleParseError, () => parseSimpleJson(text, PAGE_URL));
        onlyTyped(PypiJsonParseError, () => parsePypiJson(text));
        onlyTyped(SimpleParseError, () => parseSimpleHtml(text, PAGE_URL));
        onlyTyped(MetadataParseError, () => parseCoreMetadata(text));
      }),
      fuzzParameters(),
    );
  });
});
