import { describe, expect, it } from 'vitest';
import { parseSimpleJson, SimpleParseError } from '../../src/pypi/simple-json.js';

const PAGE = 'https://idx.example/simple/foo/';

describe('parseSimpleJson', () => {
  it('reads PEP 691 / 700 / 714 fields and resolves relative URLs', () => {
    const text = JSON.stringify({
      meta: { 'api-version': '1.1' },
      name: 'foo',
      versions: ['1.0', '1.1'],
      files: [
        {
          filename: 'foo-1.0.tar.gz',
          url: '../../files/foo-1.0.tar.gz#frag',
          hashes: { SHA256: 'ABCD' },
          'requires-python': '>=3.8',
          yanked: 'reason',
          'core-metadata': false,
          size: 12,
          'upload-time': '2024-01-01T00:00:00Z',
        },
        {
          filename: 'foo-1.1-py3-none-any.whl',
          url: 'https://user:pw@cdn.example/foo-1.1-py3-none-any.whl',
          hashes: {},
          'requires-python': '',
          yanked: '',
          'data-dist-info-metadata': { sha256: '00' },
          'core-metadata': { sha256: 'ff' },
        },
        { filename: 'foo-1.2.tar.gz', url: 'x', 'dist-info-metadata': true },
      ],
    });
    const page = parseSimpleJson(text, PAGE);
    expect(page.versions).toEqual(['1.0', '1.1']);
    const [a, b, c] = page.files;
    expect(a).toEqual({
      filename: 'foo-1.0.tar.gz',
      url: 'https://idx.example/files/foo-1.0.tar.gz',
      requiresPython: '>=3.8',
      yanked: 'reason',
      hashes: { sha256: 'abcd' },
      coreMetadata: false,
      size: 12,
      uploadTime: '2024-01-01T00:00:00Z',
    });
    expect(b!.url).toBe('https://cdn.example/foo-1.1-py3-none-any.whl');
    expect(b!.requiresPython).toBeNull();
    expect(b!.yanked).toBe(true);
    expect(b!.coreMetadata).toEqual({ sha256: 'ff' });
    expect(c!.coreMetadata).toBe(true);
  });

  it('skips broken entries with a reason and rejects broken pages', () => {
    const page = parseSimpleJson(JSON.stringify({ meta: { 'api-version': '1.0' }, files: [1, { filename: 'a/b' }, { filename: 'ok-1.tar.gz' }] }), PAGE);
    expect(page.files).toEqual([]);
    expect(page.skipped).toEqual(['files[0] is not an object', 'files[1] has no usable "filename"', 'files[2] "ok-1.tar.gz" has no "url"']);
    expect(() => parseSimpleJson('{', PAGE)).toThrow(SimpleParseError);
    expect(() => parseSimpleJson('[]', PAGE)).toThrow(/not an object/);
    expect(() => parseSimpleJson('{"meta":{"api-version":"1.0"}}', PAGE)).toThrow(/no "files" array/);
    expect(() => parseSimpleJson('{"meta":{"api-version":"2.0"},"files":[]}', PAGE)).toThrow(/unsupported API version "2.0"/);
  });
});
