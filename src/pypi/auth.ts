/**
 * Credentials for index hosts: from the index URL itself (`https://user:token@host/simple`) or
 * from a netrc file, sent as HTTP Basic auth to the same origin only. Nothing here prints them.
 *
 * The netrc reader follows CPython 3.11's `netrc` module, which pip uses through requests
 * (`netrc.netrc(path).authenticators(host)`), token for token: its lexer (whitespace is only
 * space, tab and newline; `"…"` quoting; `\` escapes the next character anywhere), `macdef`
 * bodies skipped to the next empty line, the `default` entry stored under the name `default`,
 * the last of duplicated entries winning, and a file it rejects being ignored whole (requests
 * catches the error). Two deliberate differences, both so that text a reader sees as inert never
 * becomes an entry: a line whose first non-blank character is `#` is always a comment (CPython
 * loses its line count after a blank line or a quoted token, gh-104306, and then reads the rest
 * of such a line as tokens: a commented-out `machine` line goes live, or the file is rejected),
 * and a `macdef` body always runs to the next empty line (CPython ends it at once when the name
 * is quoted or followed by blanks). `exactCPython: true` reproduces CPython exactly;
 * `loadNetrc` uses it only to warn when pip would read the file differently.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { quote } from '../safe-text.js';

export interface Credentials {
  login: string;
  password: string;
}

/** One netrc entry, as CPython's `netrc.hosts` holds it: missing fields are empty strings. */
export interface NetrcEntry {
  login: string;
  account: string;
  password: string;
}

/** Entries by machine name; the `default` entry is under `'default'`, as in CPython. */
export type NetrcHosts = Map<string, NetrcEntry>;

export type NetrcErrorKind =
  | 'bad-toplevel-token'
  | 'bad-follower-token'
  | 'missing-name'
  | 'unterminated-macdef'
  | 'not-utf8';

const ERROR_TEXT: Record<NetrcErrorKind, string> = {
  'bad-toplevel-token': 'a word where "machine", "default" or "macdef" should be',
  'bad-follower-token': 'a word where "login", "account" or "password" should be',
  'missing-name': '"machine" without a name',
  'unterminated-macdef': '"macdef" without the empty line that ends it',
  'not-utf8': 'not valid UTF-8',
};

/**
 * Where CPython raises `NetrcParseError` (or fails to decode). The message names the line but
 * never the offending token: a stray word in a netrc file is often half of a password.
 */
export class NetrcSyntaxError extends Error {
  constructor(
    readonly kind: NetrcErrorKind,
    readonly line: number | null,
  ) {
    super(line === null ? ERROR_TEXT[kind] : `${ERROR_TEXT[kind]} (line ${line})`);
    this.name = 'NetrcSyntaxError';
  }
}

export interface NetrcOptions {
  /** Reproduce CPython 3.11 exactly, comment and macdef quirks included (see the module comment). */
  exactCPython?: boolean;
}

interface Token {
  text: string;
  /** Offset of its first character (the opening quote or backslash included). */
  start: number;
  /** Physical line of its first character. */
  line: number;
  /** A newline was read from its first character through its terminator. */
  crossedLine: boolean;
}

const EMPTY_TOKEN: Token = { text: '', start: -1, line: 0, crossedLine: false };

/** CPython's `_netrclex`: the same characters, the same escapes, one token of pushback. */
class Lexer {
  private pos = 0;
  /** Physical line, for messages. */
  line = 1;
  /** CPython's `lexer.lineno`: counts newlines read by the tokenizer but not by `readline()`. */
  pyLine = 1;
  private pushed: Token | null = null;

  constructor(private readonly text: string) {}

  private readChar(): string {
    if (this.pos >= this.text.length) return '';
    const ch = this.text[this.pos++]!;
    if (ch === '\n') {
      this.line++;
      this.pyLine++;
    }
    return ch;
  }

  push(token: Token): void {
    this.pushed = token;
  }

  next(): Token {
    if (this.pushed !== null) {
      const token = this.pushed;
      this.pushed = null;
      return token;
    }
    // Pieces joined once at the end, so a huge token costs linear time.
    const parts: string[] = [];
    for (;;) {
      let ch = this.readChar();
      if (ch === '') return EMPTY_TOKEN;
      if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') continue;
      const start = this.pos - 1;
      const line = this.line;
      const done = (): Token => ({ text: parts.join(''), start, line, crossedLine: this.line !== line });
      if (ch === '"') {
        for (;;) {
          ch = this.readChar();
          if (ch === '' || ch === '"') return done();
          if (ch === '\\') ch = this.readChar();
          parts.push(ch);
        }
      }
      if (ch === '\\') ch = this.readChar();
      parts.push(ch);
      for (;;) {
        ch = this.readChar();
        if (ch === '' || ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') return done();
        if (ch === '\\') ch = this.readChar();
        parts.push(ch);
      }
    }
  }

  /** CPython's `instream.readline()`: the rest of the current line, without counting it. */
  skipLine(): 'eof' | 'empty' | 'text' {
    if (this.pos >= this.text.length) return 'eof';
    const newline = this.text.indexOf('\n', this.pos);
    const end = newline === -1 ? this.text.length : newline + 1;
    const kind = newline === this.pos ? 'empty' : 'text';
    this.pos = end;
    if (newline !== -1) this.line++;
    return kind;
  }

  /** Only blanks between the start of its line and the token: the line starts with it. */
  startsLine(token: Token): boolean {
    let k = token.start - 1;
    while (k >= 0 && (this.text[k] === ' ' || this.text[k] === '\t')) k--;
    return k < 0 || this.text[k] === '\n';
  }
}

/**
 * Parse netrc text (already decoded) the way CPython's `netrc.netrc` does; throws
 * `NetrcSyntaxError` where it raises `NetrcParseError`. Linear in the input.
 */
export function parseNetrc(text: string, options: NetrcOptions = {}): NetrcHosts {
  const python = options.exactCPython === true;
  // CPython reads the file in text mode: universal newlines turn CRLF and lone CR into LF.
  const lexer = new Lexer(text.replace(/\r\n?/g, '\n'));
  const hosts: NetrcHosts = new Map();

  const isComment = (token: Token) => token.text.startsWith('#');
  // Skip what follows a comment token on its line; CPython's test for "same line" is whether
  // its line counter moved, which the bug makes true after blank lines and quoted tokens.
  const endComment = (token: Token, pyLineBefore: number, topLevel: boolean) => {
    const sameLine = python ? lexer.pyLine === pyLineBefore && (!topLevel || token.text.length === 1) : !token.crossedLine;
    if (sameLine) lexer.skipLine();
  };
  // A value (machine name, login …). Here, unlike CPython, a `#` word that starts its line is a
  // comment even where a value is due, so such a line never turns into tokens.
  const value = (): Token => {
    for (;;) {
      const token = lexer.next();
      if (python || !isComment(token) || !lexer.startsLine(token)) return token;
      endComment(token, lexer.pyLine, false);
    }
  };

  for (;;) {
    const pyLineBefore = lexer.pyLine;
    const top = lexer.next();
    if (top.text === '') break; // end of file, or `""`: CPython cannot tell them apart
    if (isComment(top)) {
      endComment(top, pyLineBefore, true);
      continue;
    }
    let name: string;
    if (top.text === 'machine') {
      const token = value();
      name = token.text;
      if (name === '') throw new NetrcSyntaxError('missing-name', top.line);
    } else if (top.text === 'default') {
      name = 'default';
    } else if (top.text === 'macdef') {
      const macro = value();
      // The body is the rest of the name's line, then lines up to an empty one. After a quoted
      // name or trailing blanks CPython takes the bare newline left on that line for the empty
      // line, and reads the body a reader sees as entries; here the body goes on to an empty line.
      let rest = !python && !macro.crossedLine;
      for (;;) {
        const kind = lexer.skipLine();
        if (kind === 'eof') throw new NetrcSyntaxError('unterminated-macdef', top.line);
        if (kind === 'empty' && !rest) break;
        rest = false;
      }
      continue;
    } else {
      throw new NetrcSyntaxError('bad-toplevel-token', top.line);
    }

    const entry: NetrcEntry = { login: '', account: '', password: '' };
    for (;;) {
      const before = lexer.pyLine;
      const token = lexer.next();
      if (isComment(token)) {
        endComment(token, before, false);
        continue;
      }
      const key = token.text;
      if (key === '' || key === 'machine' || key === 'default' || key === 'macdef') {
        lexer.push(token);
        break;
      }
      if (key === 'login' || key === 'user') entry.login = value().text;
      else if (key === 'account') entry.account = value().text;
      else if (key === 'password') entry.password = value().text;
      else throw new NetrcSyntaxError('bad-follower-token', token.line);
    }
    hosts.set(name, entry);
  }
  return hosts;
}

/** CPython's `authenticators(host)`: the host's entry, else the default entry. */
export function netrcLookup(hosts: NetrcHosts, host: string): NetrcEntry | undefined {
  return hosts.get(host) ?? hosts.get('default');
}

/** Bytes of a netrc file as CPython decodes them: UTF-8, a BOM kept as a character. */
export function decodeNetrc(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new NetrcSyntaxError('not-utf8', null);
  }
}

function sameHosts(a: NetrcHosts, b: NetrcHosts): boolean {
  if (a.size !== b.size) return false;
  for (const [name, entry] of a) {
    const other = b.get(name);
    if (!other || other.login !== entry.login || other.account !== entry.account || other.password !== entry.password) return false;
  }
  return true;
}

/** The file requests picks: `$NETRC` if set, else the first of `~/.netrc`, `~/_netrc` that exists. */
export function netrcPath(env: Record<string, string | undefined>, exists: (path: string) => boolean = existsSync): string | null {
  const home = (process.platform === 'win32' ? env['USERPROFILE'] : env['HOME']) ?? homedir();
  // os.path.expanduser: `~` and `~/…` only; an empty home means the root directory.
  const expand = (path: string) => (path === '~' || path.startsWith('~/') ? `${home.replace(/[\\/]+$/, '')}${path.slice(1)}` || '/' : path);
  const explicit = env['NETRC'];
  const candidates = explicit !== undefined ? [explicit] : ['~/.netrc', '~/_netrc'];
  for (const candidate of candidates) {
    const path = expand(candidate);
    if (path !== '' && exists(path)) return path;
  }
  return null;
}

/**
 * Read the netrc file requests would read. A file that cannot be read or that CPython rejects
 * gives no entries, as in pip, plus one warning; so does a file pip would read differently
 * (the comment bug) — then the entries are ours, the warning says pip's differ.
 */
export function loadNetrc(
  env: Record<string, string | undefined>,
  warn: (line: string) => void,
): NetrcHosts {
  const path = netrcPath(env);
  if (path === null) return new Map();
  let text: string;
  try {
    text = decodeNetrc(readFileSync(path));
  } catch (error) {
    const why = error instanceof NetrcSyntaxError ? error.message : ((error as NodeJS.ErrnoException).code ?? 'unreadable');
    warn(`netrc file ${quote(path)} ignored: ${why}`);
    return new Map();
  }
  let hosts: NetrcHosts;
  try {
    hosts = parseNetrc(text);
  } catch (error) {
    if (!(error instanceof NetrcSyntaxError)) throw error;
    warn(`netrc file ${quote(path)} ignored, as pip ignores it: ${error.message}`);
    return new Map();
  }
  let pip: NetrcHosts | null;
  try {
    pip = parseNetrc(text, { exactCPython: true });
  } catch {
    pip = null;
  }
  if (pip === null || !sameHosts(hosts, pip)) {
    const consequence = pip === null ? 'pip ignores the whole file' : 'pip reads other entries from it';
    warn(
      `netrc file ${quote(path)}: ${consequence} (Python 3.11's netrc module reads some "#" comment lines ` +
        `or macdef bodies as tokens, CPython gh-104306); here they stay comments`,
    );
  }
  return hosts;
}

export function basicAuthHeader(credentials: Credentials): string {
  return `Basic ${Buffer.from(`${credentials.login}:${credentials.password}`, 'utf8').toString('base64')}`;
}

/**
 * Per-origin credentials table. URL credentials win over netrc; a URL's credentials apply to
 * every request to that origin (files and metadata are often served by the same host).
 */
export class AuthTable {
  private readonly byOrigin = new Map<string, Credentials>();

  constructor(
    indexUrls: string[],
    private readonly netrc: NetrcHosts = new Map(),
  ) {
    for (const raw of indexUrls) {
      const url = new URL(raw);
      if (url.username === '' && url.password === '') continue;
      const origin = url.origin;
      if (!this.byOrigin.has(origin)) {
        this.byOrigin.set(origin, {
          login: safeDecode(url.username),
          password: safeDecode(url.password),
        });
      }
    }
  }

  /** The Authorization header for a URL (credentials already stripped from it), if any. */
  headerFor(url: string): string | undefined {
    const parsed = new URL(url);
    const fromUrl = this.byOrigin.get(parsed.origin);
    if (fromUrl) return basicAuthHeader(fromUrl);
    // Python's `urlparse(url).hostname`, which requests looks up: lowercase, no port, no brackets.
    const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
    const entry = netrcLookup(this.netrc, host);
    if (!entry) return undefined;
    // requests: `login_i = 0 if _netrc[0] else 1`, i.e. the account stands in for a missing login.
    const login = entry.login !== '' ? entry.login : entry.account;
    // pip would send `Basic Og==` for an entry with neither; an empty header helps no server.
    if (login === '' && entry.password === '') return undefined;
    return basicAuthHeader({ login, password: entry.password });
  }
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
