/**
 * PEP 503 Simple API, HTML form, with the attributes later PEPs added: `data-requires-python`
 * (PEP 503/345), `data-yanked` (PEP 592), `data-dist-info-metadata` / `data-core-metadata`
 * (PEP 658/714) and `pypi:repository-version` (PEP 629). Pure: text in, data out.
 *
 * No HTML library: index pages are simple, but written by many different servers, so the scanner
 * accepts attributes in any order, any quoting, character references, comments and script blocks.
 * Character references are decoded as pip's `html.parser` does (`unescapeHtml`).
 */
import { decodeHTML } from 'entities';
import { safeMessage } from '../pep/errors.js';
import { quote } from '../safe-text.js';
import { checkApiVersion, resolveFileUrl, SimpleParseError, type ParsedSimplePage } from './simple-json.js';
import type { DistributionFile } from './types.js';

// Python's `html._charref`: a reference is `&#` digits, `&#x` hex digits, or up to 32 characters
// of anything but whitespace, `<`, `&`, `#` and `;`, each with an optional `;`.
const CHAR_REF = /&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)/g;

/** Code points Python's `html.unescape` drops (`_invalid_codepoints`, less the C1 range it remaps). */
function droppedByPython(code: number): boolean {
  return (
    (code >= 0x1 && code <= 0x8) ||
    code === 0xb ||
    (code >= 0xe && code <= 0x1f) ||
    code === 0x7f ||
    (code >= 0xfdd0 && code <= 0xfdef) ||
    (code <= 0x10ffff && (code & 0xfffe) === 0xfffe)
  );
}

/** The value of a numeric reference's digits (Infinity when past what any code point needs). */
function numericValue(body: string): number {
  const hex = body[1] === 'x' || body[1] === 'X';
  const digits = body.slice(hex ? 2 : 1).replace(/;$/, '').replace(/^0+/, '');
  // Past 8 significant digits the value is beyond U+10FFFF in either base; parseInt would lose it.
  return digits.length > 8 ? Infinity : Number.parseInt(digits || '0', hex ? 16 : 10);
}

/**
 * Python's `html.unescape`, which pip's `html.parser` applies to every attribute value and to
 * text. Names go through `entities`' `decodeHTML` (the WHATWG table, longest legacy prefix
 * without `;`, as in text), not `decodeHTMLAttribute`: Python has no attribute-value exception,
 * so `?a=1&copy=2` gives `©=2`. Numbers follow Python, which drops control and noncharacter code
 * points the HTML standard keeps. One difference: Python raises on more than 4300 decimal digits
 * (pip then fails on the page); here such a number is its value, U+FFFD when too large.
 */
export function unescapeHtml(text: string): string {
  if (!text.includes('&')) return text;
  // A name match is at most 34 characters and decoded alone, so the whole pass stays linear.
  // NUL, surrogates and values past U+10FFFF become U+FFFD, 0x80–0x9F the windows-1252
  // characters, in both; only the dropped code points need Python's own rule.
  return text.replace(CHAR_REF, (whole, body: string) => (body[0] === '#' && droppedByPython(numericValue(body)) ? '' : decodeHTML(whole)));
}

interface Tag {
  name: string;
  closing: boolean;
  attrs: ReadonlyMap<string, string>;
  /** Offset just after the tag's `>`. */
  end: number;
}

// pip's accepted archive suffixes, plus `.egg` so such files are at least visible as files.
const DIST_SUFFIXES = ['.whl', '.tar.gz', '.tgz', '.tar', '.zip', '.tar.bz2', '.tbz', '.tar.xz', '.txz', '.tlz', '.tar.lz', '.tar.lzma', '.egg'];

export function looksLikeDistribution(filename: string): boolean {
  const lower = filename.toLowerCase();
  return DIST_SUFFIXES.some((suffix) => lower.endsWith(suffix) && lower.length > suffix.length);
}

// Sticky patterns: each scans a run in one native call at `lastIndex` (no test per character).
const TAG_NAME = /[A-Za-z][A-Za-z0-9-]{0,63}/y;
const SEPARATORS = /[\s/]*/y;
const ATTRIBUTE_NAME = /[^\s"'>/=]*/y;
const SPACES = /\s*/y;
const UNQUOTED_VALUE = /[^\s>]*/y;

/** End of the run `re` matches at `from`. */
function runEnd(re: RegExp, html: string, from: number): number {
  re.lastIndex = from;
  return from + (re.exec(html)?.[0].length ?? 0);
}

/** Shared by every tag without attributes (most of a hostile page of `<a>`): one Map less each. */
const NO_ATTRIBUTES: ReadonlyMap<string, string> = new Map();

/** Read one tag starting at `start` (which points at `<`). Returns null when it is not a tag. */
function readTag(html: string, start: number): Tag | null {
  let i = start + 1;
  let closing = false;
  if (html[i] === '/') {
    closing = true;
    i++;
  }
  TAG_NAME.lastIndex = i;
  const nameMatch = TAG_NAME.exec(html);
  if (!nameMatch) return null;
  const name = nameMatch[0].toLowerCase();
  i += nameMatch[0].length;
  let attrs: Map<string, string> | null = null;
  const n = html.length;
  while (i < n) {
    i = runEnd(SEPARATORS, html, i);
    if (i >= n) break;
    if (html[i] === '>') return { name, closing, attrs: attrs ?? NO_ATTRIBUTES, end: i + 1 };
    const attrStart = i;
    i = runEnd(ATTRIBUTE_NAME, html, i);
    if (i === attrStart) {
      i++; // a stray quote or `=`: skip it, as browsers do
      continue;
    }
    const attrName = html.slice(attrStart, i).toLowerCase();
    let j = runEnd(SPACES, html, i);
    let value = '';
    if (html[j] === '=') {
      j = runEnd(SPACES, html, j + 1);
      const q = html[j];
      if (q === '"' || q === "'") {
        const close = html.indexOf(q, j + 1);
        const stop = close === -1 ? n : close;
        value = html.slice(j + 1, stop);
        i = stop + 1;
      } else {
        const valueStart = j;
        j = runEnd(UNQUOTED_VALUE, html, j);
        value = html.slice(valueStart, j);
        i = j;
      }
    }
    // HTML keeps the first of duplicated attributes.
    attrs ??= new Map<string, string>();
    if (!attrs.has(attrName)) attrs.set(attrName, unescapeHtml(value));
  }
  return { name, closing, attrs: attrs ?? NO_ATTRIBUTES, end: n };
}

/** Offset of the next `</name` (any case) at or after `from`, or -1. */
function findClosing(html: string, name: string, from: number): number {
  const re = new RegExp(`</${name}[\\s>]`, 'gi');
  re.lastIndex = from;
  return re.exec(html)?.index ?? -1;
}

/**
 * Where a link's text ends: at its `</a>`, or where the next link starts (links do not nest, so
 * a browser closes an open one there), or at the end. Stopping at the next `<a` keeps a page of
 * 100,000 unclosed links linear; searching on to a `</a>` that never comes was quadratic.
 */
const ANCHOR_BOUNDARY = /<\/?a[\s>/]/gi;

function anchorTextEnd(html: string, from: number): number {
  ANCHOR_BOUNDARY.lastIndex = from;
  return ANCHOR_BOUNDARY.exec(html)?.index ?? html.length;
}

/**
 * Text with tags removed: what /<[^>]*>/g replaced by '' gives, in one pass. That pattern scans
 * to the end of the text from every `<` that has no `>` after it (quadratic on `<<<<…`).
 */
function stripTags(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const lt = text.indexOf('<', i);
    if (lt === -1) break;
    const gt = text.indexOf('>', lt + 1);
    // No `>` after this `<`: no later `<` has one either, so the rest is text.
    if (gt === -1) break;
    out += text.slice(i, lt);
    i = gt + 1;
  }
  return out + text.slice(i);
}

function parseMetadataAttr(value: string | undefined): boolean | Record<string, string> {
  if (value === undefined) return false;
  const trimmed = value.trim();
  if (trimmed.toLowerCase() === 'true') return true;
  const match = /^([A-Za-z0-9_-]+)=([0-9a-fA-F]+)$/.exec(trimmed);
  if (match) return { [match[1]!.toLowerCase()]: match[2]!.toLowerCase() };
  return false;
}

function fragmentHashes(href: string): Record<string, string> {
  const hashIndex = href.indexOf('#');
  if (hashIndex === -1) return {};
  const match = /^([A-Za-z0-9_-]+)=([0-9a-fA-F]+)$/.exec(href.slice(hashIndex + 1));
  return match ? { [match[1]!.toLowerCase()]: match[2]!.toLowerCase() } : {};
}

function urlFilename(url: string): string {
  const path = new URL(url).pathname;
  const last = path.slice(path.lastIndexOf('/') + 1);
  try {
    return decodeURIComponent(last);
  } catch {
    return last;
  }
}

export function parseSimpleHtml(html: string, pageUrl: string): ParsedSimplePage {
  let base = pageUrl;
  let baseSeen = false;
  let apiVersion: string | null = null;
  let title: string | null = null;
  const files: DistributionFile[] = [];
  const skipped: string[] = [];
  // Links are collected first and resolved after the whole page is read: `<base>` applies to the
  // whole document even when a server writes it late.
  const anchors: Array<{ attrs: ReadonlyMap<string, string>; text: string }> = [];

  let i = 0;
  const n = html.length;
  while (i < n) {
    const lt = html.indexOf('<', i);
    if (lt === -1) break;
    if (html.startsWith('<!--', lt)) {
      const close = html.indexOf('-->', lt + 4);
      i = close === -1 ? n : close + 3;
      continue;
    }
    if (html[lt + 1] === '!' || html[lt + 1] === '?') {
      const close = html.indexOf('>', lt);
      i = close === -1 ? n : close + 1;
      continue;
    }
    const tag = readTag(html, lt);
    if (tag === null) {
      i = lt + 1;
      continue;
    }
    i = tag.end;
    if (tag.closing) continue;
    if (tag.name === 'script' || tag.name === 'style') {
      // Raw text: a `<a` inside a script is not a link.
      const close = findClosing(html, tag.name, i);
      i = close === -1 ? n : close;
    } else if (tag.name === 'base' && !baseSeen && tag.attrs.has('href')) {
      baseSeen = true;
      const resolved = resolveFileUrl(tag.attrs.get('href')!, pageUrl);
      if (resolved !== null) base = resolved;
    } else if (tag.name === 'meta' && tag.attrs.get('name')?.toLowerCase() === 'pypi:repository-version') {
      apiVersion = tag.attrs.get('content')?.trim() ?? null;
    } else if (tag.name === 'title' && title === null) {
      const close = findClosing(html, 'title', i);
      title = unescapeHtml(html.slice(i, close === -1 ? n : close)).trim();
    } else if (tag.name === 'a') {
      const inner = html.slice(i, anchorTextEnd(html, i));
      const text = unescapeHtml(stripTags(inner)).replace(/\s+/g, ' ').trim();
      anchors.push({ attrs: tag.attrs, text });
    }
  }
  checkApiVersion(apiVersion);

  // A hostile page repeats the same link a million times: each distinct href is resolved (two URL
  // parses) and each distinct reason written once, which keeps a 5 MB page of `<a>` in budget.
  const resolved = new Map<string, { url: string; filename: string } | null>();
  const resolve = (href: string): { url: string; filename: string } | null => {
    let hit = resolved.get(href);
    if (hit === undefined) {
      const url = resolveFileUrl(href.trim(), base);
      hit = url === null ? null : { url, filename: urlFilename(url) };
      resolved.set(href, hit);
    }
    return hit;
  };
  const reasons = new Map<string, string>();
  const skip = (key: string, write: () => string): void => {
    let reason = reasons.get(key);
    if (reason === undefined) {
      reason = safeMessage(write());
      reasons.set(key, reason);
    }
    skipped.push(reason);
  };

  for (const { attrs, text } of anchors) {
    const href = attrs.get('href');
    if (href === undefined) {
      skip(`none\u0000${text}`, () => `link ${quote(text)} has no href`);
      continue;
    }
    const target = resolve(href);
    if (target === null) {
      skip(`bad\u0000${text}\u0000${href}`, () => `link ${quote(text)} has an unusable href ${quote(href)}`);
      continue;
    }
    const { url } = target;
    // PEP 503: the link text must equal the URL's last path segment; the URL is what gets
    // downloaded, so it wins. Only when it names no file (`href=""`) does the text stand in.
    let filename = target.filename;
    if (!looksLikeDistribution(filename)) {
      if (looksLikeDistribution(text) && !/[/\\]/.test(text)) filename = text;
      else {
        skip(`file\u0000${text}`, () => `link ${quote(text)} is not a distribution file`);
        continue;
      }
    }
    const yankedAttr = attrs.get('data-yanked');
    const requiresPython = attrs.get('data-requires-python')?.trim();
    files.push({
      filename,
      url,
      requiresPython: requiresPython ? requiresPython : null,
      yanked: yankedAttr === undefined ? false : yankedAttr.trim() === '' ? true : yankedAttr,
      hashes: fragmentHashes(href),
      // PEP 714: `data-core-metadata` is the new name; read the old one for older servers.
      coreMetadata: parseMetadataAttr(attrs.get('data-core-metadata') ?? attrs.get('data-dist-info-metadata')),
    });
  }

  if (files.length === 0 && skipped.length > 0) {
    // Links, but none to a file: a web UI or listing page, not a project page. Saying so beats
    // reporting "no distributions" for a package that may well have some.
    const hrefs = anchors.map(({ attrs }) => attrs.get('href')?.split('#')[0] ?? '');
    const projectList = hrefs.every((href) => /^[^?]*\/$|^[A-Za-z0-9._-]+$/.test(href));
    throw new SimpleParseError(
      projectList
        ? `the page lists ${skipped.length} project(s), not files: it is an index root, not a project page`
        : `none of the ${skipped.length} link(s) points to a distribution file: not a Simple API project page`,
    );
  }

  const name = title !== null ? (/^Links for (.+)$/i.exec(title)?.[1]?.trim() ?? null) : null;
  return { name, files, versions: [], apiVersion, skipped };
}
