/**
 * Credentials for index hosts: from the index URL itself (`https://user:token@host/simple`) or
 * from a netrc file, sent as HTTP Basic auth to the same origin only. Nothing here prints them.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface Credentials {
  login: string;
  password: string;
}

/** Parse netrc text: `machine <host> login <l> password <p>` and a `default` entry. `macdef` skipped. */
export function parseNetrc(text: string): Map<string, Credentials> {
  const tokens = text.split(/\s+/).filter((t) => t !== '');
  const entries = new Map<string, Credentials>();
  let i = 0;
  while (i < tokens.length) {
    const token = tokens[i++]!;
    if (token === 'macdef') {
      // A macro body runs to the next blank line; tokens lost that, so skip its name only.
      i++;
      continue;
    }
    if (token !== 'machine' && token !== 'default') continue;
    const host = token === 'default' ? '' : (tokens[i++] ?? '');
    let login = '';
    let password = '';
    while (i < tokens.length && tokens[i] !== 'machine' && tokens[i] !== 'default') {
      const key = tokens[i++]!;
      const value = tokens[i++] ?? '';
      if (key === 'login') login = value;
      else if (key === 'password') password = value;
    }
    if (!entries.has(host)) entries.set(host, { login, password });
  }
  return entries;
}

/** Read `$NETRC` or `~/.netrc`; missing or unreadable file means no entries. */
export function loadNetrc(env: Record<string, string | undefined>): Map<string, Credentials> {
  const path = env['NETRC'] ?? join(env['HOME'] ?? homedir(), '.netrc');
  try {
    return parseNetrc(readFileSync(path, 'utf8'));
  } catch {
    return new Map();
  }
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
    private readonly netrc: Map<string, Credentials> = new Map(),
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
    const fromNetrc = this.netrc.get(parsed.hostname) ?? this.netrc.get('');
    return fromNetrc && (fromNetrc.login !== '' || fromNetrc.password !== '') ? basicAuthHeader(fromNetrc) : undefined;
  }
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
