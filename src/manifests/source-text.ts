/**
 * Turning untrusted bytes into text, and text offsets into 1-based line/column positions.
 */
import type { SourceLocation } from './types.js';

export type DecodeResult = { ok: true; text: string } | { ok: false; message: string; line: number };

/**
 * Manifests are UTF-8 (pip also honours UTF-16 BOMs). Anything with NUL bytes or invalid UTF-8 is
 * refused as binary rather than parsed into nonsense requirements.
 */
export function decodeManifest(bytes: Uint8Array): DecodeResult {
  let encoding: 'utf-8' | 'utf-16le' | 'utf-16be' = 'utf-8';
  if (bytes[0] === 0xff && bytes[1] === 0xfe) encoding = 'utf-16le';
  else if (bytes[0] === 0xfe && bytes[1] === 0xff) encoding = 'utf-16be';
  if (encoding === 'utf-8') {
    const nul = bytes.indexOf(0);
    if (nul !== -1) return { ok: false, message: 'binary content (NUL byte), not a text manifest', line: lineOfByte(bytes, nul) };
  }
  try {
    // The decoder drops a leading BOM, so "\ufeffrequests" never becomes a project name.
    const text = new TextDecoder(encoding, { fatal: true }).decode(bytes);
    if (encoding !== 'utf-8' && text.includes('\u0000')) {
      return { ok: false, message: 'binary content (NUL character), not a text manifest', line: 1 };
    }
    return { ok: true, text };
  } catch {
    return { ok: false, message: `not valid ${encoding.toUpperCase()} text (binary file?)`, line: firstInvalidUtf8Line(bytes) };
  }
}

function lineOfByte(bytes: Uint8Array, index: number): number {
  let line = 1;
  for (let i = 0; i < index; i++) if (bytes[i] === 0x0a) line++;
  return line;
}

function firstInvalidUtf8Line(bytes: Uint8Array): number {
  // Decode line by line until one fails: good enough to point the user at the right place.
  let start = 0;
  let line = 1;
  const decoder = new TextDecoder('utf-8', { fatal: true });
  for (let i = 0; i <= bytes.length; i++) {
    if (i === bytes.length || bytes[i] === 0x0a) {
      try {
        decoder.decode(bytes.subarray(start, i));
      } catch {
        return line;
      }
      start = i + 1;
      line++;
    }
  }
  return 1;
}

/** Offsets to positions. `\r\n`, `\n` and a lone `\r` each end a line. */
export class LineMap {
  /** Offset at which each line starts; the first is 0. */
  readonly starts: Uint32Array;

  constructor(readonly text: string) {
    // Counted first, then filled: a typed array, not five million pushes onto a JS array.
    let count = 1;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 0x0a || (c === 0x0d && text.charCodeAt(i + 1) !== 0x0a)) count++;
    }
    this.starts = new Uint32Array(count);
    let n = 1;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 0x0a || (c === 0x0d && text.charCodeAt(i + 1) !== 0x0a)) this.starts[n++] = i + 1;
    }
  }

  get lineCount(): number {
    return this.starts.length;
  }

  /** 1-based line and column (UTF-16 code units, as SARIF's default `columnKind`). */
  position(offset: number): { line: number; column: number } {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - this.starts[lo]! + 1 };
  }

  /** Location of `[start, end)`; the end column is exclusive, like SARIF's `endColumn`. */
  location(file: string, start: number, end: number): SourceLocation {
    const a = this.position(start);
    const b = this.position(Math.max(start, end));
    return { file, line: a.line, column: a.column, endLine: b.line, endColumn: b.column };
  }
}
