import { describe, expect, it } from 'vitest';
import { AuthTable, parseNetrc } from '../../src/pypi/auth.js';

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('parseNetrc', () => {
  it('reads machine entries on one or several lines, and default', () => {
    const entries = parseNetrc('machine a.example login al password p1\nmachine b.example\n  login bo\n  password p2\ndefault login anon password x\n');
    expect(entries.get('a.example')).toEqual({ login: 'al', password: 'p1' });
    expect(entries.get('b.example')).toEqual({ login: 'bo', password: 'p2' });
    expect(entries.get('')).toEqual({ login: 'anon', password: 'x' });
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
});
