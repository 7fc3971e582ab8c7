/**
 * Which import sites a finding keeps when there are more than it can hold (`usedIn`, 20): the
 * first of each role, optional or not, then the rest in file order. Checked on the rule itself and
 * on a real project of 25 views and one Celery task, where the bottom line must still name the
 * workers.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { usePhrase } from '../../src/report/bottom-line.js';
import { usedInSentence } from '../../src/report/usage.js';
import type { Finding } from '../../src/scan/types.js';
import { USED_IN_SHOWN, usageForScan } from '../../src/usage/attach.js';
import type { Role } from '../../src/usage/roles.js';
import { keepSites } from '../../src/usage/sites.js';

const site = (n: number, role: Role, optional = false) => ({ file: `f${String(n).padStart(2, '0')}.py`, line: 1, role, optional });

describe('keepSites', () => {
  it('keeps everything when it fits, in order', () => {
    const sites = [site(1, 'web'), site(2, 'tests')];
    expect(keepSites(sites, 2)).toEqual(sites);
  });

  it('keeps the first of each role and optional pair, then fills up in file order, and stays in file order', () => {
    const sites = [...Array.from({ length: 8 }, (_, i) => site(i, 'web')), site(8, 'other', true), site(9, 'workers'), site(10, 'web', true)];
    expect(keepSites(sites, 5).map((s) => s.file)).toEqual(['f00.py', 'f01.py', 'f08.py', 'f09.py', 'f10.py']);
    // More pairs than room: the first pairs met win.
    expect(keepSites(sites, 2).map((s) => s.file)).toEqual(['f00.py', 'f08.py']);
  });
});

describe('a package imported by many views and one task', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pypy-ready-sites-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps the task among the 20 sites, so the bottom line and the text name the workers too', async () => {
    mkdirSync(join(dir, 'app', 'views'), { recursive: true });
    mkdirSync(join(dir, 'app', 'worker'), { recursive: true });
    for (let i = 0; i < 25; i++) writeFileSync(join(dir, 'app', 'views', `v${String(i).padStart(2, '0')}.py`), 'from django.http import JsonResponse\nimport psycopg2\n');
    // Walked last (app/views/ comes before app/worker/): the 26th site.
    writeFileSync(join(dir, 'app', 'worker', 'tasks.py'), 'from celery import shared_task\nimport psycopg2\n\n@shared_task\ndef run():\n    pass\n');
    writeFileSync(join(dir, 'requirements.txt'), 'psycopg2\n');
    const finding = { name: 'psycopg2', version: '2.9', target: 't', verdict: 'known-broken', severity: 'error', file: null, evidence: [], suggestion: null, project: '.', groups: ['main'], locations: [], via: [], unchecked: [] } as Finding;
    const { findings } = await usageForScan([{ root: '.', declared: ['psycopg2'] }], [finding], { cwd: dir, paths: ['.'], cacheDir: null });
    const [f] = findings;
    expect(f!.usedInCount).toBe(26);
    expect(f!.usedIn).toHaveLength(USED_IN_SHOWN);
    expect(f!.usedIn!.filter((s) => s.role === 'workers').map((s) => s.file)).toEqual(['app/worker/tasks.py']);
    expect(usePhrase([f!])).toBe('imported by the web tier and the workers');
    expect(usedInSentence(f!)).toMatch(/^used in: web app\/views\/v00\.py:2, .*; workers app\/worker\/tasks\.py:2; and 20 more$/);
  });
});
