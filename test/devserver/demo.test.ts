/** What `npm run demo` shows a new user: the headline findings of the bundled Django project. */
import { describe, expect, it } from 'vitest';
import { runDemo } from '../../src/devserver/demo.js';
import type { ScanResult } from '../../src/scan/types.js';
import { captureIO } from '../support/cli.js';

describe('the demo', () => {
  it('prints a real report of the bundled Django project', async () => {
    const io = captureIO();
    expect(await runDemo([], io)).toBe(0);
    const text = io.out;
    // psycopg2-binary: an error, with psycopg as the fix.
    expect(text).toMatch(/^Will not install or will not work[\s\S]*^ {2}psycopg2-binary {2}\(fixtures\/demo-django\/requirements\/base\.txt:\d+, group main\)\n {4}used in: web ledger\/views\.py:3\n {4}pypy3\.11-7\.3, pypy3\.11-8\.0: known-broken[^\n]*\n {6}fix: Keep ENGINE "django\.db\.backends\.postgresql": .* instead of psycopg2-binary/m);
    // The code is read too: where each blocker is imported, and that orjson is only an optional import.
    expect(text).toMatch(/^ {2}orjson {2}\([^)]*\)\n {4}used in: other ledger\/serialize\.py:3 \(optional\)\n {4}pypy3\.11-7\.3, pypy3\.11-8\.0: known-broken/m);
    // lxml installs from a PyPy wheel on 7.3, with the cpyext note.
    expect(text).toMatch(/pypy3\.11-7\.3: pypy-wheel [\d.]+ -> lxml-[\d.]+-pp311-pypy311_pp73-[^\n]+\n[^\n]*\n {6}- compiled for pypy311_pp73: it runs through cpyext/);
    expect(io.err).toBe('');
  });

  it('says Django is fine (the 5.2 line on PyPy 3.11) in its JSON form too', async () => {
    const io = captureIO();
    await runDemo(['--format', 'json'], io);
    const report = JSON.parse(io.out) as ScanResult;
    const django = report.findings.filter((f) => f.name === 'django');
    expect(django.map((f) => [f.verdict, f.severity])).toEqual([
      ['pure', 'ok'],
      ['pure', 'ok'],
    ]);
    expect(django.every((f) => f.version?.startsWith('5.2.'))).toBe(true);
    expect(report.findings.find((f) => f.name === 'psycopg2-binary')?.severity).toBe('error');
    expect(report.findings.find((f) => f.name === 'orjson')?.severity).toBe('error');
  });
});
