/**
 * The netrc reader against CPython's own `netrc` module: fixtures/netrc/expected.json is written
 * by fixtures/netrc/generate.py from the hand-made files there and from 1000 generated texts.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeNetrc, loadNetrc, netrcLookup, NetrcSyntaxError, parseNetrc, type NetrcHosts, type NetrcOptions } from '../../src/pypi/auth.js';

type Triple = [string, string, string];
type Outcome = { hosts: Record<string, Triple>; lookups?: Record<string, Triple | null> } | { error: { kind: string } };

interface Expected {
  python: string;
  hosts: string[];
  files: Record<string, Outcome>;
  generated: Array<{ text: string } & Outcome>;
}

const DIR = join(import.meta.dirname, '../../fixtures/netrc');
const expected = JSON.parse(readFileSync(join(DIR, 'expected.json'), 'utf8')) as Expected;
const fileNames = Object.keys(expected.files);

const triple = (entry: { login: string; account: string; password: string } | undefined): Triple | null =>
  entry ? [entry.login, entry.account, entry.password] : null;

function outcome(read: () => NetrcHosts, lookups: string[] | null): Outcome {
  let hosts: NetrcHosts;
  try {
    hosts = read();
  } catch (error) {
    if (error instanceof NetrcSyntaxError) return { error: { kind: error.kind } };
    throw error;
  }
  // Entries in insertion order, as the Python dict keeps them (a duplicate keeps its first place).
  const result: Outcome = { hosts: Object.fromEntries([...hosts].map(([name, entry]) => [name, triple(entry)!])) };
  if (lookups) result.lookups = Object.fromEntries(lookups.map((host) => [host, triple(netrcLookup(hosts, host))]));
  return result;
}

const ofFile = (name: string, options?: NetrcOptions) =>
  outcome(() => parseNetrc(decodeNetrc(readFileSync(join(DIR, name))), options), expected.hosts);

/** What Python wrote, without its messages and line numbers (CPython's line count drifts). */
function pythonOutcome(found: Outcome): Outcome {
  if ('error' in found) return { error: { kind: found.error.kind } };
  return found.lookups ? { hosts: found.hosts, lookups: found.lookups } : { hosts: found.hosts };
}

const A: Triple = ['alice', '', 'pa'];
const C: Triple = ['carol', '', 'pc'];
/**
 * Where we read a file differently from CPython 3.11, on purpose: lines starting with `#` stay
 * comments and macdef bodies run to an empty line (see src/pypi/auth.ts). Each entry is what we
 * read; the test also checks that CPython really reads it otherwise.
 */
const DIFFERENT: Record<string, { hosts: Record<string, Triple> }> = {
  '07-comment-after-blank-line.netrc': { hosts: { 'a.example': A } },
  '08-comment-words-after-blank-line.netrc': { hosts: { 'a.example': A, 'c.example': C } },
  '09-comment-first-line-after-blank.netrc': { hosts: { 'a.example': A } },
  '10-comment-joined-word-first-line.netrc': { hosts: { 'a.example': A } },
  '11-comment-joined-machine-first-line.netrc': { hosts: { 'a.example': A } },
  '12-comment-after-quoted-token.netrc': { hosts: { 'a.example': A } },
  '13-comment-in-value-position.netrc': { hosts: { 'a.example': ['alice', '', ''] } },
  '22-macdef-quoted-name.netrc': { hosts: { 'a.example': A } },
  '44-default-then-comment-after-blank.netrc': { hosts: { default: ['anon', '', 'pd'], 'a.example': A } },
  '47-macdef-trailing-blank.netrc': { hosts: { 'a.example': A } },
  '48-escaped-hash.netrc': { hosts: { 'a.example': A } },
};

describe('netrc fixtures, against CPython', () => {
  it('has ground truth from CPython for every fixture file', () => {
    expect(expected.python).toMatch(/^3\.11\./);
    expect(fileNames.length).toBeGreaterThanOrEqual(40);
    for (const name of Object.keys(DIFFERENT)) expect(fileNames).toContain(name);
  });

  it.each(fileNames)('%s: exact mode reads it as CPython does, every host looked up', (name) => {
    expect(ofFile(name, { exactCPython: true })).toEqual(pythonOutcome(expected.files[name]!));
  });

  it.each(fileNames)('%s: the default reading is CPython\'s, or a listed difference', (name) => {
    const ours = ofFile(name);
    const python = pythonOutcome(expected.files[name]!);
    const different = DIFFERENT[name];
    if (different === undefined) {
      expect(ours).toEqual(python);
      return;
    }
    expect(ours).toMatchObject(different);
    expect((ours as { hosts: object }).hosts).toEqual(different.hosts);
    expect(ours).not.toEqual(python);
  });

  it.each(fileNames)('%s: nothing from a comment line or macro body becomes an entry', (name) => {
    // The fixtures write `login evil` only in lines a reader sees as comments or macro bodies
    // (and once inside a quoted password, which is not a login).
    const ours = ofFile(name);
    if ('hosts' in ours) for (const entry of Object.values(ours.hosts)) expect(entry[0]).not.toBe('evil');
  });

  it('commented-out machine lines and macro bodies give no credentials (the old reader sent them)', () => {
    for (const name of ['02-comment-line-between.netrc', '03-comments-at-start.netrc', '04-indented-comment.netrc', '19-macdef.netrc']) {
      const ours = ofFile(name) as { lookups: Record<string, Triple | null> };
      expect(ours.lookups['b.example'], name).toBeNull();
      expect(ours.lookups['a.example'], name).toEqual(A);
    }
    // …and the entry after such a line is read whole, not swallowed by the one before it.
    expect((ofFile('02-comment-line-between.netrc') as { lookups: Record<string, Triple | null> }).lookups['c.example']).toEqual(C);
  });
});

describe('netrc generated texts, against CPython', () => {
  const cases = expected.generated.map((entry, index) => ({ index, ...entry }));
  const read = (text: string, options?: NetrcOptions) => outcome(() => parseNetrc(text, options), null);
  // A line whose first non-blank is `#` (bare, quoted or escaped), or a macdef: only these may differ.
  const mayDiffer = (text: string) => /(^|[\r\n])[ \t]*("#|\\#|#)/.test(text) || text.includes('macdef');

  it('covers entries, errors and empty results', () => {
    expect(cases.length).toBeGreaterThanOrEqual(1000);
    expect(cases.filter((c) => 'hosts' in c && Object.keys(c.hosts).length > 0).length).toBeGreaterThan(100);
    expect(cases.filter((c) => 'error' in c).length).toBeGreaterThan(100);
  });

  it('exact mode agrees with CPython on every one', () => {
    const wrong = cases.filter((c) => JSON.stringify(read(c.text, { exactCPython: true })) !== JSON.stringify(pythonOutcome(c)));
    expect(wrong.map((c) => c.index)).toEqual([]);
  });

  it('the default reading differs only on texts with comment lines or macdefs', () => {
    const differ = cases.filter((c) => JSON.stringify(read(c.text)) !== JSON.stringify(pythonOutcome(c)));
    expect(differ.filter((c) => !mayDiffer(c.text)).map((c) => c.index)).toEqual([]);
    expect(differ.length).toBeGreaterThan(0); // the generator does reach CPython's comment bug
  });

  it('never reads the commented-out `login evil` line as an entry, unless a backslash glues its # into a word', () => {
    // `t\ # machine …` or `t\` at a line's end make the `#` part of a token, for CPython too.
    const evil = (found: Outcome) => 'hosts' in found && Object.values(found.hosts).some((entry) => entry[0] === 'evil');
    const glued = (c: (typeof cases)[number]) => /\\[ \t\r\n]/.test(c.text);
    expect(cases.filter((c) => evil(read(c.text)) && !glued(c)).map((c) => c.index)).toEqual([]);
    // CPython itself reads such lines as entries in this corpus, far more often.
    expect(cases.filter((c) => evil(c) && !glued(c)).length).toBeGreaterThan(5);
  });
});

describe('netrc reader robustness', () => {
  it('is linear on hostile input and throws nothing but NetrcSyntaxError', () => {
    const big = 400_000;
    const inputs = [
      '"'.repeat(big),
      '\\'.repeat(big),
      '#\n'.repeat(big),
      `${' '.repeat(big)}#`,
      `machine a ${'login x '.repeat(big / 8)}`,
      `macdef m\n${'x\n'.repeat(big)}`,
      `machine a password "${'\\"'.repeat(big)}`,
      '\r'.repeat(big),
      `machine a login ${'x'.repeat(big * 4)}`,
    ];
    const started = Date.now();
    for (const text of inputs) {
      for (const exactCPython of [false, true]) {
        try {
          parseNetrc(text, { exactCPython });
        } catch (error) {
          expect(error).toBeInstanceOf(NetrcSyntaxError);
        }
      }
    }
    // Generous: a quadratic pass over 400 kB takes minutes, the linear one milliseconds.
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('survives random bytes', () => {
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 0xff;
    for (let n = 0; n < 300; n++) {
      const bytes = Uint8Array.from({ length: 1 + (n % 97) }, random);
      try {
        parseNetrc(decodeNetrc(bytes));
      } catch (error) {
        expect(error).toBeInstanceOf(NetrcSyntaxError);
      }
    }
  });
});

describe('loadNetrc', () => {
  const dir = mkdtempSync(join(tmpdir(), 'netrc-test-'));
  const load = (name: string) => {
    const lines: string[] = [];
    const hosts = loadNetrc({ NETRC: join(DIR, name) }, (line) => lines.push(line));
    return { hosts, lines };
  };

  it('reads a good file silently', () => {
    const { hosts, lines } = load('01-basic.netrc');
    expect(lines).toEqual([]);
    expect(triple(netrcLookup(hosts, 'a.example'))).toEqual(A);
  });

  it.each(['34-bad-follower.netrc', '33-garbage-toplevel.netrc', '21-macdef-unterminated.netrc', '46-not-utf8.netrc', '36-utf8-bom.netrc'])(
    'ignores %s whole, as pip does, with one warning that shows no token',
    (name) => {
      const { hosts, lines } = load(name);
      expect(hosts.size).toBe(0);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(name);
      // CPython's own message would quote the stray word: here "words", half of a password.
      expect(lines[0]).not.toMatch(/words|alice|hello|cd \/pub|\ufeff/);
    },
  );

  it('warns once when pip would read the file differently, naming no secret', () => {
    for (const name of ['07-comment-after-blank-line.netrc', '08-comment-words-after-blank-line.netrc']) {
      const { hosts, lines } = load(name);
      expect(hosts.has('a.example')).toBe(true);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain('gh-104306');
      expect(lines[0]).toContain(name.startsWith('08') ? 'pip ignores the whole file' : 'pip reads other entries');
      expect(lines[0]).not.toMatch(/evil|leaked|alice|staging/);
    }
  });

  it('warns about a file it cannot read, and not about a missing one', () => {
    const lines: string[] = [];
    expect(loadNetrc({ NETRC: dir }, (line) => lines.push(line)).size).toBe(0);
    expect(lines).toHaveLength(1);
    expect(loadNetrc({ NETRC: join(dir, 'missing') }, (line) => lines.push(line)).size).toBe(0);
    expect(lines).toHaveLength(1);
  });

  it('picks the file as requests does: $NETRC, else ~/.netrc, else ~/_netrc', () => {
    const home = mkdtempSync(join(tmpdir(), 'netrc-home-'));
    const quiet = () => undefined;
    writeFileSync(join(home, '_netrc'), 'machine h login under password score\n');
    expect(triple(loadNetrc({ HOME: home }, quiet).get('h'))).toEqual(['under', '', 'score']);
    writeFileSync(join(home, '.netrc'), 'machine h login dot password file\n');
    expect(triple(loadNetrc({ HOME: home }, quiet).get('h'))).toEqual(['dot', '', 'file']);
    writeFileSync(join(home, 'other'), 'machine h login other password file\n');
    // NETRC is expanded like a path from the user (`~/…`), and when set it is the only candidate.
    expect(triple(loadNetrc({ HOME: home, NETRC: '~/other' }, quiet).get('h'))).toEqual(['other', '', 'file']);
    expect(loadNetrc({ HOME: home, NETRC: join(home, 'none') }, quiet).size).toBe(0);
  });
});
