/**
 * The HTML report (issue 13): one self-contained page. Its structure is read back with Python's
 * `html.parser` (test/support/html.ts), not with our own code: first the bundled demo, scanned for
 * real against the local index; then hand-made results: hostile names, input problems, several
 * projects, and the size cap. What the page does in a browser is test/report/html.browser.test.ts.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { SEVERITIES, SEVERITY_ORDER, type Severity } from '../../src/assess/types.js';
import { bottomLine, formatBottomLine } from '../../src/report/bottom-line.js';
import { MAX_BYTES, MAX_ROWS, escapeHtml, renderHtml } from '../../src/report/html.js';
import type { RenderContext } from '../../src/report/index.js';
import { RENDERERS } from '../../src/report/index.js';
import type { Finding, ReportTarget, ScanResult } from '../../src/scan/types.js';
import { scanDemo } from '../support/demo.js';
import { byClass, byTag, findAll, findOne, hasPython, parseHtml, rawText, textOf, type HtmlDocument, type HtmlElement } from '../support/html.js';
import { REPO_ROOT } from '../support/shared.js';
import { broken, finding, PP73, PP80, result } from '../support/results.js';

const CONTEXT: RenderContext = { color: false, verbose: false, width: 100 };
const VERSION = (JSON.parse(readFileSync(resolve(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;


// ---------------------------------------------------------------- reading the page back

/** Whitespace folded, as `textOf` reads a page. */
const folded = (text: string): string => text.replace(/\s+/g, ' ').trim();

const sha256 = (text: string): string => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/** The table's package rows: one `<tbody class="pkg">` each. */
const packageBodies = (doc: HtmlDocument): HtmlElement[] => findAll(doc.root, (e) => e.tag === 'tbody' && byClass('pkg')(e));

interface Row {
  name: string;
  severity: string;
  /** The main row's cells' text. */
  cells: string[];
  /** The detail row's text. */
  detail: string;
  body: HtmlElement;
}

function rowsOf(doc: HtmlDocument): Row[] {
  return packageBodies(doc).map((body) => {
    const [main, detail, ...more] = findAll(body, byTag('tr'));
    expect(more).toEqual([]);
    const cells = main!.children.filter((c): c is HtmlElement => typeof c !== 'string').map(textOf);
    return { name: textOf(findOne(body, byClass('pkg-name'), 'package name')), severity: body.attrs['data-severity'] ?? '', cells, detail: textOf(detail!), body };
  });
}

/** The CSP directives of the page's meta tag, by name. */
function cspOf(doc: HtmlDocument): Map<string, string[]> {
  const metas = findAll(doc.root, (e) => e.tag === 'meta' && (e.attrs['http-equiv'] ?? '').toLowerCase() === 'content-security-policy');
  expect(metas).toHaveLength(1);
  const directives = new Map<string, string[]>();
  for (const part of (metas[0]!.attrs['content'] ?? '').split(';')) {
    const [name, ...values] = part.trim().split(/\s+/);
    if (name) directives.set(name, values);
  }
  return directives;
}

/** Attributes that fetch, navigate or submit to a URL. */
const URL_ATTRIBUTES = ['href', 'src', 'srcset', 'action', 'formaction', 'data', 'poster', 'background', 'cite', 'longdesc', 'ping', 'xlink:href', 'manifest', 'icon', 'codebase', 'archive'];
/** Elements that load or point to something elsewhere. */
const RESOURCE_ELEMENTS = ['a', 'link', 'img', 'iframe', 'frame', 'object', 'embed', 'base', 'form', 'svg', 'video', 'audio', 'source', 'picture', 'track', 'image', 'applet', 'portal'];

/** Everything that could make the page reach the network or run code of someone else's. */
function networkProblems(doc: HtmlDocument): string[] {
  const problems: string[] = [];
  for (const e of findAll(doc.root, () => true)) {
    if (RESOURCE_ELEMENTS.includes(e.tag)) problems.push(`<${e.tag}>`);
    if (e.tag === 'meta' && (e.attrs['http-equiv'] ?? '').toLowerCase() === 'refresh') problems.push('<meta http-equiv=refresh>');
    for (const [name, value] of Object.entries(e.attrs)) {
      if (URL_ATTRIBUTES.includes(name)) problems.push(`${name}= on <${e.tag}>`);
      if (name.startsWith('on')) problems.push(`event handler ${name}= on <${e.tag}>`);
      if (name === 'style') problems.push(`style= on <${e.tag}>`);
      // A stranger's fix text (what the filter searches) may quote a URL; it is never used as one.
      if (name !== 'data-search' && value !== null && /:\/\/|^\s*\/\/|^\s*javascript:/i.test(value)) problems.push(`a URL in ${name}= on <${e.tag}>`);
    }
  }
  for (const style of findAll(doc.root, byTag('style'))) if (/url\(|@import|image-set\(/i.test(rawText(style))) problems.push('a URL in the style sheet');
  return problems;
}

describe.skipIf(!hasPython)('the checks on the output', () => {
  it('catch a page that loads something or runs a handler', () => {
    const page = (body: string) => parseHtml(`<!DOCTYPE html><html><head></head><body>${body}</body></html>`);
    expect(networkProblems(page('<p>fine</p>'))).toEqual([]);
    expect(networkProblems(page('<img src="https://evil.example/x.png">'))).toEqual(['<img>', 'src= on <img>', 'a URL in src= on <img>']);
    expect(networkProblems(page('<p onclick="x()">x</p>'))).toEqual(['event handler onclick= on <p>']);
    expect(networkProblems(page('<p data-x="//cdn.example/x.js">x</p>'))).toEqual(['a URL in data-x= on <p>']);
    expect(networkProblems(page('<style>body{background:url(x.png)}</style>'))).toEqual(['a URL in the style sheet']);
  });
  it('refuse a page that is not well-formed', () => {
    expect(() => parseHtml('<html><body><p>x</td></body></html>')).toThrow(/closes <p>/);
    expect(() => parseHtml('<html><body><div>')).toThrow(/left open/);
  });
});

// ---------------------------------------------------------------- the demo, for real

describe.skipIf(!hasPython)('the HTML report of the bundled Django demo (scanned against the local index)', () => {
  let demo: ScanResult;
  let html: string;
  let doc: HtmlDocument;
  beforeAll(async () => {
    demo = await scanDemo(['pypy3.11-7.3', 'pypy3.11-8.0', 'cpython3.11']);
    html = renderHtml(demo, CONTEXT);
    doc = parseHtml(html);
  }, 60_000);

  it('is the html format of --format', () => {
    expect(RENDERERS.html(demo, CONTEXT)).toBe(html);
  });

  it('is one HTML5 document, titled with the project and the tool version', () => {
    expect(doc.doctype).toBe('DOCTYPE html');
    const [root, ...others] = doc.root.children.filter((c) => typeof c !== 'string') as HtmlElement[];
    expect(others).toEqual([]);
    expect(root!.tag).toBe('html');
    expect(root!.attrs['lang']).toBe('en');
    expect(findAll(doc.root, (e) => e.tag === 'meta' && e.attrs['charset'] === 'utf-8')).toHaveLength(1);
    expect(textOf(findOne(doc.root, byTag('title'), '<title>'))).toBe(`PyPy readiness of fixtures/demo-django — pypy-ready ${VERSION}`);
    expect(textOf(findOne(doc.root, byTag('h1'), '<h1>'))).toBe('PyPy readiness of fixtures/demo-django');
  });

  it('starts with the bottom line of each target', () => {
    const lines = findAll(doc.root, byClass('target-line')).map(textOf);
    const sentences = formatBottomLine(bottomLine(demo));
    expect(sentences).toHaveLength(3);
    expect(lines).toEqual(['✖', '✖', '✔'].map((glyph, i) => `${glyph} ${folded(sentences[i]!)}`));
    // As the README's demo shows it.
    expect(lines[0]).toBe('✖ PyPy 3.11 (7.3): 2 blockers (orjson: only an optional import; psycopg2-binary: imported by the web tier only); 5 packages run through cpyext, 1 of them built from source (hiredis).');
    expect(lines[2]).toBe('✔ CPython 3.11: nothing blocks.');
  });

  it('has one table with a column per target, and every row as wide as its head', () => {
    const tables = findAll(doc.root, byTag('table'));
    expect(tables).toHaveLength(1);
    const head = findAll(findOne(tables[0]!, byTag('thead'), '<thead>'), byTag('th')).map(textOf);
    expect(head).toEqual([
      'Package',
      'Version',
      'PyPy 3.11 (7.3) pypy3.11-7.3-manylinux_x86_64',
      'PyPy 3.11 (8.0) pypy3.11-8.0-manylinux_x86_64',
      'CPython 3.11 cpython3.11-manylinux_x86_64',
      'Declared at',
    ]);
    for (const row of rowsOf(doc)) {
      expect(row.cells).toHaveLength(head.length);
      const detailCell = findAll(findAll(row.body, byTag('tr'))[1]!, byTag('td'))[0]!;
      expect(detailCell.attrs['colspan']).toBe(String(head.length));
    }
  });

  it('has one row per package, sorted by worst severity, then name', () => {
    const rows = rowsOf(doc);
    const names = [...new Set(demo.findings.map((f) => f.name))];
    expect(rows.map((r) => r.name).sort()).toEqual(names.sort());
    expect(rows).toHaveLength(41);
    // Each row's severity is the worst of its package's findings, in the one display order.
    for (const row of rows) {
      const severities = demo.findings.filter((f) => f.name === row.name).map((f) => SEVERITY_ORDER.indexOf(f.severity));
      expect(row.severity).toBe(SEVERITY_ORDER[Math.min(...severities)]);
    }
    const keys = rows.map((r) => [SEVERITY_ORDER.indexOf(r.severity as Severity), r.name] as const);
    const sorted = [...keys].sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : 1));
    expect(keys).toEqual(sorted);
    // The Markdown report's table, in the same order: blockers first, then warnings.
    expect(rows.slice(0, 7).map((r) => [r.name, r.severity])).toEqual([
      ['orjson', 'error'], ['psycopg2-binary', 'error'],
      ['cryptography', 'warning'], ['hiredis', 'warning'], ['lxml', 'warning'], ['numpy', 'warning'], ['pillow', 'warning'],
    ]);
    expect(rows.slice(7).every((r) => r.severity === 'info' || r.severity === 'ok')).toBe(true);
    expect(rows.filter((r) => r.severity === 'info')).toHaveLength(2);
  });

  it("shows each target's verdict and severity in its column, with the version and the manifest line", () => {
    const rows = new Map(rowsOf(doc).map((r) => [r.name, r.cells]));
    expect(rows.get('psycopg2-binary')).toEqual(['psycopg2-binary', '2.9.11', '✖ blocker known-broken', '✖ blocker known-broken', '✔ fine native-wheel', 'fixtures/demo-django/requirements/base.txt:10']);
    // The pp73 → pp80 loss is a warning on 8.0 only.
    expect(rows.get('lxml')!.slice(0, 5)).toEqual(['lxml', '6.0.2', '● note pypy-wheel', '▲ warning abi-mismatch', '✔ fine native-wheel']);
    expect(rows.get('hiredis')!.slice(2, 4)).toEqual(['▲ warning lost-pypy-wheels', '▲ warning source-build']);
    // A transitive package: the line of the direct requirement that pulls it in.
    expect(rows.get('amqp')!.at(-1)).toBe('fixtures/demo-django/requirements/base.txt:11');
  });

  it('puts every finding\'s evidence, fix, file and lines, and the chain, in its package\'s detail row', () => {
    const details = new Map(rowsOf(doc).map((r) => [r.name, r.detail]));
    for (const f of demo.findings) {
      const detail = details.get(f.name)!;
      for (const fact of f.evidence) expect(detail).toContain(folded(fact));
      if (f.suggestion) expect(detail).toContain(folded(f.suggestion));
      if (f.file) expect(detail).toContain(`File pip would install ${f.file}`);
      for (const l of f.locations) expect(detail).toContain(`${l.file}:${l.line}`);
      if (f.via.length > 0) expect(detail).toContain(`Pulled in by ${f.via.join(' → ')}`);
    }
    expect(details.get('amqp')).toContain('Pulled in by celery → kombu');
    // Where the demo's code imports a package, and a direct requirement no file imports.
    expect(details.get('psycopg2-binary')).toContain('In the code used in: web ledger/views.py:3');
    expect(details.get('orjson')).toContain('In the code used in: other ledger/serialize.py:3 (optional)');
    expect(details.get('hiredis')).toContain("In the code declared but never imported by the project's code");
    expect(details.get('orjson')).toContain('Fix Replace with json (standard library)');
    // Targets where the package fares exactly alike share one section; others have their own.
    expect(details.get('orjson')).toContain('PyPy 3.11 (7.3), PyPy 3.11 (8.0): ✖ blocker known-broken installs, but is known not to work on PyPy.');
    expect(details.get('hiredis')).toContain('PyPy 3.11 (7.3): ▲ warning lost-pypy-wheels');
    expect(details.get('hiredis')).toContain('PyPy 3.11 (8.0): ▲ warning source-build');
  });

  it('loads nothing: no URL anywhere in its markup, and a CSP that allows only its own inline style and script', () => {
    expect(networkProblems(doc)).toEqual([]);
    const scripts = findAll(doc.root, byTag('script'));
    const styles = findAll(doc.root, byTag('style'));
    expect(scripts).toHaveLength(1);
    expect(styles).toHaveLength(1);
    expect(scripts[0]!.attrs).toEqual({});
    const csp = cspOf(doc);
    expect(csp.get('default-src')).toEqual(["'none'"]);
    expect(csp.get('script-src')).toEqual([sha256(rawText(scripts[0]!))]);
    expect(csp.get('style-src')).toEqual([sha256(rawText(styles[0]!))]);
    expect(csp.get('base-uri')).toEqual(["'none'"]);
    expect(csp.get('form-action')).toEqual(["'none'"]);
    // Nothing loosens it: no connect-src, no 'unsafe-inline', no other source.
    expect([...csp.keys()].sort()).toEqual(['base-uri', 'default-src', 'form-action', 'img-src', 'script-src', 'style-src']);
    // The CSP is the first thing in <head> after the charset, so it covers all that follows.
    const headElements = findOne(doc.root, byTag('head'), '<head>').children.filter((c): c is HtmlElement => typeof c !== 'string');
    expect(headElements.slice(0, 2).map((e) => Object.keys(e.attrs)[0])).toEqual(['charset', 'http-equiv']);
  });

  it('has a script that cannot end its own element, fetch, or write markup', () => {
    const script = rawText(findOne(doc.root, byTag('script'), '<script>'));
    expect(script).not.toContain('<');
    expect(script).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|Function\(|fetch\(|XMLHttpRequest|import\(|\.src\b|\.href\b|location/);
    // Its data are attributes of the rows, not JSON inside a script.
    expect(findAll(doc.root, (e) => e.tag === 'script' && e.attrs['type'] !== undefined)).toEqual([]);
  });

  it('works without JavaScript: nothing hidden, the controls disabled, "problems only" unticked until the script ticks it', () => {
    expect(findAll(doc.root, (e) => 'hidden' in e.attrs)).toEqual([]);
    expect(findOne(doc.root, (e) => e.attrs['id'] === 'control-set', 'the controls').attrs).toHaveProperty('disabled');
    const checkbox = findOne(doc.root, (e) => e.attrs['id'] === 'filter-problems', 'the problems-only checkbox');
    expect(checkbox.attrs['type']).toBe('checkbox');
    expect(checkbox.attrs).not.toHaveProperty('checked');
    expect(findOne(doc.root, (e) => e.attrs['id'] === 'filter-text', 'the filter').attrs['type']).toBe('search');
    // The select offers every severity the assessment has, and "any".
    const options = findAll(findOne(doc.root, (e) => e.attrs['id'] === 'filter-severity', 'the severity select'), byTag('option'));
    expect(options.map((o) => o.attrs['value']).sort()).toEqual(['any', ...SEVERITIES].sort());
    expect(textOf(findOne(doc.root, byTag('noscript'), '<noscript>'))).toContain('JavaScript is off');
    // Rows say what the filters need.
    for (const row of rowsOf(doc)) expect(row.body.attrs['data-search']).toContain(row.name);
    expect(rowsOf(doc).find((r) => r.name === 'orjson')!.body.attrs['data-search']).toContain('replace with json');
  });

  it('has no size note when everything fits', () => {
    expect(findAll(doc.root, byClass('size-cap'))).toEqual([]);
    expect(Buffer.byteLength(html)).toBeLessThan(MAX_BYTES);
  });
});

// ---------------------------------------------------------------- hand-made results

describe('escapeHtml', () => {
  it('escapes markup characters, strips controls and bidi, folds lines, and breaks up ##[', () => {
    expect(escapeHtml(`<a href="x" title='y'>&amp;</a>`)).toBe('&lt;a href=&quot;x&quot; title=&apos;y&apos;&gt;&amp;amp;&lt;/a&gt;');
    // The line separator goes with the bidi marks (\`inline\`); a line feed and a tab become spaces.
    expect(escapeHtml('a\u001b[2Jb\u009bc\u202ed\u2066e\u2028f\ng\th')).toBe('a[2Jbcdef g h');
    expect(escapeHtml('x ##[add-mask]y')).toBe('x #&#35;[add-mask]y');
    expect(escapeHtml('naïve 😀 ünïcode')).toBe('naïve 😀 ünïcode');
  });
  it('cuts long text by characters, never inside a surrogate pair', () => {
    expect(escapeHtml('😀'.repeat(10), 5)).toBe('😀😀😀😀…');
    expect(escapeHtml('<'.repeat(10), 3)).toBe('&lt;&lt;…');
  });
});

describe.skipIf(!hasPython)('renderHtml', () => {
  it('keeps a hostile name as text, in elements and in attributes', () => {
    const name = `"><script>alert(1)</script><img src=x onerror=alert(2)>'`;
    const r = result([PP73], [finding(name, PP73, broken({ suggestion: `use "${name}"`, evidence: [`summary: ${name}`], locations: [{ file: `javascript:alert(3)`, line: 2, column: 1 }] }))]);
    const html = renderHtml(r, CONTEXT);
    const doc = parseHtml(html);
    expect(findAll(doc.root, byTag('script'))).toHaveLength(1);
    expect(networkProblems(doc)).toEqual([]);
    const [row] = rowsOf(doc);
    expect(row!.name).toBe(name);
    expect(row!.cells.at(-1)).toBe('javascript:alert(3):2');
    expect(row!.detail).toContain(`summary: ${name}`);
    expect(row!.body.attrs['data-search']).toBe(`${name} use "${name}"`.toLowerCase());
    expect(html).not.toMatch(/<img|<script>alert/i);
  });

  it('lists problems reading the input, with URLs only with --verbose, redacted', () => {
    const r = result([PP73], [finding('django', PP73)], {
      errors: [
        { kind: 'manifest', severity: 'error', message: 'requirements.txt:3: cannot parse "django>="', file: 'requirements.txt', line: 3 },
        { kind: 'index', severity: 'warning', message: 'https://mirror.example answered HTTP 503; used the next index', url: 'https://user:secret@mirror.example/simple/' },
      ],
    });
    const problems = (context: RenderContext) => findAll(parseHtml(renderHtml(r, context)).root, byClass('problem')).map(textOf);
    expect(problems(CONTEXT)).toEqual([
      '✖ blocker manifest: requirements.txt:3: cannot parse "django>=" (requirements.txt:3)',
      '▲ warning index: https://mirror.example answered HTTP 503; used the next index',
    ]);
    const verbose = problems({ ...CONTEXT, verbose: true });
    expect(verbose[1]).toBe('▲ warning index: https://mirror.example answered HTTP 503; used the next index — https://***@mirror.example/simple/');
    expect(verbose.join('\n')).not.toContain('secret');
  });

  it('names the project in scans of several, and searches it too', () => {
    const r = result([PP73, PP80], [
      ...[PP73, PP80].map((t) => finding('orjson', t, broken({ project: 'services/api', via: ['mylib', 'midlib'], locations: [{ file: 'services/api/requirements.txt', line: 4, column: 1 }] }))),
      finding('orjson', PP73, { project: 'services/worker' }),
    ]);
    const doc = parseHtml(renderHtml(r, CONTEXT));
    expect(findAll(findOne(doc.root, byTag('thead'), '<thead>'), byTag('th')).map(textOf)[0]).toBe('Project');
    const rows = rowsOf(doc);
    expect(rows.map((row) => row.cells.slice(0, 5))).toEqual([
      ['services/api', 'orjson', '1.0', '✖ blocker known-broken', '✖ blocker known-broken'],
      ['services/worker', 'orjson', '1.0', '✔ fine pure', '— not installed here'],
    ]);
    expect(rows[0]!.detail).toContain('Pulled in by mylib → midlib');
    expect(rows[0]!.body.attrs['data-search']).toBe('orjson services/api replace with y');
  });

  describe('has a size cap', () => {
    it(`keeps the ${MAX_ROWS.toLocaleString('en-US')} most severe packages and says how many it left out`, () => {
      const fine = Array.from({ length: MAX_ROWS + 240 }, (_, i) => finding(`fine-${String(i).padStart(5, '0')}`, PP73, { locations: [{ file: 'requirements.txt', line: i + 1, column: 1 }] }));
      // Named to sort last, but the worst: they must all be kept.
      const blockers = Array.from({ length: 10 }, (_, i) => finding(`zz-blocker-${i}`, PP73, broken()));
      const started = performance.now();
      const html = renderHtml(result([PP73], [...fine, ...blockers]), CONTEXT);
      expect(performance.now() - started).toBeLessThan(5_000);
      const doc = parseHtml(html);
      const rows = rowsOf(doc);
      expect(rows).toHaveLength(MAX_ROWS);
      expect(rows.slice(0, 10).map((r) => r.name)).toEqual(blockers.map((b) => b.name));
      expect(rows.at(-1)!.name).toBe(`fine-${String(MAX_ROWS - 11).padStart(5, '0')}`);
      const note = textOf(findOne(doc.root, byClass('size-cap'), 'the size note'));
      expect(note).toBe('Left out: 250 packages (the least severe), to keep this page under 5,000 rows and 10 MB. The JSON report (--format json) has everything.');
      // The heading still counts every package.
      expect(textOf(findOne(doc.root, (e) => e.attrs['id'] === 'h-packages', 'the heading'))).toBe(`Packages (${(MAX_ROWS + 250).toLocaleString('en-US')})`);
    });

    it(`stays under ${MAX_BYTES / 1024 / 1024} MB when the evidence is huge`, () => {
      const evidence = Array.from({ length: 40 }, (_, i) => `fact ${i}: ${'lorem ipsum dolor sit amet '.repeat(60)}`);
      const r = result([PP73, PP80], Array.from({ length: 300 }, (_, i) => [PP73, PP80].map((t) => finding(`big-${String(i).padStart(3, '0')}`, t, broken({ evidence: evidence.map((e) => `${t.id} ${e}`) })))).flat());
      const html = renderHtml(r, CONTEXT);
      expect(Buffer.byteLength(html, 'utf8')).toBeLessThanOrEqual(MAX_BYTES);
      expect(Buffer.byteLength(html, 'utf8')).toBeGreaterThan(MAX_BYTES * 0.9);
      const doc = parseHtml(html);
      const kept = rowsOf(doc).length;
      expect(kept).toBeGreaterThan(0);
      expect(kept).toBeLessThan(300);
      expect(textOf(findOne(doc.root, byClass('size-cap'), 'the size note'))).toMatch(new RegExp(`^Left out: ${300 - kept} packages \\(the least severe\\)`));
      // Still a whole page: the script and the end of the document are there.
      expect(html.trimEnd().endsWith('</html>')).toBe(true);
      expect(findAll(doc.root, byTag('script'))).toHaveLength(1);
    });
  });
});
