/**
 * Hostile content in every renderer (issue 10): names, versions, summaries, yanked reasons, file
 * names, URLs and evidence come from manifests and index pages, and the project's own file names
 * from its tree (where each package is imported), that is from strangers. Each may
 * carry ANSI CSI/OSC sequences, a carriage return, C1 controls (U+009B is an 8-bit CSI), bidi
 * overrides (U+202E), GitHub workflow-command sequences, Markdown or HTML. One `ScanResult` holds
 * them all, and each renderer is one row of the table below: its name, how to render, and what
 * "neutralised" means in its output language. A new renderer (Markdown, SARIF, GitHub annotations,
 * HTML) joins by adding its row; the interactive audit has one (every frame it draws).
 */
import { EventEmitter } from 'node:events';
import { render as renderInk } from 'ink';
import React from 'react';
import { describe, expect, it } from 'vitest';
import { bottomLine } from '../../src/report/bottom-line.js';
import { renderGithub, renderJobSummary } from '../../src/report/github.js';
import { renderHtml } from '../../src/report/html.js';
import { renderJson } from '../../src/report/json.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { renderSarif } from '../../src/report/sarif.js';
import { Audit } from '../../src/tui/audit.js';
import { renderText } from '../../src/report/text.js';
import type { Finding, ScanResult } from '../../src/scan/types.js';

/** The payloads, each with a visible marker word so a test can see that the field was shown. */
const PAYLOADS = {
  csi: 'csi\u001b[2J\u001b[Hwiped',
  osc: 'osc\u001b]0;pwned title\u0007\u001b]8;;https://evil.example/\u001b\\click\u001b]8;;\u001b\\',
  carriageReturn: 'looks-fine\rrewritten',
  c1: 'c1\u009b31mred\u0085next\u009d0;title\u009c',
  bidi: 'bidi\u202eexe.txt\u202c and \u2066isolated\u2069 \u200fmarked',
  separators: 'line\u2028separator\u2029paragraph',
  workflow: '::error file=x.py,line=1::injected%0A::add-mask::secret',
  workflowAfterNewline: 'first\n::warning::second line',
  // The runner's older syntax: a command anywhere in a line.
  legacyWorkflow: 'legacy ##[add-mask]hidden ##[error]annotated',
  markdown: '[click me](javascript:alert(1)) **bold** `code` | table | # heading',
  html: '<script>alert(1)</script><img src=x onerror=alert(1)>&amp;&lt;',
  nul: 'nul\u0000del\u007fbell\u0007tab\ttab',
} as const;

const ALL = Object.values(PAYLOADS).join(' ');
const TARGET = { id: 'pypy3.11-8.0-manylinux_x86_64', interpreter: 'pypy3.11-8.0', implementation: 'pypy' as const, pythonVersion: '3.11.13', abi: 'pypy311_pp80', platform: 'manylinux_x86_64', baseline: 'glibc 2.28' };

function finding(fields: Partial<Finding>): Finding {
  return {
    name: 'hostile',
    version: '1.0',
    target: TARGET.id,
    verdict: 'known-broken',
    severity: 'error',
    file: 'hostile-1.0.tar.gz',
    evidence: [],
    suggestion: null,
    project: '.',
    groups: ['main'],
    locations: [{ file: 'requirements.txt', line: 1, column: 1 }],
    via: [],
    unchecked: [],
    ...fields,
  };
}

/** Every place a stranger's text can reach, each holding every payload. */
const HOSTILE: ScanResult = {
  schemaVersion: 1,
  tool: { name: 'pypy-ready', version: '0.1.0' },
  targets: [TARGET],
  projects: [`project ${PAYLOADS.bidi}`, `other ${PAYLOADS.workflow}`],
  requirements: [
    {
      name: `name ${ALL}`,
      specifier: `==${PAYLOADS.csi}`,
      marker: `python_version > "${PAYLOADS.c1}"`,
      extras: [PAYLOADS.osc],
      group: `group:${PAYLOADS.markdown}`,
      version: PAYLOADS.carriageReturn,
      direct: true,
      location: { file: `req ${PAYLOADS.workflow}.txt`, line: 1, column: 1 },
      project: `project ${PAYLOADS.bidi}`,
    },
  ],
  findings: [
    finding({
      name: `${PAYLOADS.workflow} name`,
      version: `1.0 ${PAYLOADS.carriageReturn}`,
      file: `file ${PAYLOADS.csi}-1.0.tar.gz`,
      evidence: [
        `summary: ${PAYLOADS.osc}`,
        `yanked: ${PAYLOADS.c1}`,
        `installed from https://evil.example/${PAYLOADS.bidi}/x.tar.gz`,
        `evidence ${PAYLOADS.markdown} ${PAYLOADS.html}`,
        `more ${PAYLOADS.separators} ${PAYLOADS.workflowAfterNewline} ${PAYLOADS.nul}`,
      ],
      suggestion: `suggestion ${ALL}`,
      project: `project ${PAYLOADS.bidi}`,
      groups: [`group:${PAYLOADS.html}`],
      locations: [{ file: `req ${PAYLOADS.workflow}.txt`, line: 3, column: 1 }],
      via: [`via ${PAYLOADS.csi}`, PAYLOADS.carriageReturn],
      unchecked: [`unchecked ${PAYLOADS.c1}`],
      // The project's own file names reach every report through the "used in" sentence.
      usedIn: [{ file: `project ${PAYLOADS.bidi}/views ${ALL}.py`, line: 3, role: 'web', optional: false }],
      usedInCount: 1,
    }),
    // Fine packages are listed compactly (name and version only) unless --verbose.
    finding({ name: `${PAYLOADS.workflow} ok`, version: PAYLOADS.osc, verdict: 'pure', severity: 'ok', evidence: [`ok evidence ${ALL}`], project: `other ${PAYLOADS.workflow}` }),
  ],
  notInstalled: [{ name: `${PAYLOADS.workflow} excluded`, project: `project ${PAYLOADS.bidi}`, target: TARGET.id, reason: `reason ${ALL}`, locations: [] }],
  errors: [
    { kind: 'manifest', severity: 'error', message: `${PAYLOADS.workflow} ${ALL}`, file: `file ${PAYLOADS.csi}`, line: 1 },
    { kind: 'index', severity: 'warning', message: `index ${PAYLOADS.c1}`, url: `https://evil.example/${PAYLOADS.osc}/simple/` },
  ],
  indexReachable: true,
};

// C0 controls, DEL and C1 controls: Unicode's Cc.
const CC = /[\u0000-\u001f\u007f-\u009f]/;
// Bidirectional embeddings, overrides and isolates (what "Trojan Source" uses to reorder a line).
const BIDI = /[\u202a-\u202e\u2066-\u2069]/;

/** Text for a terminal or a log: no control character but the line feed, no bidi override, no `##[` command. */
function textProblems(output: string): string[] {
  const problems = charProblems(output);
  if (output.includes('##[')) problems.push('a workflow command in the older syntax (##[)');
  return problems;
}

function charProblems(output: string): string[] {
  const problems: string[] = [];
  const control = [...output].find((c) => c !== '\n' && CC.test(c));
  if (control !== undefined) problems.push(`control character U+${control.codePointAt(0)!.toString(16).padStart(4, '0')}`);
  const bidi = [...output].find((c) => BIDI.test(c));
  if (bidi !== undefined) problems.push(`bidi control U+${bidi.codePointAt(0)!.toString(16)}`);
  return problems;
}

/** Coloured text: the renderer's own SGR sequences (`ESC [ n m`) and nothing else. */
function colouredTextProblems(output: string): string[] {
  const ours = /\u001b\[(?:0|3[1-7])m/g;
  return textProblems(output.replace(ours, ''));
}

/**
 * SARIF: valid JSON with no raw control, C1, bidi or separator character and no raw `<`, `>`, `&`
 * (all `\u` escapes), and no line that starts a workflow command. Messages are rewritten for
 * display, so "parses back to the same strings" is not asked; the raw strings are in `properties`.
 */
function sarifProblems(output: string): string[] {
  const problems: string[] = [];
  try {
    JSON.parse(output);
  } catch (error) {
    problems.push(`does not parse: ${(error as Error).message}`);
  }
  const raw = [...output].find((c) => (c !== '\n' && CC.test(c)) || BIDI.test(c) || /[\u2028\u2029\u200e\u200f<>&]/.test(c));
  if (raw !== undefined) problems.push(`raw U+${raw.codePointAt(0)!.toString(16).padStart(4, '0')}`);
  if (output.split('\n').some((line) => line.trimStart().startsWith('::'))) problems.push('a line starts a workflow command');
  if (output.includes('##[')) problems.push('a workflow command in the older syntax (##[)');
  return problems;
}

/**
 * Markdown for GitHub: text rules, plus no raw HTML from strangers (`<script`, `<img`), no
 * @-mention, no line that starts a workflow command, and every table row with the header's number
 * of cells (an unescaped `|` would add one).
 */
function markdownProblems(output: string): string[] {
  const problems = textProblems(output);
  if (/<script|<img/i.test(output)) problems.push('raw HTML from a name');
  if (/(^|[^\w`\\])@[a-z0-9]/i.test(output.replace(/`[^`]*`/g, ''))) problems.push('an @-mention');
  if (output.split('\n').some((line) => line.trimStart().startsWith('::'))) problems.push('a line starts a workflow command');
  const cells = (line: string) => line.replace(/\\\|/g, '').split('|').length;
  const lines = output.split('\n');
  const header = lines.findIndex((l) => l.startsWith('|'));
  if (header !== -1) {
    for (let i = header; i < lines.length && lines[i]!.startsWith('|'); i++) {
      if (cells(lines[i]!) !== cells(lines[header]!)) problems.push(`table row ${i + 1} has ${cells(lines[i]!) - 1} cells`);
    }
  }
  return problems;
}

/**
 * GitHub workflow commands: every line is one command (`::level props::message`), so no payload
 * can start another; no control character, and properties hold no raw `,` or `:` of a payload.
 */
function githubProblems(output: string): string[] {
  // Every line is a `::` command, which the runner parses before it looks for `##[`.
  const problems = charProblems(output);
  for (const [i, line] of output.trimEnd().split('\n').entries()) {
    const command = /^::(error|warning|notice)(?: ([^:]*))?::(.*)$/.exec(line);
    if (!command) {
      problems.push(`line ${i + 1} is not a command`);
      continue;
    }
    for (const property of (command[2] ?? '').split(',').filter(Boolean)) {
      if (!/^(file|line|col|endLine|endColumn|title)=[^,:]*$/.test(property)) problems.push(`line ${i + 1}: property ${JSON.stringify(property.slice(0, 40))}`);
    }
  }
  return problems;
}

/** The elements an HTML report is made of: ours, none of which loads anything. */
const HTML_TAGS = new Set(['html', 'head', 'meta', 'title', 'style', 'body', 'header', 'section', 'h1', 'h2', 'h3', 'p', 'ul', 'li', 'dl', 'dt', 'dd', 'div', 'span', 'code', 'fieldset', 'label', 'input', 'select', 'option', 'noscript', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'button', 'script']);
// A tag as the renderer writes it: a known name, attributes with double-quoted values that hold no `<`, `>` or `"`.
const HTML_TAG = /<\/?([a-z][a-z0-9]*)((?:\s+[a-z][a-z0-9-]*(?:="[^"<>]*")?)*)\s*>/y;

/**
 * HTML: text rules, no line that starts a workflow command, and every `<` in the file starts one of
 * our own tags (so no stranger's text became markup): a known element, no event handler, no
 * `style`, `src` or `href` attribute, and exactly one script (ours, whose text holds no `<`).
 */
function htmlProblems(output: string): string[] {
  const problems = textProblems(output);
  if (output.split('\n').some((line) => line.trimStart().startsWith('::'))) problems.push('a line starts a workflow command');
  const raw = [...output].find((c) => /[\u200e\u200f\u2028\u2029]/.test(c));
  if (raw !== undefined) problems.push(`raw U+${raw.codePointAt(0)!.toString(16)}`);
  let scripts = 0;
  for (let at = output.indexOf('<'); at !== -1; at = output.indexOf('<', at + 1)) {
    if (output.startsWith('<!DOCTYPE html>', at)) continue;
    HTML_TAG.lastIndex = at;
    const tag = HTML_TAG.exec(output);
    if (!tag) {
      problems.push(`markup that is not ours: ${JSON.stringify(output.slice(at, at + 40))}`);
      continue;
    }
    const [whole, name, attributes] = tag as unknown as [string, string, string];
    if (!HTML_TAGS.has(name)) problems.push(`element <${name}>`);
    if (name === 'script' && !whole.startsWith('</')) scripts++;
    for (const [, attribute] of attributes.matchAll(/\s+([a-z][a-z0-9-]*)(?:="[^"]*")?/g)) {
      if (/^on|^(style|src|href|srcset|action|formaction)$/.test(attribute!)) problems.push(`attribute ${attribute} on <${name}>`);
    }
  }
  if (scripts !== 1) problems.push(`${scripts} scripts`);
  return problems;
}

/** The audit's frames: ink's own cursor show/hide (`ESC [ ? 25 h/l`) and nothing else. */
function auditProblems(output: string): string[] {
  // A terminal, never a CI log (the audit does not open under CI): `##[` means nothing there.
  return charProblems(output.replace(/\u001b\[\?25[hl]/g, ''));
}

/** The strings the JSON report holds (the ScanResult without `indexReachable`). */
function reportOf(result: ScanResult): unknown {
  const { indexReachable: _ignored, ...report } = result;
  return report;
}

/**
 * JSON: parses back to exactly the same strings, and holds no raw control, C1, bidi, line or
 * paragraph separator character (they are `\u` escapes), so viewing the file cannot drive a
 * terminal. Only the pretty-printing's own line feeds are raw.
 */
function jsonProblems(output: string, input: ScanResult): string[] {
  const problems: string[] = [];
  try {
    if (JSON.stringify(JSON.parse(output)) !== JSON.stringify(reportOf(input))) problems.push('does not parse back to the same strings');
  } catch (error) {
    problems.push(`does not parse: ${(error as Error).message}`);
  }
  const raw = [...output].find((c) => (c !== '\n' && CC.test(c)) || BIDI.test(c) || /[\u2028\u2029\u200e\u200f]/.test(c));
  if (raw !== undefined) problems.push(`raw U+${raw.codePointAt(0)!.toString(16).padStart(4, '0')}`);
  if (output.includes('##[')) problems.push('a workflow command in the older syntax (##[)');
  return problems;
}

/**
 * The interactive audit, driven by `keys` in a fake 100×40 terminal: every frame it drew, joined.
 * (A frame is whole screen text; colour is off, as under NO_COLOR.)
 */
async function auditFrames(result: ScanResult, keys: string[]): Promise<string> {
  const frames: string[] = [];
  const stdout = Object.assign(new EventEmitter(), { isTTY: true, columns: 100, rows: 40, write: (frame: string) => frames.push(frame) > 0 });
  let pending: string | null = null;
  const stdin = Object.assign(new EventEmitter(), {
    isTTY: true,
    read: () => {
      const data = pending;
      pending = null;
      return data;
    },
    setEncoding() {},
    setRawMode() {},
    resume() {},
    pause() {},
    ref() {},
    unref() {},
  });
  const tick = () => new Promise((r) => setTimeout(r, 5));
  const instance = renderInk(
    React.createElement(Audit, { paths: ['.'], progress: null, result, summaries: bottomLine(result), look: { unicode: true, color: false }, version: '0.1.0', onEditor: () => {}, onQuit: () => {}, onInterrupt: () => {} }),
    { stdout: stdout as never, stdin: stdin as never, debug: true, exitOnCtrlC: false, patchConsole: false },
  );
  await tick();
  for (const key of keys) {
    const before = frames.length;
    pending = key;
    stdin.emit('readable');
    // Until the key's frame is drawn (or 300 ms: a key that changes nothing draws nothing).
    for (const deadline = Date.now() + 300; frames.length === before && Date.now() < deadline; ) await tick();
  }
  instance.unmount();
  return frames.join('\n');
}

interface RendererRow {
  name: string;
  render: (result: ScanResult) => string | Promise<string>;
  /** What is wrong with the output in this renderer's language; empty when every payload is neutralised. */
  problems: (output: string, input: ScanResult) => string[];
  /** Marker words of payloads the renderer shows (so the row proves the fields were rendered at all). */
  shows: string[];
}

const RENDERERS: RendererRow[] = [
  { name: 'text', render: (r) => renderText(r), problems: textProblems, shows: ['views ', 'wiped', 'rewritten', 'exe.txt', 'injected', 'javascript:alert', '<script>'] },
  { name: 'text --verbose', render: (r) => renderText(r, { verbose: true }), problems: textProblems, shows: ['wiped', 'click', 'rewritten', 'red', 'isolated', 'separator', 'second line', 'tab', 'excluded'] },
  { name: 'text with colour', render: (r) => renderText(r, { color: true, verbose: true }), problems: colouredTextProblems, shows: ['wiped', 'rewritten', 'red'] },
  { name: 'json', render: renderJson, problems: jsonProblems, shows: ['views ', 'wiped', 'rewritten', 'exe.txt', 'injected', '<script>', 'excluded'] },
  { name: 'sarif', render: (r) => renderSarif(r, { color: false, verbose: false, width: 100 }), problems: sarifProblems, shows: ['views ', 'wiped', 'rewritten', 'exe.txt', 'injected', 'script'] },
  { name: 'markdown', render: (r) => renderMarkdown(r, { color: false, verbose: false, width: 100 }), problems: markdownProblems, shows: ['views ', 'wiped', 'rewritten', 'exe.txt', 'injected', 'script'] },
  { name: 'github', render: (r) => renderGithub(r, { color: false, verbose: false, width: 100 }), problems: githubProblems, shows: ['views ', 'wiped', 'rewritten', 'exe.txt', 'injected'] },
  { name: 'github job summary', render: (r) => renderJobSummary(r), problems: markdownProblems, shows: ['wiped', 'rewritten', 'exe.txt', 'injected'] },
  // --verbose: the index problem's URL and the packages a marker leaves out are on the page too.
  { name: 'html', render: (r) => renderHtml(r, { color: false, verbose: true, width: 100 }), problems: htmlProblems, shows: ['views ', 'wiped', 'rewritten', 'exe.txt', 'injected', '&lt;script&gt;alert(1)&lt;/script&gt;', 'evil.example', 'excluded'] },
  // The list, then the detail of the first (hostile) package, then the list filtered.
  { name: 'interactive audit', render: (r) => auditFrames(r, ['\r', '\u001b', '/', 'n', '\r', 'j', '\r']), problems: auditProblems, shows: ['views ', 'wiped', 'rewritten', 'exe.txt', 'injected', '<script>', 'Evidence:'] },
];

describe.each(RENDERERS)('hostile content in the $name renderer', (row) => {
  const output = Promise.resolve(row.render(HOSTILE));

  it('shows the fields that carry it', async () => {
    const text = await output;
    for (const marker of row.shows) expect(text).toContain(marker);
  });

  it('neutralises every payload for its output language', async () => {
    expect(row.problems(await output, HOSTILE)).toEqual([]);
  });
});

/** Two things the table's text predicate does not look at: invisible direction marks, and workflow commands. */
describe('the text renderer also', () => {
  const output = renderText(HOSTILE, { verbose: true });
  it('drops bidi marks and line/paragraph separators', () => {
    expect([...output].filter((c) => /[\u200e\u200f\u2028\u2029]/.test(c))).toEqual([]);
  });
  it('never lets a line start with a workflow command, even after indentation', () => {
    expect(output.split('\n').filter((line) => line.trimStart().startsWith('::'))).toEqual([]);
  });
});

describe('the table itself', () => {
  it('catches a renderer that passes hostile text through', () => {
    // The predicates must be able to fail: raw output is rejected by every one of them.
    const raw = JSON.stringify(reportOf(HOSTILE), null, 2).replace(/\\u([0-9a-f]{4})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
    expect(textProblems(ALL)).not.toEqual([]);
    expect(colouredTextProblems(ALL)).not.toEqual([]);
    expect(jsonProblems(raw, HOSTILE)).not.toEqual([]);
    expect(auditProblems(ALL)).not.toEqual([]);
    expect(sarifProblems(`{"a": "${ALL.replace(/["\\]/g, '')}"}`)).not.toEqual([]);
    expect(markdownProblems(`| a |\n| --- |\n| ${ALL} |`)).not.toEqual([]);
    expect(githubProblems(`::error title=${ALL}::x\n${ALL}`)).not.toEqual([]);
    expect(htmlProblems(`<p>${ALL}</p>`)).not.toEqual([]);
    // Markup alone, without a control character: a stranger's element, handler or second script.
    expect(htmlProblems('<p>x</p><script></script><img src=x>')).toEqual(['markup that is not ours: "<img src=x>"']);
    expect(htmlProblems('<p onclick="x()">x</p><script></script>')).toEqual(['attribute onclick on <p>']);
    expect(htmlProblems('<p>x</p><script></script><script></script>')).toEqual(['2 scripts']);
  });
});
