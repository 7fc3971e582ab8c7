/**
 * HTML character references, enough for index pages: the named references that appear in
 * attribute values and link text (`&gt;=3.8`, `&amp;`, `&quot;` …) and every numeric one.
 */
const NAMED: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: '\u00a0',
  excl: '!',
  num: '#',
  percnt: '%',
  lpar: '(',
  rpar: ')',
  comma: ',',
  period: '.',
  sol: '/',
  colon: ':',
  semi: ';',
  equals: '=',
  quest: '?',
  commat: '@',
  lsqb: '[',
  rsqb: ']',
  lowbar: '_',
  tilde: '~',
  plus: '+',
  ast: '*',
  vert: '|',
  hyphen: '-',
  dash: '-',
  grave: '`',
  lcub: '{',
  rcub: '}',
  Hat: '^',
  bsol: '\\',
  dollar: '$',
};

function fromCodePoint(code: number): string {
  // The HTML parsing rules map NUL, surrogates and out-of-range values to U+FFFD.
  if (!Number.isFinite(code) || code <= 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) {
    return '\ufffd';
  }
  return String.fromCodePoint(code);
}

/** Decode character references in attribute values and text. Unknown names are left as written. */
export function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(#[xX][0-9a-fA-F]+|#[0-9]+|[A-Za-z][A-Za-z0-9]*);?/g, (whole, body: string) => {
    if (body.startsWith('#x') || body.startsWith('#X')) return fromCodePoint(Number.parseInt(body.slice(2), 16));
    if (body.startsWith('#')) return fromCodePoint(Number.parseInt(body.slice(1), 10));
    const named = NAMED[body] ?? NAMED[body.toLowerCase()];
    // Without the `;` only the classic entities are recognised (as browsers do for legacy pages).
    if (named === undefined) return whole;
    if (!whole.endsWith(';') && !['amp', 'lt', 'gt', 'quot', 'nbsp'].includes(body.toLowerCase())) return whole;
    return named;
  });
}
