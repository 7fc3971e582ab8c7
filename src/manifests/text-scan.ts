/**
 * Small scans over manifest text that used to be regular expressions with adjacent or nested
 * quantifiers over the same characters (`(^|\s+)#.*$`, `\[[^\]]*\]$`, `\s*(\[…\])?\s*@`,
 * `[#?].*$` …). Each of those retries at every position of a long run, which makes a line of
 * 200,000 spaces or brackets quadratic. Every function here looks at each character a bounded
 * number of times.
 */

/** JavaScript's `\s` (and `String.prototype.trim`'s) whitespace, by code unit. */
export function isSpaceCode(c: number): boolean {
  if (c <= 0x20) return c === 0x20 || (c >= 0x09 && c <= 0x0d);
  if (c < 0xa0) return false;
  return (
    c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f ||
    c === 0x205f || c === 0x3000 || c === 0xfeff
  );
}

/**
 * Where pip's comment pattern `(^|\s+)#.*$` starts matching in `s`, or -1: the first `#` that opens
 * the text or follows whitespace, moved back over that whitespace. With `atStart` false the `^`
 * alternative is left out (setuptools' `\s+#.*$`).
 */
export function commentStart(s: string, atStart = true): number {
  let runStart = -1;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x23 /* # */) {
      if (runStart !== -1) return runStart;
      if (i === 0 && atStart) return 0;
    }
    if (isSpaceCode(c)) {
      if (runStart === -1) runStart = i;
    } else {
      runStart = -1;
    }
  }
  return -1;
}

/** `s` up to the first of `chars` (the whole of `s` when none occurs): `s.replace(/[#?].*$/s, '')`. */
export function cutAtFirst(s: string, chars: string): string {
  for (let i = 0; i < s.length; i++) if (chars.includes(s[i]!)) return s.slice(0, i);
  return s;
}

/** `s` without the run of `chars` at its end: `s.replace(/[\\/]+$/, '')`. */
export function trimEndOf(s: string, chars: string): string {
  let end = s.length;
  while (end > 0 && chars.includes(s[end - 1]!)) end--;
  return s.slice(0, end);
}

/** A `[…]` group (without `]` inside) that ends `s`, as `/\[([^\]]*)\]$/` finds it, or null. */
export function trailingBracketGroup(s: string): { index: number; inner: string } | null {
  // The text ends with "]", and the group opens at the first "[" after the "]" before that one.
  const n = s.length;
  if (n < 2 || s.charCodeAt(n - 1) !== 0x5d) return null;
  const previousClose = s.lastIndexOf(']', n - 2);
  const open = s.indexOf('[', previousClose + 1);
  if (open === -1 || open > n - 2) return null;
  return { index: open, inner: s.slice(open + 1, n - 1) };
}

const isAlnum = (c: number): boolean => (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
const isNameCode = (c: number): boolean => isAlnum(c) || c === 0x2e || c === 0x5f || c === 0x2d;

/**
 * Whether `s` starts `name [extras] @` (PEP 508's direct-reference form), as
 * `^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?\s*(?:\[[^\]]*\])?\s*@` does; with `strictName` false
 * the name may end in `.`, `_` or `-` (`^[A-Za-z0-9][A-Za-z0-9._-]*…`).
 */
export function startsWithNameAt(s: string, strictName = true): boolean {
  const n = s.length;
  if (n === 0 || !isAlnum(s.charCodeAt(0))) return false;
  let i = 1;
  while (i < n && isNameCode(s.charCodeAt(i))) i++;
  if (strictName && !isAlnum(s.charCodeAt(i - 1))) return false;
  while (i < n && isSpaceCode(s.charCodeAt(i))) i++;
  if (s.charCodeAt(i) === 0x5b /* [ */) {
    const close = s.indexOf(']', i + 1);
    if (close === -1) return false;
    i = close + 1;
    while (i < n && isSpaceCode(s.charCodeAt(i))) i++;
  }
  return s.charCodeAt(i) === 0x40 /* @ */;
}

/** Offsets of `s` at which a line starts (`\r\n`, `\n` and a lone `\r` end a line), first one 0. */
export function lineStarts(s: string): number[] {
  const starts = [0];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x0a) starts.push(i + 1);
    else if (c === 0x0d && s.charCodeAt(i + 1) !== 0x0a) starts.push(i + 1);
  }
  return starts;
}
