/**
 * The HTML report in a real browser: Debian's Chromium (`/usr/bin/chromium`, which `.ci/run`
 * installs), headless, driven by playwright-core with the system executable (no browser is ever
 * downloaded). The bundled demo's report is written to a temporary file and opened from a `file://`
 * URL, as a user opens it. Skipped, with the reason in the suite's name, without Chromium.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type BrowserContextOptions, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { worstSeverity } from '../../src/assess/types.js';
import { renderHtml } from '../../src/report/html.js';
import type { Finding, ReportTarget, ScanResult } from '../../src/scan/types.js';
import { scanDemo } from '../support/demo.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
const SKIP_REASON = `${CHROMIUM} is missing (Debian's chromium package, which .ci/run installs)`;
const ARGS = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const VIEWPORT = { width: 1280, height: 900 };
/** Where the lead engineer looks at the page. */
const SHARED_SCREENSHOT = '/tmp/pypy-ready-html.png';

const CONTEXT = { color: false, verbose: false, width: 100 };

interface Opened {
  page: Page;
  /** Every URL the page requested. */
  requests: string[];
  /** Console errors (CSP violations are reported there) and uncaught exceptions. */
  errors: string[];
  /** Every alert, confirm or prompt the page opened. */
  dialogs: string[];
  close: () => Promise<void>;
}

describe.skipIf(!hasChromium)(hasChromium ? 'the HTML report in a real browser (headless Chromium)' : `the HTML report in a real browser (skipped: ${SKIP_REASON})`, () => {
  let browser: Browser;
  let work: string;
  let demo: ScanResult;
  let demoUrl: string;

  async function open(url: string, options: BrowserContextOptions = {}): Promise<Opened> {
    const context = await browser.newContext({ viewport: VIEWPORT, ...options });
    const page = await context.newPage();
    const requests: string[] = [];
    const errors: string[] = [];
    const dialogs: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('dialog', (d) => {
      dialogs.push(`${d.type()}: ${d.message()}`);
      void d.dismiss();
    });
    await page.goto(url, { waitUntil: 'load' });
    return { page, requests, errors, dialogs, close: () => context.close() };
  }

  function write(name: string, html: string): string {
    const file = join(work, name);
    writeFileSync(file, html);
    return pathToFileURL(file).href;
  }

  const rows = (page: Page) => page.locator('tbody.pkg');
  const visibleNames = (page: Page) => rows(page).filter({ visible: true }).locator('.pkg-name').allTextContents();

  /** The demo's packages whose worst severity is not `ok`, in the report's order (ground truth from the scan's data). */
  function problemNames(keep: (name: string, fixes: string[]) => boolean = () => true): string[] {
    const byName = new Map<string, Finding[]>();
    for (const f of demo.findings) byName.set(f.name, [...(byName.get(f.name) ?? []), f]);
    return [...byName]
      .filter(([, fs]) => worstSeverity(fs.map((f) => f.severity)) !== 'ok')
      .filter(([name, fs]) => keep(name, fs.map((f) => f.suggestion ?? '')))
      .map(([name]) => name)
      .sort();
  }

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'pypy-ready-html-'));
    demo = await scanDemo(['pypy3.11-7.3', 'pypy3.11-8.0', 'cpython3.11']);
    demoUrl = write('demo report.html', renderHtml(demo, CONTEXT));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('opens from a file:// URL, requests nothing but the file, and logs no error (no CSP violation)', async () => {
    const { page, requests, errors, close } = await open(demoUrl);
    try {
      expect(await page.title()).toMatch(/^PyPy readiness of fixtures\/demo-django — pypy-ready \d+\.\d+\.\d+/);
      // The controls are live: the script ran, so the CSP let it.
      expect(await page.locator('#filter-text').isEnabled()).toBe(true);
      expect(await page.locator('button.toggle').count()).toBe(41);
      await page.locator('button.toggle').first().click();
      await page.locator('#filter-text').fill('x');
      expect(requests).toEqual([demoUrl]);
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });

  it('shows only the problems at first, and every package when "problems only" is unticked', async () => {
    const { page, close } = await open(demoUrl);
    try {
      const problems = problemNames();
      expect(problems).toHaveLength(9);
      expect(await page.locator('#filter-problems').isChecked()).toBe(true);
      expect((await visibleNames(page)).sort()).toEqual(problems);
      expect(await page.getByRole('button', { name: 'django', exact: true }).isVisible()).toBe(false);
      expect(await page.locator('#shown').textContent()).toBe('Showing 9 of 41 packages (problems only: packages fine on every target are hidden).');

      await page.locator('#filter-problems').uncheck();
      expect(await rows(page).filter({ visible: true }).count()).toBe(41);
      expect(await page.getByRole('button', { name: 'django', exact: true }).isVisible()).toBe(true);
      expect(await page.locator('#shown').textContent()).toBe('Showing 41 of 41 packages.');

      await page.locator('#filter-problems').check();
      expect((await visibleNames(page)).sort()).toEqual(problems);
    } finally {
      await close();
    }
  });

  it('hides the rows that do not match the text filter (name or fix) and shows those that do', async () => {
    const { page, close } = await open(demoUrl);
    try {
      await page.locator('#filter-text').fill('psycopg');
      expect(await visibleNames(page)).toEqual(['psycopg2-binary']);
      expect(await page.getByRole('button', { name: 'orjson' }).isVisible()).toBe(false);
      expect(await page.getByRole('button', { name: 'psycopg2-binary' }).isVisible()).toBe(true);

      // Matched by its fix, not its name, and case does not matter.
      await page.locator('#filter-text').fill('Standard Library');
      const byFix = problemNames((name, fixes) => [name, ...fixes].join(' ').toLowerCase().includes('standard library'));
      expect(byFix).toContain('orjson');
      expect((await visibleNames(page)).sort()).toEqual(byFix);

      await page.locator('#filter-text').fill('no-such-package');
      expect(await rows(page).filter({ visible: true }).count()).toBe(0);
      expect(await page.locator('#shown').textContent()).toMatch(/^Showing 0 of 41 packages/);

      await page.locator('#filter-text').fill('');
      expect((await visibleNames(page)).sort()).toEqual(problemNames());
    } finally {
      await close();
    }
  });

  it('shows only the packages of the chosen worst severity', async () => {
    const { page, close } = await open(demoUrl);
    try {
      const select = page.locator('#filter-severity');
      await select.selectOption('error');
      expect(await visibleNames(page)).toEqual(['orjson', 'psycopg2-binary']);
      await select.selectOption('warning');
      expect(await visibleNames(page)).toEqual(['cryptography', 'hiredis', 'lxml', 'numpy', 'pillow']);
      // Fine packages: none while "problems only" hides them, all 32 without it.
      await select.selectOption('ok');
      expect(await rows(page).filter({ visible: true }).count()).toBe(0);
      await page.locator('#filter-problems').uncheck();
      expect(await rows(page).filter({ visible: true }).count()).toBe(32);
      // Text and severity together.
      await page.locator('#filter-text').fill('django');
      const fineDjango = [...new Set(demo.findings.filter((f) => f.name.includes('django')).map((f) => f.name))].filter((n) => problemNames().every((p) => p !== n)).sort();
      expect(fineDjango).toContain('django');
      expect(await visibleNames(page)).toEqual(fineDjango);
      await select.selectOption('any');
      await page.locator('#filter-text').fill('');
      expect(await rows(page).filter({ visible: true }).count()).toBe(41);
    } finally {
      await close();
    }
  });

  it('expands a row to show its evidence, and collapses it again', async () => {
    const { page, close } = await open(demoUrl);
    try {
      const button = page.getByRole('button', { name: 'orjson' });
      const detail = page.locator('tbody.pkg', { has: button }).locator('tr.detail');
      expect(await detail.isVisible()).toBe(false);
      expect(await button.getAttribute('aria-expanded')).toBe('false');
      await button.click();
      expect(await detail.isVisible()).toBe(true);
      expect(await button.getAttribute('aria-expanded')).toBe('true');
      const evidence = demo.findings.find((f) => f.name === 'orjson' && f.target.startsWith('pypy3.11-7.3'))!.evidence;
      expect(evidence.length).toBeGreaterThan(0);
      for (const fact of evidence) expect(await detail.getByText(fact, { exact: true }).first().isVisible()).toBe(true);
      expect(await detail.innerText()).toContain('Replace with json (standard library)');
      expect(await detail.innerText()).toContain('fixtures/demo-django/requirements/base.txt:23');
      await button.press('Enter');
      expect(await detail.isVisible()).toBe(false);
    } finally {
      await close();
    }
  });

  it('is screenshotted: a PNG of the page with one package open', async () => {
    const { page, close } = await open(demoUrl);
    try {
      await page.getByRole('button', { name: 'orjson' }).click();
      const file = join(work, 'report.png');
      await page.screenshot({ path: file, fullPage: true });
      await page.screenshot({ path: SHARED_SCREENSHOT, fullPage: true });
      const png = readFileSync(file);
      expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
      expect(png.subarray(12, 16).toString('latin1')).toBe('IHDR');
      expect(png.readUInt32BE(16)).toBe(VIEWPORT.width);
      // The whole page: taller than the window, as the table with an open package is.
      expect(png.readUInt32BE(20)).toBeGreaterThan(VIEWPORT.height);
      expect(png.length).toBeGreaterThan(50_000);
      expect(statSync(SHARED_SCREENSHOT).size).toBe(png.length);
    } finally {
      await close();
    }
  });

  it('shows everything, with the controls disabled, when JavaScript is off', async () => {
    const { page, requests, errors, close } = await open(demoUrl, { javaScriptEnabled: false });
    try {
      expect(await rows(page).filter({ visible: true }).count()).toBe(41);
      expect(await page.locator('tr.detail').filter({ visible: true }).count()).toBe(41);
      expect(await page.locator('#filter-text').isDisabled()).toBe(true);
      expect(await page.locator('#filter-problems').isChecked()).toBe(false);
      expect(requests).toEqual([demoUrl]);
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });

  // ---------------------------------------------------------------- hostile content

  const TARGET: ReportTarget = { id: 'pypy3.11-8.0-manylinux_x86_64', interpreter: 'pypy3.11-8.0', implementation: 'pypy', pythonVersion: '3.11.13', abi: 'pypy311_pp80', platform: 'manylinux_x86_64', baseline: 'glibc 2.28' };
  const HOSTILE_NAMES = [
    '<img src=x onerror="alert(1);window.__pwned=1">',
    '<script>alert(2);window.__pwned=2</script>',
    'x" onmouseover="alert(3);window.__pwned=3" data-x="',
    "y' autofocus onfocus='window.__pwned=4' '",
  ];
  function hostileFinding(name: string, i: number): Finding {
    return {
      name,
      version: `1.0"><b>${i}</b>`,
      target: TARGET.id,
      verdict: 'known-broken',
      severity: 'error',
      file: `</td></tr></tbody></table><script>window.__pwned=10</script>-${i}.tar.gz`,
      evidence: [`<iframe src="javascript:window.__pwned=11"></iframe>`, `<svg onload="window.__pwned=12"></svg>`],
      suggestion: `"><script>window.__pwned=13</script><a href="javascript:window.__pwned=14">fix</a>`,
      project: '.',
      groups: ['main'],
      locations: [{ file: 'javascript:window.__pwned=15', line: i + 1, column: 1 }],
      via: [`<style>body{display:none}</style>`],
      unchecked: [],
    };
  }
  const HOSTILE: ScanResult = {
    schemaVersion: 1,
    tool: { name: 'pypy-ready', version: '0.1.0' },
    targets: [TARGET],
    projects: ['.'],
    requirements: [],
    findings: HOSTILE_NAMES.map(hostileFinding),
    notInstalled: [],
    errors: [{ kind: 'index', severity: 'warning', message: '<img src=x onerror="window.__pwned=16">', url: 'javascript:window.__pwned=17' }],
    indexReachable: true,
  };

  /** Hover, focus and click everything a payload could hang a handler on. */
  async function poke(page: Page): Promise<void> {
    for (const button of await page.locator('button.toggle').all()) {
      await button.hover();
      await button.click();
    }
    for (const cell of await page.locator('td, th, li, dd').filter({ visible: true }).all()) await cell.hover({ timeout: 2_000 });
    await page.keyboard.press('Tab');
  }

  it('shows a hostile package as text: no script runs, no dialog opens, nothing is requested', async () => {
    // --verbose, so the index problem's javascript: URL is on the page too.
    const url = write('hostile.html', renderHtml(HOSTILE, { ...CONTEXT, verbose: true }));
    const { page, requests, errors, dialogs, close } = await open(url);
    try {
      await poke(page);
      expect(await page.evaluate(() => (globalThis as unknown as { __pwned?: unknown }).__pwned)).toBeUndefined();
      expect(dialogs).toEqual([]);
      expect(requests).toEqual([url]);
      expect(errors).toEqual([]);
      // Only our own elements: one script, no image, frame, SVG, link or second style.
      expect(await page.locator('script').count()).toBe(1);
      expect(await page.locator('style').count()).toBe(1);
      expect(await page.locator('img, iframe, svg, a, b, [onmouseover], [onfocus], [data-x]').count()).toBe(0);
      // The text shows as it was written.
      for (const name of HOSTILE_NAMES) expect(await page.getByRole('button', { name, exact: true }).isVisible()).toBe(true);
      const detail = await page.locator('tr.detail').first().innerText();
      expect(detail).toContain('<iframe src="javascript:window.__pwned=11"></iframe>');
      expect(detail).toContain('"><script>window.__pwned=13</script><a href="javascript:window.__pwned=14">fix</a>');
      expect(detail).toContain('</td></tr></tbody></table><script>window.__pwned=10</script>-0.tar.gz');
      expect(await page.locator('td.where').first().innerText()).toBe('javascript:window.__pwned=15:1');
      expect(await page.locator('.problem').innerText()).toContain('<img src=x onerror="window.__pwned=16"> — javascript:window.__pwned=17');
      // The filter still works on such names.
      await page.locator('#filter-text').fill('onmouseover');
      expect(await visibleNames(page)).toEqual([HOSTILE_NAMES[2]]);
    } finally {
      await close();
    }
  });

  it('catches a page where the payload does run (the checks above can fail)', async () => {
    const url = write('raw.html', `<!DOCTYPE html><html><head><meta charset="utf-8"><title>raw</title></head><body><p>${HOSTILE_NAMES[0]}</p></body></html>`);
    const { page, requests, dialogs, close } = await open(url);
    try {
      await page.waitForFunction(() => (globalThis as unknown as { __pwned?: unknown }).__pwned === 1);
      expect(dialogs).toEqual(['alert: 1']);
      expect(requests).toEqual([url, new URL('x', url).href]);
    } finally {
      await close();
    }
  });

  it('reports a CSP violation as a console error (so "no console errors" means none happened)', async () => {
    const report = readFileSync(new URL(demoUrl), 'utf8');
    // A second inline script, which the report's CSP does not allow.
    const url = write('violation.html', report.replace('</body>', '<script>window.__ran = 1</script>\n</body>'));
    const { page, errors, close } = await open(url);
    try {
      expect(await page.evaluate(() => (globalThis as unknown as { __ran?: unknown }).__ran)).toBeUndefined();
      expect(errors.join('\n')).toMatch(/Content Security Policy/);
    } finally {
      await close();
    }
  });
});
