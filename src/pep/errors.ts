/**
 * Typed errors for invalid packaging input. Every message is a single line that quotes the
 * offending text, so callers can prefix it with `file:line` and show it to a user as is.
 */
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

/** Collapse whitespace and cap length so a hostile input cannot make a multi-line or huge message. */
export function oneLine(text: string, max = 300): string {
  const flat = text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 3)}...` : flat;
}

/** Quote untrusted text for an error message: bounded, escaped, on one line. */
export function quote(text: string, max = 80): string {
  const shown = text.length > max ? `${text.slice(0, max - 3)}...` : text;
  return JSON.stringify(shown);
}
