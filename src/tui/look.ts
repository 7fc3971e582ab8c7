/**
 * How the audit looks on a given terminal: Unicode or ASCII glyphs (by the locale), colour or not
 * (`NO_COLOR`, `TERM=dumb`), and the word that goes with every severity and verdict, so that no
 * meaning is carried by colour alone.
 */
import type { Severity, Verdict } from '../assess/types.js';

export interface Look {
  unicode: boolean;
  color: boolean;
}

/** Unicode when the locale says UTF-8 (LC_ALL, then LC_CTYPE, then LANG, as C programs read them). */
export function lookFor(env: Readonly<Record<string, string | undefined>>): Look {
  const locale = env['LC_ALL'] || env['LC_CTYPE'] || env['LANG'] || '';
  const unicode = /utf-?8/i.test(locale);
  const color = !('NO_COLOR' in env && env['NO_COLOR'] !== '') && env['TERM'] !== 'dumb';
  return { unicode, color };
}

const GLYPHS: Record<Severity, [unicode: string, ascii: string]> = {
  error: ['✖', 'X'],
  warning: ['▲', '!'],
  unknown: ['?', '?'],
  info: ['●', 'i'],
  ok: ['✔', '+'],
};

export const SEVERITY_WORD: Record<Severity, string> = {
  error: 'blocker',
  warning: 'warning',
  unknown: 'not checked',
  info: 'note',
  ok: 'fine',
};

export const SEVERITY_COLOR: Record<Severity, string> = {
  error: 'red',
  warning: 'yellow',
  unknown: 'magenta',
  info: 'cyan',
  ok: 'green',
};

export function glyph(severity: Severity, look: Look): string {
  return GLYPHS[severity][look.unicode ? 0 : 1];
}

/** A verdict in words, for the detail view. */
export const VERDICT_WORDS: Record<Verdict, string> = {
  'pypy-wheel': 'installs a wheel built for this PyPy (a C extension, run through cpyext)',
  'native-wheel': 'installs a compiled wheel built for this interpreter',
  pure: 'pure Python: installs and runs as is',
  'pure-fallback': 'installs as pure Python on PyPy (its C speed-ups are skipped)',
  cffi: 'uses CFFI, which PyPy runs natively',
  'source-build': 'no wheel for this PyPy: pip builds it from source (needs a compiler)',
  'abi-mismatch': 'has PyPy wheels, but for another PyPy ABI',
  'lost-pypy-wheels': 'newer releases have no wheel for this target; an older release does',
  'requires-python': 'no release allows this Python version',
  'no-distribution': 'nothing installable on this target',
  'known-broken': 'installs, but is known not to work on PyPy',
  unknown: 'could not be checked',
};

export const ARROW = { unicode: '→', ascii: '->' } as const;

export function arrow(look: Look): string {
  return look.unicode ? ARROW.unicode : ARROW.ascii;
}
