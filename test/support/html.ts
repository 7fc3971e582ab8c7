/**
 * Reading an HTML report back with a parser that is not ours: Python's `html.parser` (the standard
 * library's tokenizer, which follows the HTML spec's rules for raw-text elements, character
 * references and attribute quoting), run as a `python3` subprocess. It builds a tree and refuses
 * what a well-formed report never holds: an end tag that closes another element, an element left
 * open, a duplicate attribute, a comment or processing instruction.
 */
import { execFileSync, spawnSync } from 'node:child_process';

export const hasPython = spawnSync('python3', ['--version'], { encoding: 'utf8' }).status === 0;

export interface HtmlElement {
  tag: string;
  /** Attribute values decoded; `null` for an attribute written without a value. */
  attrs: Record<string, string | null>;
  children: HtmlNode[];
}
export type HtmlNode = HtmlElement | string;

export interface HtmlDocument {
  doctype: string | null;
  root: HtmlElement;
}

const PARSER = String.raw`
import json, sys
from html.parser import HTMLParser

VOID = {'area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'source', 'track', 'wbr'}

class Tree(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.doctype = None
        self.root = {'tag': '#document', 'attrs': {}, 'children': []}
        self.stack = [self.root]

    def handle_decl(self, decl):
        self.doctype = decl

    def handle_starttag(self, tag, attrs):
        element = {'tag': tag, 'attrs': {}, 'children': []}
        for name, value in attrs:
            if name in element['attrs']:
                raise ValueError('duplicate attribute %s on <%s>' % (name, tag))
            element['attrs'][name] = value
        self.stack[-1]['children'].append(element)
        if tag not in VOID:
            self.stack.append(element)

    def handle_startendtag(self, tag, attrs):
        if tag not in VOID:
            raise ValueError('self-closing <%s/>' % tag)
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        top = self.stack[-1]
        if top['tag'] != tag:
            raise ValueError('</%s> closes <%s>' % (tag, top['tag']))
        self.stack.pop()

    def handle_data(self, data):
        self.stack[-1]['children'].append(data)

    def handle_comment(self, data):
        raise ValueError('a comment')

    def handle_pi(self, data):
        raise ValueError('a processing instruction')

    def unknown_decl(self, data):
        raise ValueError('an unknown declaration')

tree = Tree()
tree.feed(sys.stdin.read())
tree.close()
if len(tree.stack) != 1:
    raise ValueError('left open: ' + ' > '.join(e['tag'] for e in tree.stack[1:]))
sys.stdout.write(json.dumps({'doctype': tree.doctype, 'root': tree.root}))
`;

/** Parse a whole document; throws with Python's message when it is not well-formed. */
export function parseHtml(html: string): HtmlDocument {
  const out = execFileSync('python3', ['-c', PARSER], { input: html, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  return JSON.parse(out) as HtmlDocument;
}

const isElement = (node: HtmlNode): node is HtmlElement => typeof node !== 'string';

/** Every element below `from` (depth first, document order) that `keep` accepts. */
export function findAll(from: HtmlElement, keep: (e: HtmlElement) => boolean): HtmlElement[] {
  const out: HtmlElement[] = [];
  const walk = (e: HtmlElement): void => {
    for (const child of e.children) {
      if (!isElement(child)) continue;
      if (keep(child)) out.push(child);
      walk(child);
    }
  };
  walk(from);
  return out;
}

export const byTag = (tag: string) => (e: HtmlElement): boolean => e.tag === tag;
export const byClass = (name: string) => (e: HtmlElement): boolean => (e.attrs['class'] ?? '').split(/\s+/).includes(name);

/** The first match, or an error naming what was looked for. */
export function findOne(from: HtmlElement, keep: (e: HtmlElement) => boolean, what: string): HtmlElement {
  const found = findAll(from, keep)[0];
  if (!found) throw new Error(`no ${what} in the document`);
  return found;
}

/** Elements a browser lays out as blocks or cells: their text is set apart from what is around it. */
const BLOCKS = new Set(['address', 'article', 'aside', 'blockquote', 'caption', 'dd', 'div', 'dl', 'dt', 'fieldset', 'footer', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'header', 'li', 'main', 'nav', 'ol', 'p', 'section', 'table', 'tbody', 'td', 'tfoot', 'th', 'thead', 'tr', 'ul']);

/** Decoded text, block elements set apart by a space and whitespace runs folded (roughly a browser's `innerText` on one line). */
export function textOf(node: HtmlNode): string {
  const raw = (n: HtmlNode): string => {
    if (!isElement(n)) return n;
    const inner = n.children.map(raw).join('');
    return BLOCKS.has(n.tag) ? ` ${inner} ` : inner;
  };
  return raw(node).replace(/\s+/g, ' ').trim();
}

/** The raw text of a raw-text element (`<script>`, `<style>`): exactly what the browser hashes. */
export function rawText(element: HtmlElement): string {
  return element.children.filter((c): c is string => typeof c === 'string').join('');
}
