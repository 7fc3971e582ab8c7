import { describe, expect, it } from 'vitest';
import { MetadataParseError, parseCoreMetadata } from '../../src/pypi/metadata.js';

describe('parseCoreMetadata', () => {
  it('reads multi-use fields, folds continuations, stops at the body', () => {
    const text = [
      'Metadata-Version: 2.1',
      'Name: Foo.Bar',
      'Version: 1.0',
      'Summary: a long',
      '   summary',
      'Requires-Python: >=3.8',
      'Classifier: Programming Language :: Python :: Implementation :: PyPy',
      'Requires-Dist: cffi>=1.15; platform_python_implementation != "PyPy"',
      'Requires-Dist: typing-extensions',
      'Provides-Extra: speed',
      'Project-URL: Source, https://example.org/src',
      '',
      'Requires-Dist: not-a-header-this-is-the-description',
    ].join('\r\n');
    const meta = parseCoreMetadata(text);
    expect(meta).toEqual({
      metadataVersion: '2.1',
      name: 'Foo.Bar',
      version: '1.0',
      summary: 'a long summary',
      requiresPython: '>=3.8',
      requiresDist: ['cffi>=1.15; platform_python_implementation != "PyPy"', 'typing-extensions'],
      providesExtra: ['speed'],
      classifiers: ['Programming Language :: Python :: Implementation :: PyPy'],
      projectUrls: { Source: 'https://example.org/src' },
    });
  });

  it('rejects text that is not metadata', () => {
    expect(() => parseCoreMetadata('<html><body>Not Found</body></html>')).toThrow(MetadataParseError);
  });
});
