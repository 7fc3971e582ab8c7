/**
 * Consistency of the shipped knowledge base as a whole (issue 17): alternatives point at entries
 * that work on PyPy, every source has a documented shape with a snapshot date or commit, names are
 * normalised and unique, every status is documented, and the drop-in fields say something.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { KNOWLEDGE_STATUSES, isWellFormedSource, loadKnowledgeBase, type KnowledgeStatus } from '../../src/assess/knowledge.js';
import { canonicalizeName } from '../../src/pep/names.js';
import { REPO_ROOT } from '../support/shared.js';

const kb = loadKnowledgeBase();
const entries = kb.entries();
const readme = readFileSync(path.join(REPO_ROOT, 'data', 'README.md'), 'utf8');
const rawJson = JSON.parse(readFileSync(path.join(REPO_ROOT, 'data', 'knowledge-base.json'), 'utf8')) as { entries: Array<{ name: string }> };

/** Statuses under which the package installs and runs on PyPy (an alternative must have one). */
const RUNS_ON_PYPY: readonly KnowledgeStatus[] = ['works', 'pure-fallback', 'cffi', 'cpyext-slow', 'builtin', 'no-gain'];

/** A label rather than a PyPI project: "json (standard library)". */
const isLabel = (name: string): boolean => /\(.*\)/.test(name);

describe('knowledge base consistency', () => {
  it('has an entry for every alternative that names a project, with a status that runs on PyPy', () => {
    const problems: string[] = [];
    for (const entry of entries) {
      const alt = entry.alternative;
      if (!alt || isLabel(alt.name)) continue;
      const target = kb.get(alt.name);
      if (!target) problems.push(`${entry.name} -> ${alt.name}: no entry`);
      else if (!RUNS_ON_PYPY.includes(target.status)) problems.push(`${entry.name} -> ${alt.name}: ${target.status}`);
      if (target && target.name === entry.name) problems.push(`${entry.name}: is its own alternative`);
    }
    expect(problems).toEqual([]);
  });

  it('names labels as "<name> (standard library)" or similar, never a bare word that could be a project', () => {
    for (const entry of entries) {
      const alt = entry.alternative;
      if (alt && isLabel(alt.name)) expect(alt.name, entry.name).toMatch(/^[\w.]+ \([a-z ]+\)$/);
    }
  });

  it('gives every source a documented shape, and every repository source its snapshot date or commit', () => {
    const problems: string[] = [];
    for (const entry of entries) {
      for (const source of entry.sources) {
        if (!isWellFormedSource(source)) problems.push(`${entry.name}: ${source}`);
        if (source.startsWith('github.com/') && !/\((?:[^()]*; )?(?:snapshot \d{4}-\d{2}-\d{2}|commit [0-9a-f]{7,40}|HEAD \d{4}-\d{2}-\d{2})[^()]*\)/.test(source)) {
          problems.push(`${entry.name}: no snapshot date or commit: ${source}`);
        }
        if (source.startsWith('https://') && !/^https:\/\/[a-z0-9.-]+\.[a-z]{2,}\/\S+$/.test(source)) problems.push(`${entry.name}: odd URL ${source}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('keeps names normalised and unique in the file itself (not only after loading)', () => {
    const names = rawJson.entries.map((e) => e.name);
    expect(names.filter((n) => canonicalizeName(n) !== n)).toEqual([]);
    expect(names.length - new Set(names).size).toBe(0);
    expect(names).toEqual([...names].sort());
  });

  it('documents every status in data/README.md, and documents no status the loader does not know', () => {
    const table = readme.slice(readme.indexOf('Statuses:'), readme.indexOf('### Where the entries come from'));
    const documented = [...table.matchAll(/^\| `([a-z-]+)` \| (.+) \|$/gm)].map((m) => [m[1]!, m[2]!.trim()] as const);
    expect(documented.map(([s]) => s).sort()).toEqual([...KNOWLEDGE_STATUSES].sort());
    for (const [status, meaning] of documented) expect(meaning.length, status).toBeGreaterThan(20);
    // Every status the code knows is used, or it is a dead word in the schema.
    const used = new Set(entries.map((e) => e.status));
    expect(KNOWLEDGE_STATUSES.filter((s) => !used.has(s))).toEqual([]);
  });

  it('documents every entry field in data/README.md', () => {
    const fields = ['name', 'status', 'summary', 'alternative', 'alternative.dropIn', 'alternative.dropInFor', 'appliesTo', 'pythonLimit', 'pypyWheels', 'sources'];
    for (const field of fields) expect(readme, field).toMatch(new RegExp(`^\\| \`${field.replace('.', '\\.')}\` \\|`, 'm'));
  });

  it('never lets an unverified entry claim support: its summary says what is missing', () => {
    for (const entry of entries.filter((e) => e.status === 'unverified')) {
      expect(entry.summary, entry.name).toMatch(/only|no |not |nothing|nobody|neither|needs|must|disabled|skips/i);
      expect(entry.summary, entry.name).not.toMatch(/\bsupports PyPy\b/);
    }
  });

  it('uses dropIn "partial" only with the use it is a drop-in for, and records it for the issue-17 alternatives', () => {
    for (const entry of entries) {
      const alt = entry.alternative;
      if (alt?.dropIn === 'partial') expect(alt.dropInFor, entry.name).toBeTruthy();
    }
    expect(kb.get('psycopg2')!.alternative).toMatchObject({ name: 'psycopg', dropIn: 'partial' });
    expect(kb.get('psycopg2')!.alternative!.dropInFor).toMatch(/Django/);
    expect(kb.get('psycopg2')!.alternative!.note).toMatch(/psycopg2 API directly/);
    expect(kb.get('brotlipy')!.alternative).toMatchObject({ name: 'brotlicffi', dropIn: 'no' });
    expect(kb.get('orjson')!.alternative).toMatchObject({ name: 'json (standard library)', dropIn: 'no' });
    expect(kb.get('orjson')!.alternative!.note).toMatch(/maintenance-only/);
    expect(kb.get('orjson')!.alternative!.note).toMatch(/DEFAULT_RENDERER_CLASSES/);
  });

  it('carries the issue-17 corrections', () => {
    for (const name of ['aiohttp', 'yarl', 'multidict', 'frozenlist']) {
      expect(kb.get(name)!.status, name).toBe('pure-fallback');
      expect(kb.get(name)!.summary, name).toMatch(/py3-none-any/);
    }
    const scipy = kb.get('scipy')!;
    expect(scipy.sources.join(' ')).toContain('pull/24542');
    expect(scipy.sources.join(' ')).not.toContain('24491');
    expect(scipy.pythonLimit).toMatchObject({ specifier: '>=1.18', requiresPython: '>=3.12' });
    expect(kb.get('brotlipy')!.summary).toMatch(/Deprecated since 0\.8\.0 \(November 2020\)/);
    expect(kb.get('ujson')!.summary).toMatch(/maintenance-only/);
  });
});
