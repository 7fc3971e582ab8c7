import { describe, expect, it } from 'vitest';
import { parsePypiJson, PypiJsonParseError } from '../../src/pypi/pypi-json.js';

describe('parsePypiJson', () => {
  it('reads the info block', () => {
    const info = parsePypiJson(
      JSON.stringify({
        info: {
          name: 'Foo',
          version: '2.0',
          classifiers: ['A :: B', 3],
          requires_dist: null,
          requires_python: '',
          project_urls: { Home: 'https://x', Bad: 1 },
          summary: ' s ',
        },
      }),
    );
    expect(info).toEqual({
      name: 'Foo',
      version: '2.0',
      classifiers: ['A :: B'],
      requiresDist: [],
      requiresPython: null,
      projectUrls: { Home: 'https://x' },
      summary: 's',
    });
  });

  it('rejects documents without info.name / info.version', () => {
    expect(() => parsePypiJson('{"files": []}')).toThrow(/no "info" object/);
    expect(() => parsePypiJson('{"info": {"name": "x"}}')).toThrow(/"info.version" is missing/);
    expect(() => parsePypiJson('nope')).toThrow(PypiJsonParseError);
  });
});
