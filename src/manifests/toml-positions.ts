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

export class TomlPositions {
  private readonly spans = new Map<string, TomlSpan>();
  readonly lines: LineMap;

  constructor(readonly text: string, readonly file: string) {
    this.lines = new LineMap(text);
    try {
      new Scanner(text, this.spans).run();
    } catch {
      // The document was already accepted by smol-toml; a scanner gap only costs precision: the
      // locations fall back to the nearest recorded ancestor.
    }
  }

  span(path: TomlPath): TomlSpan | undefined {
    return this.spans.get(pathKey(path));
  }

  /** Location of the value at `path` (a string's content), else of the nearest recorded ancestor. */
  value(path: TomlPath): SourceLocation {
    for (let n = path.length; n >= 0; n--) {
      const s = this.spans.get(pathKey(path.slice(0, n)));
      if (s) return n === path.length ? this.lines.location(this.file, s.valueStart, s.valueEnd) : this.lines.location(this.file, s.keyStart, s.keyEnd);
    }
    return { file: this.file, line: 1, column: 1, endLine: 1, endColumn: 1 };
  }

  /** Location of the key at `path` (for tables such as `requests = { version = "…" }`). */
  key(path: TomlPath): SourceLocation {
    const s = this.spans.get(pathKey(path));
    return s ? this.lines.location(this.file, s.keyStart, s.keyEnd) : this.value(path);
  }
}

function pathKey(path: TomlPath): string {
  return JSON.stringify(path);
}

const BARE_KEY = /[A-Za-z0-9_-]/;

class Scanner {
  private pos = 0;
  /** Current element index of every array of tables, by resolved path. */
  private readonly arrays = new Map<string, number>();

  constructor(
    private readonly text: string,
    private readonly spans: Map<string, TomlSpan>,
  ) {}

  run(): void {
    let table: (string | number)[] = [];
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
        table = this.resolveHeader(keys.map((k) => k.name), isArray);
        this.record(table, { keyStart: start, keyEnd: this.pos, valueStart: start, valueEnd: this.pos });
      } else {
        const keys = this.parseKey();
        const first = keys[0]!;
        const last = keys[keys.length - 1]!;
        this.skipBlank(false);
        if (this.text[this.pos] !== '=') throw new Error('expected =');
        this.pos++;
        this.skipBlank(false);
        this.parseValue([...table, ...keys.map((k) => k.name)], first.start, last.end);
      }
    }
  }

  private resolveHeader(names: string[], isArray: boolean): (string | number)[] {
    const resolved: (string | number)[] = [];
    names.forEach((name, i) => {
      resolved.push(name);
      const key = pathKey(resolved);
      if (isArray && i === names.length - 1) {
        const next = (this.arrays.get(key) ?? -1) + 1;
        this.arrays.set(key, next);
        resolved.push(next);
      } else {
        const current = this.arrays.get(key);
        if (current !== undefined) resolved.push(current);
      }
    });
    return resolved;
  }

  private record(path: (string | number)[], span: TomlSpan): void {
    this.spans.set(pathKey(path), span);
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

  private parseValue(path: (string | number)[], keyStart: number, keyEnd: number): void {
    const t = this.text;
    const c = t[this.pos];
    const valueStart = this.pos;
    if (c === '"' || c === "'") {
      const s = this.parseString();
      this.record(path, { keyStart, keyEnd, valueStart: s.contentStart, valueEnd: s.contentEnd });
      return;
    }
    if (c === '[') {
      this.pos++;
      for (let index = 0; ; index++) {
        this.skipBlank(true);
        if (t[this.pos] === ']') break;
        const elementStart = this.pos;
        this.parseValue([...path, index], elementStart, elementStart);
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
        this.parseValue([...path, ...keys.map((k) => k.name)], keys[0]!.start, keys[keys.length - 1]!.end);
        this.skipBlank(true);
        if (t[this.pos] === ',') this.pos++;
        else if (t[this.pos] !== '}') throw new Error('expected , or }');
      }
      this.pos++;
    } else {
      while (this.pos < t.length && !',]}#\n\r'.includes(t[this.pos]!)) this.pos++;
      let end = this.pos;
      while (end > valueStart && (t[end - 1] === ' ' || t[end - 1] === '\t')) end--;
      this.record(path, { keyStart, keyEnd, valueStart, valueEnd: end });
      return;
    }
    // For arrays and inline tables an element's "key" is the value itself.
    this.record(path, {
      keyStart: keyStart === keyEnd ? valueStart : keyStart,
      keyEnd: keyStart === keyEnd ? this.pos : keyEnd,
      valueStart,
      valueEnd: this.pos,
    });
  }
}

function unescapeBasic(s: string): string {
  return s.replace(/\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)/g, (_, e: string) => {
    if (e[0] === 'u' || e[0] === 'U') return String.fromCodePoint(parseInt(e.slice(1), 16));
    return ({ n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', e: '\u001b' } as Record<string, string>)[e] ?? e;
  });
}
