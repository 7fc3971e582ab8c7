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

export class PackagingError extends Error {
  override readonly name = 'PackagingError';

  constructor(
    readonly kind: PackagingErrorKind,
    message: string,
    /** 0-based offset into the input where the problem was found, when known. */
    readonly offset?: number,
  ) {
    super(oneLine(message));
  }
}
