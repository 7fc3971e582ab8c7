import { describe, expect, it } from 'vitest';
import { parsePipfile } from '../../src/manifests/pipfile.js';
import { fixture } from './helpers.js';

describe('Pipfile', () => {
  const r = parsePipfile(fixture('pipfile/Pipfile'), 'Pipfile');

  it('reads packages and dev-packages with their lines', () => {
    expect(r.issues).toEqual([]);
    expect(r.requirements.map((q) => [q.name, q.specifier, q.group, q.location.line])).toEqual([
      ['requests', '', 'main', 7],
      ['django', '==4.2.7', 'main', 8],
      ['pywin32', '>=306', 'main', 9],
      ['records', '>0.5.0', 'main', 10],
      ['pytest', '>=7', 'dev', 13],
    ]);
  });

  it('turns marker keys and extras into a PEP 508 marker and extras', () => {
    expect(r.requirements[2]!.markerText).toBe("sys_platform == 'win32'");
    expect(r.requirements[3]!.extras).toEqual(['pandas']);
  });

  it('records [[source]] and [requires]', () => {
    expect(r.indexOptions.indexUrl).toBe('https://pypi.org/simple');
    expect(r.requiresPython).toBe('==3.11.*');
  });
});
