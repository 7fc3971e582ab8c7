import { describe, expect, it } from 'vitest';
import { AuthTable, parseNetrc } from '../../src/pypi/auth.js';

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('parseNetrc', () => {
  it('reads machine entries on one or several lines, and default', () => {
    const entries = parseNetrc('machine a.example login al password p1\nmachine b.example\n  login bo\n  password p2\ndefault login anon password x\n');
    expect(entries.get('a.example')).toEqual({ login: 'al', account: '', password: 'p1' });
    expect(entries.get('b.example')).toEqual({ login: 'bo', account: '', password: 'p2' });
    expect(entries.get('default')).toEqual({ login: 'anon', account: '', password: 'x' });
  });
});

describe('AuthTable', () => {
  it('sends URL credentials (percent-decoded) to that origin only, netrc elsewhere', () => {
    const table = new AuthTable(['https://us%40er:p%3Ass@idx.example/simple/'], parseNetrc('machine other.example login n password m'));
    expect(table.headerFor('https://idx.example/files/x.whl')).toBe(basic('us@er', 'p:ss'));
    expect(table.headerFor('https://other.example/simple/')).toBe(basic('n', 'm'));
    expect(table.headerFor('https://third.example/simple/')).toBeUndefined();
    expect(table.headerFor('http://idx.example/simple/')).toBeUndefined(); // another origin (scheme)
  });

  it('looks netrc up as requests does: hostname without port, else default; account when login is empty', () => {
    const table = new AuthTable(
      [],
      parseNetrc('machine a.example account acct password pa\nmachine ::1 login six password p6\nmachine Up.Example login u password pu\ndefault login d password pd\n'),
    );
    expect(table.headerFor('https://a.example:8443/simple/')).toBe(basic('acct', 'pa'));
    expect(table.headerFor('https://[::1]:8080/simple/')).toBe(basic('six', 'p6'));
    // URL hostnames are lowercase; netrc names are compared exactly, as in CPython.
    expect(table.headerFor('https://up.example/simple/')).toBe(basic('d', 'pd'));
    expect(table.headerFor('https://elsewhere.example/')).toBe(basic('d', 'pd'));
  });

  it('sends nothing for an entry with neither login nor password, and does not fall back to default', () => {
    const table = new AuthTable([], parseNetrc('machine bare.example\ndefault login d password pd\n'));
    expect(table.headerFor('https://bare.example/simple/')).toBeUndefined();
  });

  it('never sends a commented-out machine line', () => {
    const table = new AuthTable([], parseNetrc('machine a.example login al password pa\n\n# machine b.example login old password gone\n'));
    expect(table.headerFor('https://b.example/simple/')).toBeUndefined();
    expect(table.headerFor('https://a.example/simple/')).toBe(basic('al', 'pa'));
  });
});
