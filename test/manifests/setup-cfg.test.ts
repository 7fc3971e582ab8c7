import { describe, expect, it } from 'vitest';
import { parseSetupCfg } from '../../src/manifests/setup-cfg.js';
import { fixture } from './helpers.js';

describe('setup.cfg', () => {
  const r = parseSetupCfg(fixture('setup-cfg/setup.cfg'), 'setup.cfg');

  it('reads install_requires, setup_requires and extras_require, skipping comment lines', () => {
    expect(r.issues).toEqual([]);
    expect(r.requirements.map((q) => [q.name, q.group, q.location.line])).toEqual([
      ['setuptools_scm', 'build', 7],
      ['requests', 'main', 10],
      ['importlib-metadata', 'main', 11],
      ['greenlet', 'optional:asyncio', 15],
      ['greenlet', 'optional:postgresql-asyncpg', 17],
      ['asyncpg', 'optional:postgresql-asyncpg', 18],
      ['foo', 'optional:single', 19],
      ['bar', 'optional:single', 19],
    ]);
    expect(r.requiresPython).toBe('>=3.8');
  });

  it('expands configparser interpolation %(asyncio)s (corpus quirk) at the line that uses it', () => {
    const g = r.requirements.filter((q) => q.group === 'optional:postgresql-asyncpg')[0]!;
    expect(g).toMatchObject({ name: 'greenlet', specifier: '!=0.4.17' });
    expect(g.location).toMatchObject({ line: 17, column: 5 });
  });

  it('keeps markers written without spaces', () => {
    expect(r.requirements[2]!.markerText).toBe('python_version<"3.10"');
  });

  it('reports an interpolation of a missing option', () => {
    const bad = parseSetupCfg('[options.extras_require]\nx =\n    %(nope)s\n', 'setup.cfg');
    expect(bad.issues[0]).toMatchObject({ line: 3, severity: 'error' });
    expect(bad.issues[0]!.message).toMatch(/names no option/);
  });

  it('returns `file:` includes', () => {
    const f = parseSetupCfg('[options]\ninstall_requires = file: requirements.in\n', 'setup.cfg');
    expect(f.includes.map((i) => [i.target, i.location.line])).toEqual([['requirements.in', 2]]);
  });
});
