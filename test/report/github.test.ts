/**
 * GitHub output (issue 13): workflow commands on the manifest lines and the job summary, checked
 * line by line. Every line of `--format github` must be one command of ours, read back here with
 * the runner's own rules (actions/runner ActionCommand.TryParseV2 and its unescaping); a stranger's
 * package name must not add a command; GitHub's caps (10 per level per step, 50 per job) hold, the
 * most important first, with one closing notice for the rest. First on the bundled demo, scanned
 * for real against the local index; then on hand-made results.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { escapeData, escapeProperty, renderGithub, renderJobSummary, SUMMARY_LIMIT_BYTES } from '../../src/report/github.js';
import type { RenderContext } from '../../src/report/index.js';
import { escapeInline } from '../../src/report/markdown-escape.js';
import type { Finding, ReportTarget, ScanResult } from '../../src/scan/types.js';
import { scanDemo } from '../support/demo.js';

const CONTEXT: RenderContext = { color: false, verbose: false, width: 100 };

// ---------------------------------------------------------------- the runner's reading, re-implemented

interface Command {
  name: string;
  properties: Record<string, string>;
  data: string;
}

/** The runner's unescaping: property mappings, in its order (`%25` last). */
function unescapeProperty(text: string): string {
  return text.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%3A/g, ':').replace(/%2C/g, ',').replace(/%25/g, '%');
}

function unescapeData(text: string): string {
  return text.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
}

/** actions/runner `ActionCommand.TryParseV2` for one log line; null when the line is no command. */
function parseCommand(line: string): Command | null {
  const message = line.trimStart();
  if (!message.startsWith('::')) return null;
  const end = message.indexOf('::', 2);
  if (end < 0) return null;
  const info = message.slice(2, end);
  const space = info.indexOf(' ');
  const name = space < 0 ? info : info.slice(0, space);
  const properties: Record<string, string> = {};
  if (space > 0) {
    for (const pair of info.slice(space + 1).trim().split(',').filter(Boolean)) {
      const eq = pair.indexOf('=');
      if (eq > 0 && eq < pair.length - 1) properties[pair.slice(0, eq)] = unescapeProperty(pair.slice(eq + 1));
    }
  }
  return { name, properties, data: unescapeData(message.slice(end + 2)) };
}

/** The output's lines (the text ends with one line break); each must be a command. */
function commandsOf(output: string): Command[] {
  expect(output.endsWith('\n')).toBe(true);
  const lines = output.slice(0, -1).split('\n');
  // The runner splits the log on \n (a \r too would end a line in some viewers): neither is raw in a command.
  expect(output.slice(0, -1)).not.toMatch(/\r/);
  return lines.map((line) => {
    expect(line, line).toMatch(/^::(error|warning|notice)( [a-z]+=[^,:]*(,[a-z]+=[^,:]*)*)?::/);
    const command = parseCommand(line);
    expect(command, line).not.toBeNull();
    return command!;
  });
}

const commandLines = (output: string): number => output.split(/\r\n|\r|\n/).filter((l) => l.trimStart().startsWith('::')).length;

// ---------------------------------------------------------------- building results by hand

const PP73: ReportTarget = { id: 'pypy3.11-7.3-manylinux_x86_64', interpreter: 'pypy3.11-7.3', implementation: 'pypy', pythonVersion: '3.11.13', abi: 'pypy311_pp73', platform: 'manylinux_x86_64', baseline: 'glibc 2.28' };
const PP80: ReportTarget = { id: 'pypy3.11-8.0-manylinux_x86_64', interpreter: 'pypy3.11-8.0', implementation: 'pypy', pythonVersion: '3.11.13', abi: 'pypy311_pp80', platform: 'manylinux_x86_64', baseline: 'glibc 2.28' };

function finding(name: string, fields: Partial<Finding> = {}): Finding {
  return {
    name, version: '1.0', target: PP80.id, verdict: 'known-broken', severity: 'error', file: `${name}-1.0.tar.gz`,
    evidence: [`${name} evidence`], suggestion: `Replace ${name}`, project: '.', groups: ['main'], locations: [{ file: 'requirements.txt', line: 1, column: 1 }], via: [], unchecked: [],
    ...fields,
  };
}

function result(findings: Finding[], extra: Partial<ScanResult> = {}): ScanResult {
  return { schemaVersion: 1, tool: { name: 'pypy-ready', version: '0.1.0' }, targets: [PP73, PP80], projects: ['.'], requirements: [], findings, notInstalled: [], errors: [], indexReachable: true, ...extra };
}

// ---------------------------------------------------------------- the demo, for real

describe('the bundled Django demo as workflow commands (scanned against the local index)', () => {
  let demo: ScanResult;
  beforeAll(async () => {
    demo = await scanDemo(['pypy3.11-7.3', 'pypy3.11-8.0', 'cpython3.11']);
  }, 60_000);

  it('annotates each package once on its manifest line, merged across targets, errors first', () => {
    const output = renderGithub(demo, CONTEXT);
    const commands = commandsOf(output);
    const base = 'fixtures/demo-django/requirements/base.txt';
    expect(commands.map((c) => [c.name, c.properties['file'], c.properties['line'], c.properties['col'], c.properties['title']])).toEqual([
      ['error', base, '10', '1', 'psycopg2-binary 2.9.11: known-broken on PyPy 3.11 (7.3), PyPy 3.11 (8.0)'],
      ['error', base, '23', '1', 'orjson 3.11.4: known-broken on PyPy 3.11 (7.3), PyPy 3.11 (8.0)'],
      ['warning', base, '13', '1', 'hiredis 3.3.0: lost-pypy-wheels on PyPy 3.11 (7.3); source-build on PyPy 3.11 (8.0)'],
      ['warning', base, '16', '1', 'lxml 6.0.2: abi-mismatch on PyPy 3.11 (8.0); pypy-wheel on PyPy 3.11 (7.3)'],
      ['warning', base, '17', '1', 'pillow 12.0.0: abi-mismatch on PyPy 3.11 (8.0); pypy-wheel on PyPy 3.11 (7.3)'],
      ['warning', base, '18', '1', 'cryptography 46.0.3: abi-mismatch on PyPy 3.11 (8.0); pypy-wheel on PyPy 3.11 (7.3)'],
      ['warning', base, '22', '1', 'numpy 2.4.3: abi-mismatch on PyPy 3.11 (8.0); pypy-wheel on PyPy 3.11 (7.3)'],
      ['notice', base, '7', '1', 'django-crontab 0.7.1: source-build on PyPy 3.11 (7.3), PyPy 3.11 (8.0), CPython 3.11'],
      ['notice', base, '19', '1', 'markupsafe 3.0.3: pure-fallback on PyPy 3.11 (7.3), PyPy 3.11 (8.0)'],
    ]);
    // Nothing is left out, so no closing notice; nothing but commands.
    expect(commandLines(output)).toBe(commands.length);
  });

  it('says verdict, evidence, fix and where the code imports it in the message, one line each', () => {
    const [psycopg] = commandsOf(renderGithub(demo, CONTEXT));
    const lines = psycopg!.data.split('\n');
    expect(lines[0]).toBe('PyPy 3.11 (7.3), PyPy 3.11 (8.0): known-broken (error), psycopg2-binary 2.9.11');
    expect(lines[1]).toMatch(/^- knowledge base: broken: No PyPy wheels/);
    expect(lines[2]).toBe('- pip would install psycopg2-binary-2.9.11.tar.gz');
    expect(lines.at(-2)).toMatch(/^Fix: Keep ENGINE "django\.db\.backends\.postgresql": .* instead of psycopg2-binary/);
    // fixtures/demo-django/ledger/views.py imports psycopg2 on its line 3.
    expect(lines.at(-1)).toBe('Used in: web ledger/views.py:3');
  });

  it('writes a job summary with the bottom line, counts and the table', () => {
    const summary = renderJobSummary(demo);
    const lines = summary.split('\n');
    expect(lines[0]).toBe('## pypy-ready: PyPy readiness');
    expect(lines).toContain('- CPython 3.11: nothing blocks.');
    expect(lines.find((l) => l.startsWith('- PyPy 3.11 \\(8.0\\): 2 blockers'))).toBeDefined();
    expect(lines).toContain('| Target | Packages | blocker | warning | not checked | info | ok |');
    expect(lines.find((l) => l.startsWith('| PyPy 3.11 \\(7.3\\) |'))).toMatch(/^\| PyPy 3\.11 \\\(7\.3\\\) \| \d+ \| 2 \| 1 \| 0 \| \d+ \| \d+ \|$/);
    const table = lines.filter((l) => /^\| (blocker|warning|not checked) \|/.test(l));
    expect(table.map((l) => l.split(' | ').slice(0, 6).join(' | '))).toEqual([
      '| blocker | orjson | 3.11.4 | PyPy 3.11 \\(7.3\\), PyPy 3.11 \\(8.0\\) | known-broken | fixtures/demo-django/requirements/base.txt:23',
      '| blocker | psycopg2-binary | 2.9.11 | PyPy 3.11 \\(7.3\\), PyPy 3.11 \\(8.0\\) | known-broken | fixtures/demo-django/requirements/base.txt:10',
      '| warning | cryptography | 46.0.3 | PyPy 3.11 \\(8.0\\) | abi-mismatch | fixtures/demo-django/requirements/base.txt:18',
      '| warning | hiredis | 3.3.0 | PyPy 3.11 \\(7.3\\) | lost-pypy-wheels | fixtures/demo-django/requirements/base.txt:13',
      '| warning | hiredis | 3.3.0 | PyPy 3.11 \\(8.0\\) | source-build | fixtures/demo-django/requirements/base.txt:13',
      '| warning | lxml | 6.0.2 | PyPy 3.11 \\(8.0\\) | abi-mismatch | fixtures/demo-django/requirements/base.txt:16',
      '| warning | numpy | 2.4.3 | PyPy 3.11 \\(8.0\\) | abi-mismatch | fixtures/demo-django/requirements/base.txt:22',
      '| warning | pillow | 12.0.0 | PyPy 3.11 \\(8.0\\) | abi-mismatch | fixtures/demo-django/requirements/base.txt:17',
    ]);
    // Every table row has its seven cells (no `|` from the text split one).
    for (const row of lines.filter((l) => l.startsWith('| ') && !l.startsWith('| Target') && !/^\| PyPy|^\| CPython/.test(l))) {
      expect(row.split(/(?<!\\)\|/).length - 2, row).toBe(7);
    }
  });
});

// ---------------------------------------------------------------- hostile names

describe('a crafted package name adds no command', () => {
  const crafted = ['evil%0A::error::pwned', 'raw\n::error::x', 'cr\r::warning::y', 'comma,colon:title=z::', '\u001b[31mred\u202e'];

  it.each(crafted)('%j stays inside its own annotation, and reads back as it was (control characters stripped)', (name) => {
    const output = renderGithub(result([finding(name, { version: 'v%0D1', evidence: [`e ${name}`], suggestion: `s ${name}` })]), CONTEXT);
    const commands = commandsOf(output);
    expect(commands).toHaveLength(1);
    expect(commandLines(output)).toBe(1);
    const [command] = commands;
    expect(command!.name).toBe('error');
    expect(command!.properties).toMatchObject({ file: 'requirements.txt', line: '1', col: '1' });
    expect(Object.keys(command!.properties).sort()).toEqual(['col', 'file', 'line', 'title']);
    // The name as the other reports show it: control characters gone, line breaks folded to a space.
    const shown = name.replace(/\r/g, '').replace(/\n/g, ' ').replace(/[\u001b\u202e]/g, '');
    expect(command!.properties['title']).toBe(`${shown} v%0D1: known-broken on PyPy 3.11 (8.0)`);
    expect(command!.data.split('\n')).toEqual([`PyPy 3.11 (8.0): known-broken (error), ${shown} v%0D1`, `- e ${shown}`, `Fix: s ${shown}`]);
  });

  it('escapes as the toolkit does: `%` first, then CR, LF, and in properties `:` and `,`', () => {
    expect(escapeData('a%0A\r\n::b,c')).toBe('a%250A%0D%0A::b,c');
    expect(escapeProperty('a%0A\r\n::b,c')).toBe('a%250A%0D%0A%3A%3Ab%2Cc');
    const line = renderGithub(result([finding('evil%0A::error::pwned')]), CONTEXT).trimEnd();
    expect(line).toBe(
      '::error file=requirements.txt,line=1,col=1,title=evil%250A%3A%3Aerror%3A%3Apwned 1.0%3A known-broken on PyPy 3.11 (8.0)::' +
        'PyPy 3.11 (8.0): known-broken (error), evil%250A::error::pwned 1.0%0A- evil%250A::error::pwned evidence%0AFix: Replace evil%250A::error::pwned',
    );
  });

  it('escapes a file name with a colon or a comma', () => {
    const [command] = commandsOf(renderGithub(result([finding('x', { locations: [{ file: 'C:\\a,b\\req.txt', line: 4, column: 2 }] })]), CONTEXT));
    expect(command!.properties).toMatchObject({ file: 'C:/a,b/req.txt', line: '4', col: '2' });
  });
});

// ---------------------------------------------------------------- caps

describe('GitHub keeps 10 annotations per level per step and 50 per job', () => {
  const errors = Array.from({ length: 100 }, (_, i) => finding(`pkg${String(i).padStart(3, '0')}`, { locations: [{ file: 'requirements.txt', line: i + 1, column: 1 }] }));
  const warnings = Array.from({ length: 15 }, (_, i) => finding(`warn${String(i).padStart(2, '0')}`, { verdict: 'abi-mismatch', severity: i % 2 ? 'unknown' : 'warning', locations: [{ file: 'requirements.txt', line: 200 + i, column: 1 }] }));
  const notices = Array.from({ length: 12 }, (_, i) => finding(`info${String(i).padStart(2, '0')}`, { verdict: 'pypy-wheel', severity: 'info', locations: [{ file: 'requirements.txt', line: 300 + i, column: 1 }] }));

  it('of 100 errors emits the first 10, then one notice counting the other 90', () => {
    const output = renderGithub(result(errors), CONTEXT);
    const commands = commandsOf(output);
    expect(commands).toHaveLength(11);
    expect(commandLines(output)).toBe(11);
    expect(commands.slice(0, 10).map((c) => [c.name, c.properties['line']])).toEqual(Array.from({ length: 10 }, (_, i) => ['error', String(i + 1)]));
    const last = commands[10]!;
    expect(last.name).toBe('notice');
    expect(last.properties).toEqual({ title: 'pypy-ready: more findings in the job summary' });
    expect(last.data).toBe('90 more annotations (90 errors) left out: GitHub shows at most 10 per level in a step. The job summary lists every blocker and warning.');
  });

  it('keeps 10 per level, errors then warnings then notices, and the closing notice takes the tenth notice slot', () => {
    const commands = commandsOf(renderGithub(result([...notices, ...warnings, ...errors]), CONTEXT));
    const levels = commands.map((c) => c.name);
    expect(levels).toEqual([...Array(10).fill('error'), ...Array(10).fill('warning'), ...Array(10).fill('notice')]);
    // Warnings before `unknown` within the warning level.
    expect(commands.slice(10, 18).map((c) => c.properties['title']!.split(' ')[0])).toEqual(['warn00', 'warn02', 'warn04', 'warn06', 'warn08', 'warn10', 'warn12', 'warn14']);
    expect(commands.at(-1)!.data).toMatch(/^98 more annotations \(90 errors, 5 warnings, 3 notices\) left out/);
  });

  it('keeps 50 in all when a level may hold more', () => {
    const commands = commandsOf(renderGithub(result(errors), CONTEXT, { limits: { perLevel: 100 } }));
    expect(commands).toHaveLength(50);
    expect(commands.filter((c) => c.name === 'error')).toHaveLength(49);
    expect(commands.at(-1)!.data).toMatch(/^51 more annotations \(51 errors\)/);
  });

  it('ranks the lines the pull request changed first within a level', () => {
    const changedLines = new Set(['requirements.txt:57', './requirements.txt:99', 'requirements.txt:305']);
    const commands = commandsOf(renderGithub(result([...notices, ...errors]), CONTEXT, { changedLines }));
    expect(commands.slice(0, 3).map((c) => c.properties['line'])).toEqual(['57', '99', '1']);
    expect(commands.filter((c) => c.name === 'notice')[0]!.properties['line']).toBe('305');
  });

  it('says nothing when every package is fine', () => {
    expect(renderGithub(result([finding('fine', { severity: 'ok', verdict: 'pure' })]), CONTEXT)).toBe('');
  });
});

// ---------------------------------------------------------------- the job summary

describe('the job summary', () => {
  it('escapes table cells: pipe, backtick, @mention, HTML, line break', () => {
    const name = 'a|b `code` @user <b>bold</b>\nnext';
    const summary = renderJobSummary(result([finding(name, { suggestion: 'cc @octocat | use `x`' })]));
    const row = summary.split('\n').find((l) => l.startsWith('| blocker |'))!;
    expect(row).toBe(
      '| blocker | a\\|b \\`code\\` @&#8203;user &lt;b&gt;bold&lt;/b&gt;<br>next | 1.0 | PyPy 3.11 \\(8.0\\) | known-broken | requirements.txt:1 | cc @&#8203;octocat \\| use \\`x\\` |',
    );
    expect(row.split(/(?<!\\)\|/).length - 2).toBe(7);
    // The bottom line names it too, escaped as running text and on one line.
    expect(summary).not.toMatch(/<b>|@user|@octocat/);
    expect(summary.split('\n').every((l) => !l.startsWith('next'))).toBe(true);
  });

  it('starts no line with a workflow command, whatever the names hold', () => {
    const summary = renderJobSummary(result([finding('evil%0A::error::pwned'), finding('raw\n::error::x', { suggestion: 'a\n::warning::b' })], { errors: [{ kind: 'manifest', severity: 'error', message: '::error::m\n::add-mask::s', file: 'r\n::notice::.txt', line: 2 }] }));
    expect(summary.split(/\r\n|\r|\n/).filter((l) => /^\s*::/.test(l))).toEqual([]);
    expect(summary).toContain('| blocker | raw<br>::error::x |');
  });

  it('stays within 1 MiB, leaving rows out with a note saying how many', () => {
    const long = 'x'.repeat(900);
    const many = Array.from({ length: 3000 }, (_, i) => finding(`pkg${i}`, { suggestion: `${long} ${i}`, locations: [{ file: 'requirements.txt', line: i + 1, column: 1 }] }));
    const summary = renderJobSummary(result(many));
    expect(Buffer.byteLength(summary, 'utf8')).toBeLessThanOrEqual(SUMMARY_LIMIT_BYTES);
    const rows = summary.split('\n').filter((l) => l.startsWith('| blocker |')).length;
    expect(rows).toBeGreaterThan(1000);
    expect(rows).toBeLessThan(3000);
    expect(summary).toContain(`> **${3000 - rows} rows left out**: GitHub keeps at most 1 MiB of a step's summary.`);
    // Cut between rows, never inside one.
    expect(summary.split('\n').filter((l) => l.startsWith('| blocker |')).every((l) => l.endsWith(' |'))).toBe(true);
  });

  it('fits a smaller budget too, and says nothing of a cut when there is none', () => {
    const some = Array.from({ length: 50 }, (_, i) => finding(`pkg${i}`));
    expect(renderJobSummary(result(some))).not.toMatch(/left out/);
    const small = renderJobSummary(result(some), { maxBytes: 4000 });
    expect(Buffer.byteLength(small, 'utf8')).toBeLessThanOrEqual(4000);
    expect(small).toMatch(/> \*\*\d+ rows left out\*\*/);
  });
});

describe('the job summary ends with the advice', () => {
  it('names what the advice names on the demo, escaped for Markdown; not in PR mode', async () => {
    const demo = await scanDemo();
    const summary = renderJobSummary(demo);
    const advice = demo.advice ?? [];
    expect(advice.length).toBeGreaterThan(1);
    const section = summary.slice(summary.indexOf('### Advice\n'));
    expect(section.split('\n').filter((l) => l.startsWith('- '))).toHaveLength(advice.length);
    expect(section).toContain(escapeInline(advice[0]!.text).slice(0, 60));
    const inPr = renderJobSummary({ ...demo, comparison: { baseline: 'main', all: { ok: 0, info: 0, warning: 0, error: 0, unknown: 0 }, newOrWorse: { ok: 0, info: 0, warning: 0, error: 0, unknown: 0 }, resolved: 0 } });
    expect(inPr).not.toContain('### Advice');
  });
});
