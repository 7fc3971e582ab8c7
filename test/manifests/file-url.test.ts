/** `file:` URLs and `#egg=` fragments, read one way for every manifest format. */
import { describe, expect, it } from 'vitest';
import { eggName, localPathOfFileUrl } from '../../src/manifests/file-url.js';

describe('localPathOfFileUrl', () => {
  it('reads absolute, localhost and relative file URLs, dropping fragment and query', () => {
    expect(localPathOfFileUrl('file:///srv/pkgs/app-1.0.tar.gz#sha256=ab')).toBe('/srv/pkgs/app-1.0.tar.gz');
    expect(localPathOfFileUrl('file://localhost/srv/app')).toBe('/srv/app');
    expect(localPathOfFileUrl('file:../libs/core#egg=core')).toBe('../libs/core');
    expect(localPathOfFileUrl('FILE:./x?raw=1')).toBe('./x');
  });

  it('percent-decodes, and keeps a stray % as written', () => {
    expect(localPathOfFileUrl('file:///tmp/my%20pkg')).toBe('/tmp/my pkg');
    expect(localPathOfFileUrl('file:///tmp/100%')).toBe('/tmp/100%');
  });

  it('is null for any other URL', () => {
    expect(localPathOfFileUrl('https://example.invalid/file:/x')).toBeNull();
    expect(localPathOfFileUrl('git+file:///repo')).toBeNull();
  });
});

describe('eggName', () => {
  it('keeps only the name of legacy egg fragments', () => {
    expect(eggName('git+https://h/r.git#egg=mylib')).toBe('mylib');
    expect(eggName('git+https://h/r.git#egg=mylib-1.0')).toBe('mylib');
    expect(eggName('https://h/a.zip#sha256=00&egg=other==2.0')).toBe('other');
    expect(eggName('https://h/a.zip')).toBeNull();
  });
});
