/**
 * The interactive audit, driven key by key through ink with a fake terminal whose size the test
 * sets (and changes, for resize). The report is a real scan of the bundled demo against the local
 * index; the 1,000-package list is built from it.
 */
import { EventEmitter } from 'node:events';
import { render } from 'ink';
import { render as renderInTest } from 'ink-testing-library';
import React from 'react';
import { beforeAll, describe, expect, it } from 'vitest';
import { bottomLine } from '../../src/report/bottom-line.js';
import type { ScanProgress } from '../../src/scan/scan.js';
import type { Finding, ScanResult } from '../../src/scan/types.js';
import { Audit, type AuditProps } from '../../src/tui/audit.js';
import { lookFor } from '../../src/tui/look.js';
import { scanDemo } from '../support/demo.js';

class FakeStdout extends EventEmitter {
  isTTY = true;
  frames: string[] = [];
  constructor(
    public columns: number,
    public rows: number,
  ) {
    super();
  }
  write = (frame: string): boolean => {
    this.frames.push(frame);
    return true;
  };
  resize(columns: number, rows: number): void {
    this.columns = columns;
    this.rows = rows;
    this.emit('resize');
  }
}

class FakeStdin extends EventEmitter {
  isTTY = true;
  private data: string | null = null;
  write(data: string): void {
    this.data = data;
    this.emit('readable');
    this.emit('data', data);
  }
  read = (): string | null => {
    const { data } = this;
    this.data = null;
    return data;
  };
  setEncoding(): void {}
  setRawMode(): void {}
  resume(): void {}
  pause(): void {}
  ref(): void {}
  unref(): void {}
}

const KEY = { up: '\u001b[A', down: '\u001b[B', enter: '\r', escape: '\u001b', tab: '\t', pageDown: '\u001b[6~', pageUp: '\u001b[5~', backspace: '\u007f' } as const;

let demo: ScanResult;

beforeAll(async () => {
  demo = await scanDemo();
});

interface Session {
  frame(): string;
  lines(): string[];
  press(...keys: string[]): Promise<void>;
  stdout: FakeStdout;
  events: string[];
  rerender(props: Partial<AuditProps>): void;
  unmount(): void;
}

const tick = () => new Promise((r) => setTimeout(r, 5));

/**
 * After a key: until the audit has drawn a new frame, or 300 ms (a key that changes nothing draws
 * nothing). A fixed pause was too short on a loaded machine.
 */
async function settled(drawn: () => boolean): Promise<void> {
  const deadline = Date.now() + 300;
  do await tick();
  while (!drawn() && Date.now() < deadline);
  await tick();
}

/**
 * The audit in ink-testing-library (a 100-column terminal; the audit takes 24 rows when the
 * terminal does not say), or, when a test sets the size, in a fake terminal of that size whose
 * size it can change.
 */
async function open(result: ScanResult | null, options: { columns?: number; rows?: number; env?: Record<string, string>; progress?: ScanProgress } = {}): Promise<Session> {
  const sized = options.columns !== undefined || options.rows !== undefined;
  const stdout = new FakeStdout(options.columns ?? 100, options.rows ?? 30);
  const stdin = new FakeStdin();
  const events: string[] = [];
  const base: AuditProps = {
    paths: ['fixtures/demo-django'],
    progress: options.progress ?? null,
    result,
    summaries: result ? bottomLine(result) : [],
    look: { unicode: true, color: false, ...(options.env?.['LANG'] === 'C' ? { unicode: false } : {}) },
    version: '0.1.0',
    onEditor: (file, line) => events.push(`editor ${file}:${line}`),
    onQuit: () => events.push('quit'),
    onInterrupt: () => events.push('interrupt'),
  };
  let props = base;
  if (!sized) {
    const library = renderInTest(<Audit {...props} />);
    await tick();
    return {
      stdout,
      events,
      frame: () => library.lastFrame() ?? '',
      lines: () => (library.lastFrame() ?? '').split('\n'),
      press: async (...keys) => {
        for (const key of keys) {
          const before = library.frames.length;
          library.stdin.write(key);
          await settled(() => library.frames.length > before);
        }
      },
      rerender: (patch) => {
        props = { ...props, ...patch };
        library.rerender(<Audit {...props} />);
      },
      unmount: () => library.unmount(),
    };
  }
  const instance = render(<Audit {...props} />, { stdout: stdout as never, stdin: stdin as never, debug: true, exitOnCtrlC: false, patchConsole: false });
  await tick();
  return {
    stdout,
    events,
    frame: () => stdout.frames.at(-1) ?? '',
    lines: () => (stdout.frames.at(-1) ?? '').split('\n'),
    press: async (...keys) => {
      for (const key of keys) {
        const before = stdout.frames.length;
        stdin.write(key);
        await settled(() => stdout.frames.length > before);
      }
    },
    rerender: (patch) => {
      props = { ...props, ...patch };
      instance.rerender(<Audit {...props} />);
    },
    unmount: () => instance.unmount(),
  };
}

const targetOf = (result: ScanResult, i: number) => result.targets[i]!.id;
/** The tab label of a target (the demo's targets share a platform: tabs name the interpreter). */
const tabOf = (result: ScanResult, i: number) => result.targets[i]!.interpreter;
/** The package names of the list rows on the screen, in order. */
const rowNames = (s: Session): string[] => s.lines().flatMap((l) => /^[> ] \S (\S+) /.exec(l)?.slice(1, 2) ?? []);
const findingsOn = (result: ScanResult, target: string): Finding[] => result.findings.filter((f) => f.target === target);
const selectedLine = (s: Session): string => s.lines().find((l) => l.startsWith('> ')) ?? '';

describe('the interactive audit', () => {
  it('while scanning, shows each stage: manifests, packages resolved, requests, the package being fetched, elapsed time', async () => {
    const s = await open(null, { progress: { stage: 'resolving', manifests: 3, projects: 1, resolved: 7, total: 19, requests: 12, inFlight: 4, cacheHits: 2, current: 'django', elapsedMs: 1234 } });
    expect(s.lines()).toEqual([
      'pypy-ready: scanning fixtures/demo-django',
      'manifests  3 read, 1 project(s)',
      'packages   7 of 19 resolved (all targets)',
      'requests   12 sent, 4 in flight, 2 from the cache',
      'fetching   django',
      'elapsed    1.2 s',
    ]);
    await s.press('q'); // keys wait for the report
    expect(s.events).toEqual([]);
    s.unmount();
  });

  it('opens on the first target: its bottom line, a summary bar, and the list grouped by severity, worst first', async () => {
    const s = await open(demo);
    const target = targetOf(demo, 0);
    const lines = s.lines();
    expect(lines[0]).toContain(`[${tabOf(demo, 0)}]`);
    expect(lines.join('\n')).toContain(bottomLine(demo).find((b) => b.target === target)!.sentence.slice(0, 40));
    const own = findingsOn(demo, target);
    const blockers = own.filter((f) => f.severity === 'error').length;
    expect(lines.some((l) => l.includes(`✖ ${blockers} ${blockers === 1 ? 'blocker' : 'blockers'}`))).toBe(true);
    // Headings appear in severity order, each with its count.
    const headings = lines.filter((l) => /^(Blockers|Warnings|Not checked|Notes|Fine) \(\d+\)$/.test(l) || /^Notes \(cpyext and other\) \(\d+\)$/.test(l));
    const order = ['Blockers', 'Warnings', 'Not checked', 'Notes', 'Fine'];
    const seen = headings.map((h) => order.findIndex((o) => h.startsWith(o)));
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(selectedLine(s)).toContain('✖'); // the first row is the worst finding
    s.unmount();
  });

  it('moves with j/k and the arrows, pages with PgDn/PgUp, jumps with g/G; the selection is marked with > (and reverse video on a real terminal: see pty.test.ts)', async () => {
    const s = await open(demo, { rows: 14 });
    const own = findingsOn(demo, targetOf(demo, 0));
    const first = selectedLine(s);
    await s.press('j');
    const second = selectedLine(s);
    expect(second).not.toBe(first);
    await s.press(KEY.up);
    expect(selectedLine(s)).toBe(first);
    await s.press('G');
    const last = selectedLine(s);
    await s.press('g');
    expect(selectedLine(s)).toBe(first);
    for (let i = 0; i < own.length; i++) await s.press(KEY.pageDown);
    expect(selectedLine(s)).toBe(last); // pages stop at the end
    await s.press(KEY.pageUp);
    expect(selectedLine(s)).not.toBe(last);
    expect(own.length).toBeGreaterThan(5);
    expect(s.lines().filter((l) => l.startsWith('> '))).toHaveLength(1);
    s.unmount();
  });

  it('enter opens the detail (verdict in words, evidence, file, manifest line, chain, where the code imports it, suggestion); esc goes back to the same row', async () => {
    const s = await open(demo);
    const selected = selectedLine(s);
    const f = findingsOn(demo, targetOf(demo, 0)).find((x) => selected.includes(` ${x.name} `))!;
    await s.press(KEY.enter);
    const detail = s.frame();
    expect(detail).toContain(`${f.name} ${f.version ?? ''} on ${f.target}`);
    expect(detail).toContain(`(${f.verdict})`);
    expect(detail).toContain(`Declared at: ${f.locations[0]!.file}:${f.locations[0]!.line}`);
    expect(detail).toContain(`Pulled in by: ${f.via.length ? f.via[0] : 'a direct requirement'}`);
    // The first row is orjson, which fixtures/demo-django/ledger/serialize.py imports under try/except ImportError.
    expect(f.name).toBe('orjson');
    expect(detail).toContain('Used in: other ledger/serialize.py:3 (optional)');
    expect(detail).toContain('Evidence:');
    expect(detail).toContain(f.evidence[0]!.slice(0, 30));
    if (f.suggestion) expect(detail).toContain('Suggestion:');
    await s.press(KEY.escape);
    expect(selectedLine(s)).toBe(selected);
    s.unmount();
  });

  it('/ filters by name as you type; esc clears it', async () => {
    const s = await open(demo);
    await s.press('/', 'd', 'j', 'a');
    const rows = rowNames(s);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((name) => name.includes('dja')), rows.join(' ')).toBe(true);
    expect([...rows].sort()).toEqual([...new Set(findingsOn(demo, targetOf(demo, 0)).map((f) => f.name).filter((n) => n.includes('dja')))].sort());
    expect(s.frame()).toContain('/dja_');
    await s.press(KEY.backspace, KEY.backspace, KEY.backspace, 'z', 'z', 'z', 'z');
    expect(s.frame()).toContain('no package matches "zzzz"');
    await s.press(KEY.escape);
    expect(s.frame()).not.toContain('zzzz');
    expect(rowNames(s).length).toBeGreaterThan(rows.length);
    s.unmount();
  });

  it('tab and t switch the target: the tabs, the bottom line and the list follow', async () => {
    expect(demo.targets.length).toBe(2);
    const s = await open(demo);
    await s.press(KEY.tab);
    const second = targetOf(demo, 1);
    expect(s.lines()[0]).toContain(`[${tabOf(demo, 1)}]`);
    expect(s.frame()).toContain(bottomLine(demo).find((b) => b.target === second)!.sentence.slice(0, 40));
    await s.press('t');
    expect(s.lines()[0]).toContain(`[${tabOf(demo, 0)}]`);
    s.unmount();
  });

  it('with several targets, the list shows them side by side: a verdict column per target under a heading naming them', async () => {
    const s = await open(demo, { columns: 140, rows: 40 });
    const lines = s.lines();
    const heading = lines.find((l) => l.includes(tabOf(demo, 0)) && l.includes(tabOf(demo, 1)) && !l.startsWith('pypy-ready'));
    expect(heading?.trim().split(/\s+/)).toEqual(demo.targets.map((t) => t.interpreter));
    // lxml: a PyPy wheel on 7.3, only pp73 wheels (abi-mismatch) on 8.0, in the same row.
    const lxml = demo.targets.map((t) => demo.findings.find((f) => f.name === 'lxml' && f.target === t.id)?.verdict);
    expect(lxml).toEqual(['pypy-wheel', 'abi-mismatch']);
    const row = lines.find((l) => / lxml /.test(l));
    expect(row).toMatch(/lxml \S+\s+pypy-wheel\s+abi-mismatch\s+\S+:\d+/);
    s.unmount();
  });

  it('a shows the advice drawn from the findings, as the reports end with it; any key goes back', async () => {
    const s = await open(demo, { columns: 120, rows: 60 });
    expect(demo.advice?.length).toBeGreaterThan(1);
    await s.press('a');
    const frame = s.lines().map((l) => l.trim()).join(' ');
    expect(s.lines()[0]).toBe('Advice');
    // Each statement's start is on the screen, the blockers' first (it names them).
    for (const advice of demo.advice!) expect(frame).toContain(`- ${advice.text.slice(0, 40)}`);
    expect(demo.advice![0]!.text).toMatch(/orjson|psycopg2-binary/);
    await s.press('x');
    expect(s.lines()[0]).toMatch(/^pypy-ready /);
    s.unmount();
  });

  it('s cycles the sort: by severity (with headings), by name, by verdict', async () => {
    const s = await open(demo);
    await s.press('s');
    expect(s.frame()).toContain('sorted by name');
    const names = rowNames(s);
    expect(names.length).toBeGreaterThan(5);
    expect(names).toEqual([...names].sort((a, b) => a.localeCompare(b)));
    expect(s.frame()).not.toMatch(/^Blockers \(/m);
    await s.press('s');
    expect(s.frame()).toContain('sorted by verdict');
    await s.press('s');
    expect(s.frame()).toContain('sorted by severity');
    s.unmount();
  });

  it('? shows the keys; any key goes back; q quits; e asks for the editor at the manifest line; Ctrl-C interrupts', async () => {
    const s = await open(demo);
    await s.press('?');
    expect(s.frame()).toContain('open $EDITOR at the manifest line');
    await s.press('x');
    expect(s.frame()).not.toContain('open $EDITOR at the manifest line');
    const f = findingsOn(demo, targetOf(demo, 0)).find((x) => selectedLine(s).includes(` ${x.name} `))!;
    await s.press('e');
    await s.press('\u0003');
    await s.press('q');
    expect(s.events).toEqual([`editor ${f.locations[0]!.file}:${f.locations[0]!.line}`, 'interrupt', 'quit']);
    s.unmount();
  });

  it('fits the terminal: no line wider than the window, never as many lines as it has rows; redraws on resize; hints hidden when short', async () => {
    const s = await open(demo, { columns: 80, rows: 24 });
    const check = (columns: number, rows: number) => {
      const lines = s.lines();
      expect(lines.length).toBeLessThan(rows);
      for (const line of lines) expect(line.replace(/\u001b\[[0-9;]*m/g, '').length).toBeLessThan(columns);
    };
    check(80, 24);
    expect(s.frame()).toContain('q quit');
    s.stdout.resize(50, 10);
    await tick();
    check(50, 10);
    expect(s.frame()).not.toContain('q quit');
    s.stdout.resize(120, 40);
    await tick();
    check(120, 40);
    await s.press(KEY.enter);
    s.stdout.resize(40, 8);
    await tick();
    check(40, 8);
    s.unmount();
  });

  it('ASCII glyphs when the locale is not UTF-8; every verdict has a word, not only a colour', async () => {
    const s = await open(demo, { env: { LANG: 'C' } });
    expect(s.frame()).not.toMatch(/[✖▲●✔→↑↓]/);
    expect(s.frame()).toMatch(/X \d+ blockers?/);
    await s.press(KEY.enter);
    expect(s.frame()).toMatch(/: [X!?i+] (blocker|warning|not checked|note|fine)/);
    s.unmount();
  });

  it('a 1,000-package list draws one window of rows, and the last package is reached with G', async () => {
    const template = findingsOn(demo, targetOf(demo, 0))[0]!;
    const many: ScanResult = {
      ...demo,
      findings: Array.from({ length: 1000 }, (_, i) => ({ ...template, name: `pkg-${String(i).padStart(4, '0')}`, severity: i % 7 === 0 ? 'error' : 'ok' }) as Finding),
    };
    const s = await open(many, { rows: 30 });
    expect(s.lines().length).toBeLessThan(30);
    await s.press('G');
    const okLast = many.findings.filter((f) => f.severity === 'ok').at(-1)!.name;
    expect(selectedLine(s)).toContain(okLast);
    expect(s.lines().length).toBeLessThan(30);
    s.unmount();
  });

  it('screen-reader mode (INK_SCREEN_READER) gives linear text: the progress as one labelled line', async () => {
    const stdout = new FakeStdout(100, 30);
    const instance = render(
      <Audit paths={['.']} progress={{ stage: 'resolving', manifests: 1, projects: 1, resolved: 2, total: 5, requests: 3, inFlight: 1, cacheHits: 0, current: 'django', elapsedMs: 500 }} result={null} summaries={[]} look={{ unicode: true, color: false }} version="0.1.0" onEditor={() => {}} onQuit={() => {}} onInterrupt={() => {}} />,
      { stdout: stdout as never, stdin: new FakeStdin() as never, debug: true, exitOnCtrlC: false, patchConsole: false, isScreenReaderEnabled: true },
    );
    await tick();
    expect(stdout.frames.at(-1)).toContain('progressbar: pypy-ready: scanning .; manifests  1 read, 1 project(s); packages   2 of 5 resolved (all targets)');
    instance.unmount();
  });
});

describe('the look follows the terminal', () => {
  it.each([
    [{ LANG: 'en_US.UTF-8' }, { unicode: true, color: true }],
    [{ LC_ALL: 'C', LANG: 'en_US.UTF-8' }, { unicode: false, color: true }],
    [{ LC_CTYPE: 'de_DE.utf8' }, { unicode: true, color: true }],
    [{}, { unicode: false, color: true }],
    [{ LANG: 'C.UTF-8', NO_COLOR: '1' }, { unicode: true, color: false }],
    [{ LANG: 'C.UTF-8', NO_COLOR: '' }, { unicode: true, color: true }],
    [{ LANG: 'C.UTF-8', TERM: 'dumb' }, { unicode: true, color: false }],
  ])('%j', (env, look) => {
    expect(lookFor(env)).toEqual(look);
  });
});
