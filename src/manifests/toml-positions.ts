/**
 * Where each value of a TOML document is written. smol-toml returns plain data without positions,
 * so this scanner walks the same text a second time (after smol-toml has accepted it) and records,
 * for every key path, the span of its key and of its value. String values are recorded by their
 * content, so a requirement's column is that of its first character.
 */
import { LineMap } from './source-text.js';
import type { SourceLocation } from './types.js';

export type TomlPath = readonly (string | number)[];

export interface TomlSpan {
  keyStart: number;
  keyEnd: number;
  valueStart: number;
  valueEnd: number;
}

/**
 * One key of the document and what is known below it. A tree rather than a map keyed by the whole
 * path: a header with 100,000 dotted parts then costs 100,000 steps, not 100,000 keys of growing
 * length.
 */
class PathNode {
  // The span as four numbers (keyStart -1: none), not an object per value: fewer allocations on
  // a document of a hundred thousand values.
  private keyStart = -1;
  private keyEnd = 0;
  private valueStart = 0;
  private valueEnd = 0;
  /** For an array of tables: the index of its current (last) element. */
  current: number | undefined;
  private keys: Map<string, PathNode> | undefined;
  private items: PathNode[] | undefined;

  child(key: string | number): PathNode {
    if (typeof key === 'number') {
      this.items ??= [];
      return (this.items[key] ??= new PathNode());
    }
    this.keys ??= new Map();
    let node = this.keys.get(key);
    if (!node) {
      node = new PathNode();
      this.keys.set(key, node);
    }
    return node;
  }

  find(key: string | number): PathNode | undefined {
    return typeof key === 'number' ? this.items?.[key] : this.keys?.get(key);
  }

  get span(): TomlSpan | undefined {
    return this.keyStart === -1 ? undefined : { keyStart: this.keyStart, keyEnd: this.keyEnd, valueStart: this.valueStart, valueEnd: this.valueEnd };
  }

  record(keyStart: number, keyEnd: number, valueStart: number, valueEnd: number): void {
    this.keyStart = keyStart;
    this.keyEnd = keyEnd;
    this.valueStart = valueStart;
    this.valueEnd = valueEnd;
  }
}

/**
 * Keys, key parts, values and tables one TOML manifest may hold. Real locks hold about 25 per KB,
 * so a real 5 MB lock about 125,000; a header of 2.6 million dotted parts or a million tiny
 * tables is refused before smol-toml spends seconds on it.
 */
export const MAX_TOML_ITEMS = 250_000;

class TooLarge extends Error {}

export class TomlPositions {
  private readonly root = new PathNode();
  readonly lines: LineMap;
  /** Where the scan passed MAX_TOML_ITEMS, or null. */
  readonly tooLargeAt: number | null = null;

  constructor(readonly text: string, readonly file: string) {
    this.lines = new LineMap(text);
    const scanner = new Scanner(text, this.root);
    try {
      scanner.run();
    } catch (error) {
      // A scanner gap only costs precision (the locations fall back to the nearest recorded
      // ancestor); readToml runs this before smol-toml, which has the last word on syntax.
      if (error instanceof TooLarge) this.tooLargeAt = scanner.position;
    }
  }

  span(path: TomlPath): TomlSpan | undefined {
    let node: PathNode | undefined = this.root;
    for (const key of path) {
      node = node.find(key);
      if (!node) return undefined;
    }
    return node.span;
  }

  /** Location of the value at `path` (a string's content), else of the nearest recorded ancestor. */
  value(path: TomlPath): SourceLocation {
    let node: PathNode | undefined = this.root;
    let nearest: TomlSpan | undefined = this.root.span;
    let exact = path.length === 0;
    for (let i = 0; i < path.length && node; i++) {
      node = node.find(path[i]!);
      const span = node?.span;
      if (span) {
        nearest = span;
        exact = i === path.length - 1;
      }
    }
    if (!nearest) return { file: this.file, line: 1, column: 1, endLine: 1, endColumn: 1 };
    return exact ? this.lines.location(this.file, nearest.valueStart, nearest.valueEnd) : this.lines.location(this.file, nearest.keyStart, nearest.keyEnd);
  }

  /** Location of the key at `path` (for tables such as `requests = { version = "…" }`). */
  key(path: TomlPath): SourceLocation {
    const s = this.span(path);
    return s ? this.lines.location(this.file, s.keyStart, s.keyEnd) : this.value(path);
  }
}

const BARE_KEY = /[A-Za-z0-9_-]/;

class Scanner {
  private pos = 0;
  private items = 0;

  constructor(
    private readonly text: string,
    private readonly root: PathNode,
  ) {}

  get position(): number {
    return this.pos;
  }

  /** One more key part, value or table; past MAX_TOML_ITEMS the scan stops. */
  private count(): void {
    if (++this.items > MAX_TOML_ITEMS) throw new TooLarge();
  }

  run(): void {
    let table = this.root;
    for (;;) {
      this.skipBlank(true);
      if (this.pos >= this.text.length) return;
      if (this.text[this.pos] === '[') {
        const start = this.pos;
        const isArray = this.text[this.pos + 1] === '[';
        this.pos += isArray ? 2 : 1;
        this.skipBlank(false);
        const keys = this.parseKey();
        this.skipBlank(false);
        this.pos += isArray ? 2 : 1;
        this.count();
        table = this.resolveHeader(keys, isArray);
        table.record(start, this.pos, start, this.pos);
      } else {
        const keys = this.parseKey();
        const first = keys[0]!;
        const last = keys[keys.length - 1]!;
        this.skipBlank(false);
        if (this.text[this.pos] !== '=') throw new Error('expected =');
        this.pos++;
        this.skipBlank(false);
        this.parseValue(below(table, keys), first.start, last.end);
      }
    }
  }

  /** A header's node: each part that names an array of tables continues in its current element. */
  private resolveHeader(keys: { name: string }[], isArray: boolean): PathNode {
    let node = this.root;
    keys.forEach(({ name }, i) => {
      node = node.child(name);
      if (isArray && i === keys.length - 1) {
        node.current = (node.current ?? -1) + 1;
        node = node.child(node.current);
      } else if (node.current !== undefined) {
        node = node.child(node.current);
      }
    });
    return node;
  }

  /** Whitespace and comments; newlines too when `newlines`. */
  private skipBlank(newlines: boolean): void {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t[this.pos]!;
      if (c === ' ' || c === '\t' || (newlines && (c === '\n' || c === '\r'))) this.pos++;
      else if (c === '#') {
        while (this.pos < t.length && t[this.pos] !== '\n') this.pos++;
      } else return;
    }
  }

  private parseKey(): { name: string; start: number; end: number }[] {
    const keys: { name: string; start: number; end: number }[] = [];
    for (;;) {
      this.skipBlank(false);
      const start = this.pos;
      const c = this.text[this.pos];
      let name: string;
      if (c === '"' || c === "'") {
        const s = this.parseString();
        name = c === '"' ? unescapeBasic(this.text.slice(s.contentStart, s.contentEnd)) : this.text.slice(s.contentStart, s.contentEnd);
      } else {
        while (this.pos < this.text.length && BARE_KEY.test(this.text[this.pos]!)) this.pos++;
        if (this.pos === start) throw new Error('expected key');
        name = this.text.slice(start, this.pos);
      }
      this.count();
      keys.push({ name, start, end: this.pos });
      this.skipBlank(false);
      if (this.text[this.pos] !== '.') return keys;
      this.pos++;
    }
  }

  private parseString(): { contentStart: number; contentEnd: number } {
    const t = this.text;
    const q = t[this.pos]!;
    const triple = t.startsWith(q.repeat(3), this.pos);
    if (triple) {
      this.pos += 3;
      // A newline right after the opening delimiter is not part of the value.
      if (t[this.pos] === '\n') this.pos++;
      else if (t[this.pos] === '\r' && t[this.pos + 1] === '\n') this.pos += 2;
      const contentStart = this.pos;
      while (this.pos < t.length) {
        if (q === '"' && t[this.pos] === '\\') {
          this.pos += 2;
          continue;
        }
        if (t.startsWith(q.repeat(3), this.pos)) {
          // Up to two quotes may precede the closing delimiter as content (`""""x"""""`).
          let end = this.pos;
          while (t[end + 3] === q && end - this.pos < 2) end++;
          this.pos = end + 3;
          return { contentStart, contentEnd: end };
        }
        this.pos++;
      }
      throw new Error('unterminated string');
    }
    this.pos++;
    const contentStart = this.pos;
    while (this.pos < t.length && t[this.pos] !== q && t[this.pos] !== '\n') {
      if (q === '"' && t[this.pos] === '\\') this.pos++;
      this.pos++;
    }
    const contentEnd = this.pos;
    this.pos++;
    return { contentStart, contentEnd };
  }

  private parseValue(node: PathNode, keyStart: number, keyEnd: number): void {
    this.count();
    const t = this.text;
    const c = t[this.pos];
    const valueStart = this.pos;
    if (c === '"' || c === "'") {
      const s = this.parseString();
      node.record(keyStart, keyEnd, s.contentStart, s.contentEnd);
      return;
    }
    if (c === '[') {
      this.pos++;
      for (let index = 0; ; index++) {
        this.skipBlank(true);
        if (t[this.pos] === ']') break;
        const elementStart = this.pos;
        this.parseValue(node.child(index), elementStart, elementStart);
        this.skipBlank(true);
        if (t[this.pos] === ',') this.pos++;
        else if (t[this.pos] !== ']') throw new Error('expected , or ]');
      }
      this.pos++;
    } else if (c === '{') {
      this.pos++;
      for (;;) {
        this.skipBlank(true);
        if (t[this.pos] === '}') break;
        const keys = this.parseKey();
        this.skipBlank(false);
        if (t[this.pos] !== '=') throw new Error('expected =');
        this.pos++;
        this.skipBlank(false);
        this.parseValue(below(node, keys), keys[0]!.start, keys[keys.length - 1]!.end);
        this.skipBlank(true);
        if (t[this.pos] === ',') this.pos++;
        else if (t[this.pos] !== '}') throw new Error('expected , or }');
      }
      this.pos++;
    } else {
      while (this.pos < t.length && !',]}#\n\r'.includes(t[this.pos]!)) this.pos++;
      let end = this.pos;
      while (end > valueStart && (t[end - 1] === ' ' || t[end - 1] === '\t')) end--;
      node.record(keyStart, keyEnd, valueStart, end);
      return;
    }
    // For arrays and inline tables an element's "key" is the value itself.
    node.record(keyStart === keyEnd ? valueStart : keyStart, keyStart === keyEnd ? this.pos : keyEnd, valueStart, this.pos);
  }
}

/** The node of a dotted key below `node` (dotted keys never step into an array of tables). */
function below(node: PathNode, keys: { name: string }[]): PathNode {
  let n = node;
  for (const k of keys) n = n.child(k.name);
  return n;
}

function unescapeBasic(s: string): string {
  return s.replace(/\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)/g, (_, e: string) => {
    if (e[0] === 'u' || e[0] === 'U') return String.fromCodePoint(parseInt(e.slice(1), 16));
    return ({ n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', e: '\u001b' } as Record<string, string>)[e] ?? e;
  });
}
