/**
 * Typed errors for invalid packaging input. Every message is a single line that quotes the
 * offending text, so callers can prefix it with `file:line` and show it to a user as is.
 */
import { oneLine } from '../safe-text.js';

export type PackagingErrorKind =
  | 'name'
  | 'version'
  | 'specifier'
  | 'requirement'
  | 'marker'
  | 'wheel-filename'
  | 'sdist-filename'
  | 'tag';

/** Bidirectional overrides, isolates and marks: text after them can be shown reordered. */
const BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * A message built from untrusted text, safe to print: one line, bounded, control characters gone
 * (C0 and C1, so no CSI U+009B), bidirectional controls written as `\u` escapes. Used by every
 * parser error here and in src/pypi/, and for the reasons a page entry was skipped.
 */
export function safeMessage(text: string, max = 300): string {
  return oneLine(text.replace(BIDI, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`), max);
}

export class PackagingError extends Error {
  override readonly name = 'PackagingError';

  constructor(
    readonly kind: PackagingErrorKind,
    message: string,
    /** 0-based offset into the input where the problem was found, when known. */
    readonly offset?: number,
  ) {
    super(safeMessage(message));
  }
}
