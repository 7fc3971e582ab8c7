/**
 * File URLs on index pages: `resolveFileUrl` gives what Node's WHATWG URL parser gives (fragment
 * and credentials dropped, http, https and file only), whether it takes its fast path for plain
 * absolute URLs or asks the parser. The parser is the ground truth here.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resolveFileUrl } from '../../src/pypi/simple-json.js';
import { fuzzParameters } from '../fuzz/runs.js';

/** What the parser says, as the client has always asked it. */
function byTheParser(href: string, base: string): string | null {
  try {
    const url = new URL(href, base);
    if (url.protocol !== 'http:' && url.protocol !== 'https:' && url.protocol !== 'file:') return null;
    url.hash = '';
    url.username = '';
    url.password = '';
    return url.toString();
  } catch {
    return null;
  }
}

const BASE = 'https://pypi.example/simple/numpy/';

describe('file URLs resolve exactly as the WHATWG parser resolves them', () => {
  it.each([
    'https://files.pythonhosted.org/packages/ab/cd/0123abcd/numpy-2.1.0-cp312-cp312-manylinux_2_17_x86_64.whl',
    'https://files.pythonhosted.org/packages/x/numpy-2.1.0.tar.gz#sha256=00ff',
    'http://127.0.0.1:8080/files/numpy/numpy-1.0.tar.gz',
    'http://127.0.0.1:80/files/a.whl', // default port: dropped
    'https://h.example:443/a.whl',
    'https://h.example:0443/a.whl',
    'https://h.example:65536/a.whl', // out of range: no URL
    'https://127.1/a.whl', // an IPv4 address in short form
    'https://0x7f.0.0.1/a.whl',
    'https://1.2.3.04/a.whl',
    'https://a.b.999/a.whl',
    'https://xn--nxasmq6b.example/a.whl',
    'https://xn--a.example/a.whl', // invalid punycode
    'https://H.Example/a.whl', // upper case host
    'https://h.example/a/./b/../c.whl',
    'https://h.example/a/%2e%2E/c.whl',
    'https://h.example/a/.hidden/c.whl',
    'https://user:secret@h.example/a.whl',
    'https://h.example/a b.whl',
    'https://h.example/a%20b%zz.whl',
    'https://h.example/a"b<c>.whl',
    "https://h.example/a'b(c)*!$&+,;=:@~.whl",
    'https://h.example/a.whl?x=1',
    'https://h.example/a\tb.whl',
    'https://h.example/a.whl#frag\nment',
    ' https://h.example/a.whl ',
    'https://h.example',
    'https://h.example/',
    'https://h.example//double//slash.whl',
    'https://-h-.example/a.whl',
    'HTTPS://h.example/a.whl',
    'ftp://h.example/a.whl',
    'file:///srv/wheels/a.whl',
    '../../files/numpy/numpy-1.0.tar.gz#sha256=ab',
    '/files/a.whl',
    '//other.example/a.whl',
    'numpy-1.0.tar.gz',
  ])('%j', (href) => {
    expect(resolveFileUrl(href, BASE)).toBe(byTheParser(href, BASE));
  });

  it('for any URL built from the pieces index pages and hostile pages use', () => {
    const piece = fc.constantFrom(
      'https://', 'http://', 'HTTP://', 'file://', 'a', 'z', '0', '9', '.', '-', '_', '~', 'xn--', 'x', '127', '0x', '255', '256', '00',
      ':', '@', '/', '//', '%', '%2e', '%2E', '%41', '?', '#', ' ', '\t', '\n', '\\', "'", '"', '<', '`', '{', '^', '|', 'é', '\u0000', '\u0085',
      ':80', ':443', ':8080', ':0', ':99999', '/./', '/../', '.whl', '.tar.gz',
    );
    const href = fc.oneof(
      fc.array(piece, { maxLength: 14 }).map((parts) => parts.join('')),
      fc.tuple(fc.constantFrom('https://', 'http://'), fc.array(piece, { maxLength: 6 }), fc.constantFrom('', ':8080', ':443', ':80'), fc.array(piece, { maxLength: 8 })).map(
        ([scheme, host, port, path]) => `${scheme}${host.join('')}${port}/${path.join('')}`,
      ),
    );
    fc.assert(
      fc.property(href, (text) => {
        expect(resolveFileUrl(text, BASE)).toBe(byTheParser(text, BASE));
      }),
      fuzzParameters(2_000),
    );
  });
});
