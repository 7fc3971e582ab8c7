import { WriteStream } from 'node:tty';
import { describe, expect, it } from 'vitest';
import { colorEnabled, DEFAULT_WIDTH, inline, lineWidth, stripControl } from '../../src/report/terminal.js';

// Node's own answer, as `processIO()` wires it from process.stdout (it does not use `this`).
const nodeHasColors = (env: Readonly<Record<string, string | undefined>>): boolean => WriteStream.prototype.hasColors(env);

describe('colorEnabled', () => {
  const tty = (env: Record<string, string>) => colorEnabled({ isTTY: true, hasColors: nodeHasColors, env });
  const piped = (env: Record<string, string>) => colorEnabled({ isTTY: false, hasColors: nodeHasColors, env });

  it('lets the terminal decide: TERM=dumb has no colour, xterm-256color has', () => {
    expect(tty({ TERM: 'dumb' })).toBe(false);
    expect(tty({ TERM: 'xterm-256color' })).toBe(true);
    expect(tty({ TERM: 'xterm' })).toBe(true);
    // TERM=dumb wins over hints that would otherwise mean colour.
    expect(tty({ TERM: 'dumb', TMUX: '/tmp/tmux-0/default,1,0', COLORTERM: 'truecolor' })).toBe(false);
  });

  it('a terminal without a hasColors answer has colour unless TERM=dumb', () => {
    expect(colorEnabled({ isTTY: true, env: {} })).toBe(true);
    expect(colorEnabled({ isTTY: true, env: { TERM: 'xterm' } })).toBe(true);
    expect(colorEnabled({ isTTY: true, env: { TERM: 'dumb' } })).toBe(false);
  });

  it('no colour when piped, whatever the terminal type', () => {
    expect(piped({ TERM: 'xterm-256color' })).toBe(false);
    expect(colorEnabled({ isTTY: false, env: {} })).toBe(false);
    expect(colorEnabled({ isTTY: false, hasColors: () => true, env: { TERM: 'xterm-256color' } })).toBe(false);
  });

  it('NO_COLOR set and non-empty disables colour, FORCE_COLOR too', () => {
    expect(tty({ TERM: 'xterm-256color', NO_COLOR: '1' })).toBe(false);
    expect(tty({ TERM: 'xterm-256color', NO_COLOR: '1', FORCE_COLOR: '1' })).toBe(false);
    expect(piped({ NO_COLOR: 'yes', FORCE_COLOR: '3' })).toBe(false);
  });

  it('an empty NO_COLOR is ignored, on every Node (before Node 24, hasColors alone treats it as set)', () => {
    expect(tty({ TERM: 'xterm-256color', NO_COLOR: '' })).toBe(true);
    const strict = (env: Readonly<Record<string, string | undefined>>) => !('NO_COLOR' in env);
    expect(colorEnabled({ isTTY: true, hasColors: strict, env: { TERM: 'xterm', NO_COLOR: '' } })).toBe(true);
  });

  it('FORCE_COLOR forces colour even when piped or TERM=dumb; 0 and false disable it', () => {
    expect(piped({ FORCE_COLOR: '1' })).toBe(true);
    expect(piped({ FORCE_COLOR: '' })).toBe(true);
    expect(piped({ FORCE_COLOR: '3' })).toBe(true);
    expect(tty({ TERM: 'dumb', FORCE_COLOR: '1' })).toBe(true);
    expect(tty({ TERM: 'xterm-256color', FORCE_COLOR: '0' })).toBe(false);
    expect(tty({ TERM: 'xterm-256color', FORCE_COLOR: 'false' })).toBe(false);
  });

  it('asks the terminal without NO_COLOR and FORCE_COLOR, which it has already settled', () => {
    const seen: Array<Readonly<Record<string, string | undefined>>> = [];
    const spy = (env: Readonly<Record<string, string | undefined>>) => (seen.push(env), true);
    expect(colorEnabled({ isTTY: true, hasColors: spy, env: { TERM: 'xterm', NO_COLOR: '' } })).toBe(true);
    expect(seen).toEqual([{ TERM: 'xterm' }]);
  });
});

describe('lineWidth', () => {
  it('uses the terminal width when there is one, else 100', () => {
    expect(DEFAULT_WIDTH).toBe(100);
    expect(lineWidth(80)).toBe(80);
    expect(lineWidth(213)).toBe(213);
    expect(lineWidth(undefined)).toBe(100);
    // Some pseudo-terminals report 0 columns before a size is set.
    expect(lineWidth(0)).toBe(100);
    expect(lineWidth(Number.NaN)).toBe(100);
  });
});

describe('stripControl and inline', () => {
  it('remove escape sequences and bidi overrides; inline folds newlines', () => {
    expect(stripControl('a\u001b[31mb\u009bc\u202ed\n\te')).toBe('a[31mbcd\n\te');
    expect(inline('a\n\tb')).toBe('a b');
  });
});
