/**
 * Generators for index responses: PEP 503 pages (valid skeletons, hostile links), PEP 691 and
 * JSON API documents (valid shape, wrong types anywhere), core metadata text.
 */
import fc from 'fast-check';
import { hostileRun, projectName, specifierSet, version } from './pep-arbitraries.js';

export const PAGE_URL = 'https://idx.example/simple/demo/';

// ---------------------------------------------------------------------------------------------
// PEP 503 HTML
// ---------------------------------------------------------------------------------------------

/** A distribution file name a real index lists. */
export const distFilename = fc
  .tuple(projectName, version, fc.constantFrom('.tar.gz', '.zip', '-py3-none-any.whl', '-cp311-cp311-manylinux_2_17_x86_64.whl', '-pp310-pypy310_pp73-win_amd64.whl'))
  .map(([name, v, tail]) => `${name.replace(/[-_.]+/g, '_')}-${v}${tail}`);

/** Encode some characters of `text` as character references, as servers variously do. */
const entityEncoded = (text: string): fc.Arbitrary<string> =>
  fc.array(fc.constantFrom('plain', 'decimal', 'hex', 'named'), { minLength: text.length, maxLength: text.length }).map((styles) =>
    [...text]
      .map((ch, i) => {
        const style = styles[i];
        const named: Record<string, string> = { '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&#39;', '=': '&equals;', ',': '&comma;', '!': '&excl;' };
        if (style === 'decimal') return `&#${ch.codePointAt(0)};`;
        if (style === 'hex') return `&#x${ch.codePointAt(0)!.toString(16)};`;
        if (style === 'named' && named[ch]) return named[ch];
        return ch === '&' || ch === '<' || ch === '"' ? named[ch]! : ch;
      })
      .join(''),
  );

export interface GoodLink {
  filename: string;
  sha256: string | null;
  requiresPython: string | null;
  yanked: string | null;
}

export const goodLink: fc.Arbitrary<GoodLink> = fc.record({
  filename: distFilename,
  sha256: fc.option(fc.stringMatching(/^[0-9a-f]{64}$/), { freq: 2 }),
  requiresPython: fc.option(specifierSet.filter((s) => s.trim() !== ''), { freq: 2 }),
  yanked: fc.option(fc.constantFrom('', 'broken build', 'use 2.0 & later', 'CVE <1>'), { freq: 5 }),
});

/** Attribute quoting as servers write it: double, single, or none when the value allows it. */
function attribute(name: string, value: string, quoteStyle: number): string {
  if (quoteStyle === 2 && /^[^\s"'=<>`]+$/.test(value)) return `${name}=${value}`;
  if (quoteStyle === 1 && !value.includes("'")) return `${name}='${value}'`;
  return `${name}="${value.replaceAll('"', '&quot;')}"`;
}

/** Render one good link with varied attribute order, case, quoting and entity encoding. */
export const renderedGoodLink = (link: GoodLink): fc.Arbitrary<string> =>
  fc
    .tuple(
      fc.constantFrom(0, 1, 2),
      fc.boolean(),
      fc.boolean(),
      link.requiresPython === null ? fc.constant(null) : entityEncoded(link.requiresPython),
      link.yanked === null ? fc.constant(null) : entityEncoded(link.yanked),
      fc.constantFrom(' ', '\n  ', '\t'),
    )
    .map(([quoteStyle, upper, reversed, rp, yanked, space]) => {
      const href = `../../packages/${link.filename}${link.sha256 ? `#sha256=${link.sha256}` : ''}`;
      const attrs = [attribute(upper ? 'HREF' : 'href', href, quoteStyle)];
      if (rp !== null) attrs.push(attribute('data-requires-python', rp, quoteStyle));
      if (yanked !== null) attrs.push(yanked === '' ? 'data-yanked' : attribute('data-yanked', yanked, quoteStyle));
      if (reversed) attrs.reverse();
      const tag = upper ? 'A' : 'a';
      return `<${tag}${space}${attrs.join(space)}>${link.filename}</${tag}><br/>\n`;
    });

/** File names of hostile links start with "hostile", so they never collide with good ones. */
export const hostileFilename = distFilename.map((f) => `hostile-${f}`);

/**
 * One link a hostile or broken server might write, that must not cost the page its other links:
 * huge or entity-laden attribute values, odd hrefs, nested and unclosed inline tags, links inside
 * comments and scripts, a missing `</a>`.
 */
export const hostileLink: fc.Arbitrary<string> = fc.oneof(
  // Huge quoted attribute value of one hostile character (never the closing quote).
  fc.tuple(fc.constantFrom('&', '<', '>', "'", '=', ' ', '#', '\u0000', '\u202e', 'a'), fc.integer({ min: 1, max: 100_000 }), hostileFilename).map(
    ([ch, n, f]) => `<a href="${f}" data-requires-python="${ch.repeat(n)}">${f}</a>`,
  ),
  // Character references at and past the edges of Unicode, with and without `;`.
  fc
    .tuple(
      fc.array(fc.constantFrom('&#0;', '&#x110000;', '&#99999999999999999999;', '&#xD800;', '&#128;', '&#x9b;', '&amp', '&ampx;', '&notit;', '&#', '&#x;', '&', '&&&&', `&${'a'.repeat(40)};`, '&#x202e;', '&NotNestedGreaterGreater;'), { minLength: 1, maxLength: 20 }),
      hostileFilename,
    )
    .map(([refs, f]) => `<a href="${f}#${refs.join('')}" data-yanked="${refs.join('')}" data-requires-python='${refs.join('')}'>${refs.join('')}</a>`),
  // An href that is not a usable file URL.
  fc
    .constantFrom('', ' ', 'javascript:alert(1)', 'data:text/html,<a>', '//', 'http://[::1', 'https://user:pw@other.example/hostile-1.0.tar.gz', '#only-fragment', '?q=1', '../', '\u0000hostile-x.whl', ' \thostile-y.whl', 'mailto:a@b')
    .map((href) => `<a href="${href}">link</a>`),
  // No href at all, or only other attributes.
  fc.constantFrom('<a>nothing</a>', '<a name="top"></a>', '<a data-yanked>hostile-1.0.tar.gz</a>', '<a/>', '<a =>x</a>'),
  // Nested and unclosed inline tags inside the link text.
  fc.tuple(hostileFilename, fc.array(fc.constantFrom('<b>', '<i', '</span>', '<em class="x">', '<br/>', '</b', '<', '<<', '>'), { maxLength: 30 })).map(
    ([f, tags]) => `<a href="${f}">${tags.join('')}${f}${tags.join('')}</a>`,
  ),
  // Links that are not links: in comments, scripts, styles, declarations.
  hostileFilename.map((f) => `<!-- <a href="${f}">${f}</a> -->`),
  hostileFilename.map((f) => `<script>document.write('<a href="${f}">')</script>`),
  hostileFilename.map((f) => `<style>a[href="${f}"] { color: red }</style>`),
  // (Not `<!-->`: Python's html.parser, and so pip, reads all that follows as a comment.)
  fc.constantFrom('<!DOCTYPE html>', '<?xml version="1.0"?>', '<![CDATA[ <a href="hostile-1.0.tar.gz"> ]]>', '<!---->', '<!-- -- -->'),
  // A link whose `</a>` never comes (the next link closes it).
  hostileFilename.map((f) => `<a href="${f}">${f}\n`),
  // Many attributes, duplicated names.
  fc.tuple(hostileFilename, fc.integer({ min: 1, max: 2000 })).map(([f, n]) => `<a href="${f}"${' data-x="1"'.repeat(n)}>${f}</a>`),
  // Hostile runs in the text between links.
  hostileRun.map((run) => `<p>${run.replaceAll('<', '&lt;')}</p>`),
);

/** A valid page: a skeleton around good links, with one hostile link somewhere among them. */
export const pageWithHostileLink = fc
  .tuple(fc.uniqueArray(goodLink, { minLength: 1, maxLength: 8, selector: (l) => l.filename }), hostileLink, fc.nat(), fc.boolean())
  .chain(([links, hostile, at, meta]) =>
    fc.tuple(fc.tuple(...links.map(renderedGoodLink)), fc.constant({ links, hostile, at: at % (links.length + 1), meta })),
  )
  .map(([rendered, { links, hostile, at, meta }]) => {
    const body = [...rendered];
    body.splice(at, 0, `${hostile}\n`);
    const head = `<head>${meta ? '<meta name="pypi:repository-version" content="1.1">' : ''}<title>Links for demo</title></head>`;
    return { links, html: `<!DOCTYPE html>\n<html>${head}<body><h1>Links for demo</h1>\n${body.join('')}</body></html>\n` };
  });

// ---------------------------------------------------------------------------------------------
// JSON documents
// ---------------------------------------------------------------------------------------------

/**
 * Any JSON value, including deep nesting (to 1,000 levels: JSON.stringify, which the tests use to
 * write documents, recurses; parsers get deeper text from `deepJsonText`) and long strings.
 */
export const anyJson: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 1000 }).map((n) => JSON.parse(`${'['.repeat(n)}${']'.repeat(n)}`) as unknown) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 1000 }).map((n) => JSON.parse(`${'{"a":'.repeat(n)}1${'}'.repeat(n)}`) as unknown) },
  { weight: 1, arbitrary: hostileRun },
  { weight: 1, arbitrary: fc.constantFrom(1e308, -0, Number.MAX_SAFE_INTEGER + 2, 0.5, -1, true, false, null, '', '__proto__', {}, []) },
);

/** JSON text nested up to 20,000 levels in one field of a page, or at the top (the timing file goes deeper). */
export const deepJsonText = fc
  .tuple(fc.integer({ min: 1, max: 20_000 }), fc.constantFrom('files', 'meta', 'versions', 'name', 'hashes', 'top'), fc.constantFrom<[string, string]>(['[', ']'], ['{"a":', '}']))
  .map(([n, field, [open, close]]) => {
    const deep = `${open.repeat(n)}${open === '[' ? '' : '1'}${close.repeat(n)}`;
    if (field === 'top') return deep;
    if (field === 'hashes') return `{"files":[{"filename":"a-1.tar.gz","url":"a-1.tar.gz","hashes":${deep}}]}`;
    return `{"files":[],"${field}":${deep}}`;
  });

export interface GoodFile {
  filename: string;
  url: string;
  'requires-python'?: string;
  yanked?: boolean | string;
  hashes: Record<string, string>;
  size?: number;
  'core-metadata'?: boolean | Record<string, string>;
}

export const goodFile: fc.Arbitrary<GoodFile> = fc
  .record(
    {
      filename: distFilename,
      'requires-python': specifierSet,
      yanked: fc.oneof(fc.boolean(), fc.constantFrom('broken', '')),
      sha256: fc.stringMatching(/^[0-9a-f]{64}$/),
      size: fc.nat(),
      'core-metadata': fc.oneof(fc.boolean(), fc.stringMatching(/^[0-9a-f]{64}$/).map((h) => ({ sha256: h }))),
    },
    { requiredKeys: ['filename', 'sha256'] },
  )
  .map(({ sha256, ...rest }) => ({ ...rest, url: `https://files.example/packages/${rest.filename}`, hashes: { sha256 } }));

/** Replace some fields of `value` (at any depth of the listed keys) with arbitrary JSON. */
export const withWrongTypes = <T extends object>(value: fc.Arbitrary<T>, keys: readonly string[]): fc.Arbitrary<Record<string, unknown>> =>
  fc.tuple(value, fc.subarray([...keys], { minLength: 1 }), fc.array(anyJson, { minLength: keys.length, maxLength: keys.length })).map(([v, chosen, replacements]) => {
    const out: Record<string, unknown> = { ...(v as Record<string, unknown>) };
    chosen.forEach((key, i) => {
      out[key] = replacements[i];
    });
    return out;
  });

export const FILE_KEYS = ['filename', 'url', 'requires-python', 'yanked', 'hashes', 'size', 'core-metadata', 'dist-info-metadata', 'data-dist-info-metadata', 'upload-time'] as const;
export const PAGE_KEYS = ['meta', 'name', 'versions', 'files'] as const;

export const INFO_KEYS = ['name', 'version', 'classifiers', 'requires_dist', 'requires_python', 'project_urls', 'summary'] as const;

export const goodInfo = fc.record({
  name: projectName,
  version,
  classifiers: fc.array(fc.constantFrom('Programming Language :: Python :: Implementation :: PyPy', 'License :: OSI Approved :: MIT License', 'Programming Language :: Python :: 3'), { maxLength: 4 }),
  requires_dist: fc.array(fc.tuple(projectName, specifierSet).map(([n, s]) => `${n}${s}`), { maxLength: 4 }),
  requires_python: fc.option(specifierSet),
  project_urls: fc.dictionary(fc.oneof(fc.constantFrom('Homepage', 'Source', '__proto__', 'constructor', 'toString', ''), fc.string({ maxLength: 10 })), fc.webUrl(), { maxKeys: 5 }),
  summary: fc.option(fc.string({ maxLength: 40 })),
});

// ---------------------------------------------------------------------------------------------
// Core metadata
// ---------------------------------------------------------------------------------------------

export interface MetadataFields {
  name: string;
  version: string;
  summary: string;
  requiresDist: string[];
  classifiers: string[];
  projectUrls: Array<[string, string]>;
}

/**
 * A header value without the email line breaks (CR, LF) or whitespace at its ends. U+2028,
 * U+0085, VT and FF are not line breaks to an email parser, so they stay in.
 */
const headerValue = fc
  .string({ maxLength: 30, unit: fc.oneof({ weight: 8, arbitrary: fc.string({ minLength: 1, maxLength: 1 }) }, { weight: 1, arbitrary: fc.constantFrom<string>('\u2028', '\u2029', '\u0085', '\v', '\f', '\u00a0', ' ', '\t') }) })
  .map((s) => s.replace(/[\r\n]/g, ' ').trim());

export const metadataFields: fc.Arbitrary<MetadataFields> = fc.record({
  name: projectName,
  version,
  summary: headerValue,
  requiresDist: fc.array(fc.tuple(projectName, specifierSet).map(([n, s]) => `${n}${s}`), { maxLength: 5 }),
  classifiers: fc.array(fc.constantFrom('Programming Language :: Python :: Implementation :: PyPy', 'Operating System :: OS Independent'), { maxLength: 3 }),
  projectUrls: fc.array(fc.tuple(fc.oneof(fc.constantFrom('Homepage', '__proto__', 'Source Code'), headerValue.filter((s) => !s.includes(',') && s !== '')), fc.webUrl()), { maxLength: 3 }),
});

/** Render metadata as a METADATA file: varied line endings, a folded Summary, a body with header-like lines. */
export const renderedMetadata = (fields: MetadataFields): fc.Arbitrary<{ text: string; summary: string }> =>
  fc.tuple(fc.constantFrom('\n', '\r\n', '\r'), fc.boolean(), fc.boolean(), fc.array(fc.constantFrom('Requires-Dist: evil', 'Name: other', '', 'x'), { maxLength: 4 })).map(([eol, bom, fold, body]) => {
    const lines = [`Metadata-Version: 2.1`, `Name: ${fields.name}`, `Version: ${fields.version}`];
    // Folded at its first space, the Summary reads back as its two halves, trimmed, joined by a space.
    const space = fields.summary.indexOf(' ');
    const folded = fold && space > 0;
    const [before, after] = [fields.summary.slice(0, space), fields.summary.slice(space + 1)];
    lines.push(folded ? `Summary: ${before}${eol}  ${after}` : `Summary: ${fields.summary}`);
    const summary = folded ? [before.trim(), after.trim()].filter((part) => part !== '').join(' ') : fields.summary;
    for (const r of fields.requiresDist) lines.push(`Requires-Dist: ${r}`);
    for (const c of fields.classifiers) lines.push(`Classifier: ${c}`);
    for (const [label, url] of fields.projectUrls) lines.push(`Project-URL: ${label}, ${url}`);
    return { text: `${bom ? '\ufeff' : ''}${lines.join(eol)}${eol}${eol}${body.join(eol)}`, summary };
  });
