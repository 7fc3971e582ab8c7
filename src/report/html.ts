/**
 * HTML report (issue 13): one self-contained page to open from a file (`file://`), keep as a CI
 * artifact or send to a colleague. In order:
 *
 * 1. the title (project and tool version) and one line on what was checked;
 * 2. the bottom line, one item per target (`bottom-line.ts`), and the PR-mode comparison if any;
 * 3. problems reading the input (manifests, index warnings), always visible;
 * 4. the controls: a text filter (package name, project and fix), a worst-severity select, and
 *    "problems only", which hides the packages that are fine everywhere (worst severity `ok`; notes
 *    such as cpyext stay, since running fast is half the question). It is ON by default: a reader
 *    opens the page to see what stands in the way, and the status line says the rest is hidden;
 * 5. one table, one `<tbody>` per package (and project), sorted by worst severity then project and
 *    name, one column per target with that target's verdict and severity, then the version and the
 *    first manifest line; under each package a detail row with, per target, the verdict in words,
 *    the file pip would install, the fix, the evidence, what was not checked and the chain;
 * 6. the advice drawn from the findings (`assess/advice.ts`), one item each (not in PR mode).
 *
 * Self-contained: one inline `<style>` and one inline `<script>`, no URL of any kind (no link, image,
 * font or CDN; system fonts only), and a Content-Security-Policy that forbids every fetch
 * (`default-src 'none'`) and allows exactly our style and script by their SHA-256, so the page
 * stays inert even if something slipped through the escaping. The script is constant (the data
 * are `data-*` attributes on the rows, never JSON inside a script), so its hash is too.
 *
 * Without JavaScript everything is visible: every package, every detail row, and the controls
 * rendered disabled (they do nothing without the script, so they say so). The script enables them,
 * collapses the detail rows behind a button on each name, and ticks "problems only".
 *
 * Everything that came from manifests or the index goes through `escapeHtml`, the one escaping
 * function for element text and attribute values alike. Strangers' text never starts a line of the
 * file and never becomes markup, an attribute name or a URL.
 *
 * Size: at most `MAX_ROWS` packages and `MAX_BYTES` of file; beyond either, the least severe rows
 * are left out with a visible note pointing to `--format json`.
 */
import { usedInSentence } from './usage.js';
import { createHash } from 'node:crypto';
import { escapeUTF8 } from 'entities';
import { SEVERITY_ORDER, severityPosition, worstSeverity, type Severity } from '../assess/types.js';
import { describeComparison } from '../scan/baseline.js';
import type { Finding, ReportError, ReportLocation, ScanResult } from '../scan/types.js';
import { redactUrl } from '../safe-text.js';
import { glyph, SEVERITY_WORD, VERDICT_WORDS } from '../tui/look.js';
import { bottomLine, formatBottomLine, groupVersion, packageGroups, targetLabel, type PackageGroup } from './bottom-line.js';
import type { RenderContext } from './index.js';
import { inline } from './terminal.js';
import { MAX_PROJECT_LINES, projectCounts } from './projects.js';

/** Packages (table rows) at most; the least severe beyond it are left out, with a note. */
export const MAX_ROWS = 5_000;
/**
 * Bytes of the whole file at most (UTF-8); rows are left out from the end to stay within it. A
 * package's row and details take 1–3 kB, so this is about MAX_ROWS of them with their evidence:
 * a page Chromium opens in a second or two.
 */
export const MAX_BYTES = 10 * 1024 * 1024;
/** Input problems listed at most. */
export const MAX_PROBLEMS = 1_000;

/** Longest piece of a stranger's text in a cell or a heading (cut before escaping). */
const MAX_PIECE = 300;
/** Longest evidence sentence, fix or problem message. */
const MAX_SENTENCE = 2_000;
/** Evidence sentences, reasons not checked and manifest lines shown per finding or package. */
const MAX_LIST = 50;

const LOOK = { unicode: true, color: false } as const;

// ---------------------------------------------------------------- escaping

/**
 * The one way a stranger's text enters the page, in element text and in attribute values alike:
 * control and bidi characters stripped and line breaks folded (`inline`), cut to `max` characters
 * (never inside a surrogate pair), then `& < > " '` as entities (`escapeUTF8`; the rest of UTF-8
 * passes as it is, since the page declares its charset). `##[`, a workflow command in the CI
 * runner's older syntax should the page be printed to a log, gets its second `#` as `&#35;`,
 * which the browser reads back as the same text.
 */
export function escapeHtml(text: string, max = MAX_PIECE): string {
  let flat = inline(text).trim();
  if (flat.length > max) {
    const chars = [...flat];
    if (chars.length > max) flat = `${chars.slice(0, max - 1).join('')}…`;
  }
  return escapeUTF8(flat).replace(/##\[/g, '#&#35;[');
}

const esc = escapeHtml;
const number = (n: number): string => n.toLocaleString('en-US');
const plural = (n: number, one: string, many: string): string => `${number(n)} ${n === 1 ? one : many}`;

// ---------------------------------------------------------------- the page's own style and script

const STYLE = `
:root{color-scheme:light dark;--fg:#1f2328;--bg:#fff;--muted:#59636e;--line:#d1d9e0;--head:#f6f8fa;--error:#b3261e;--warning:#8a5a00;--unknown:#8e24aa;--info:#0b6e99;--ok:#1a7f37}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--bg:#0d1117;--muted:#9198a1;--line:#3d444d;--head:#151b23;--error:#ff7b72;--warning:#d29922;--unknown:#d2a8ff;--info:#79c0ff;--ok:#3fb950}}
*{box-sizing:border-box}
[hidden]{display:none !important}
body{margin:0 auto;max-width:110rem;padding:1rem 1.5rem 3rem;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;color:var(--fg);background:var(--bg)}
h1{font-size:1.5rem;margin:.5rem 0 .25rem}
h2{font-size:1.15rem;margin:1.5rem 0 .5rem}
h3{font-size:1rem;margin:.75rem 0 .25rem}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;font-size:.9em;overflow-wrap:anywhere}
.meta,.muted,.target-id{color:var(--muted)}
.ignored{border:1px solid var(--line);border-radius:3px;padding:0 .3em;font-size:.85em;color:var(--muted)}
.target-id{display:block;font-weight:normal;font-size:.8em}
ul{margin:.25rem 0;padding-left:1.4rem}
.bottom-line li,.problems li{margin:.2rem 0}
.bottom-line .sentence{color:var(--fg)}
td.where{font-size:.9em}
.counts>span{margin-right:1.25rem;white-space:nowrap}
.note{border-left:4px solid var(--warning);background:var(--head);padding:.5rem .75rem;margin:.75rem 0}
.controls{display:flex;flex-wrap:wrap;gap:.5rem 1.25rem;align-items:center;margin:.75rem 0;padding:.6rem .75rem;background:var(--head);border:1px solid var(--line);border-radius:6px}
.controls fieldset{display:contents}
.controls input[type=search]{min-width:16rem;padding:.25rem .4rem;font:inherit}
.controls select{font:inherit;padding:.2rem}
#shown{margin:0;color:var(--muted)}
.table-wrap{overflow-x:auto}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;vertical-align:top;padding:.35rem .6rem;border-bottom:1px solid var(--line)}
thead th{background:var(--head);border-bottom:2px solid var(--line)}
tbody.pkg tr.main th{font-weight:600;white-space:nowrap}
tr.detail>td{background:var(--head);padding:.25rem 1rem .75rem 2rem}
td.verdict{white-space:nowrap}
.sev-word{font-size:.85em}
.sev-error{color:var(--error)}.sev-warning{color:var(--warning)}.sev-unknown{color:var(--unknown)}.sev-info{color:var(--info)}.sev-ok{color:var(--ok)}
td.verdict .verdict-word{color:var(--fg)}
button.toggle{font:inherit;font-weight:600;color:inherit;background:none;border:0;padding:0;cursor:pointer;text-align:left}
button.toggle::before{content:"\\25B8" / "";display:inline-block;width:1.1em}
button.toggle[aria-expanded=true]::before{content:"\\25BE" / ""}
button.toggle:focus-visible{outline:2px solid var(--info);outline-offset:2px}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.1rem .75rem;margin:.25rem 0}
dl.facts dt{color:var(--muted)}
dl.facts dd{margin:0}
@media print{.controls,noscript{display:none !important}tr.detail[hidden]{display:table-row !important}}
`;

/*
 * The behaviour the page gains with JavaScript. It holds no `<` at all (so nothing in it can end the
 * element), reads only attributes we wrote, and writes only `textContent`, `hidden` and ARIA state.
 */
const SCRIPT = `
(function () {
  'use strict';
  var doc = document;
  var set = doc.getElementById('control-set');
  var text = doc.getElementById('filter-text');
  var severity = doc.getElementById('filter-severity');
  var problems = doc.getElementById('filter-problems');
  var shown = doc.getElementById('shown');
  if (!set || !text || !severity || !problems || !shown) return;
  var rows = Array.prototype.slice.call(doc.querySelectorAll('tbody.pkg'));
  rows.forEach(function (row) {
    var detail = row.querySelector('tr.detail');
    var name = row.querySelector('.pkg-name');
    if (!detail || !name) return;
    var button = doc.createElement('button');
    button.type = 'button';
    button.className = 'toggle';
    button.setAttribute('aria-expanded', 'false');
    button.setAttribute('aria-controls', detail.id);
    name.parentNode.insertBefore(button, name);
    button.appendChild(name);
    detail.hidden = true;
    button.addEventListener('click', function () {
      var open = detail.hidden;
      detail.hidden = !open;
      button.setAttribute('aria-expanded', open ? 'true' : 'false');
    });
  });
  var total = rows.length;
  function apply() {
    var query = text.value.trim().toLowerCase();
    var wanted = severity.value;
    var only = problems.checked;
    var count = 0;
    rows.forEach(function (row) {
      var worst = row.getAttribute('data-severity');
      var visible = (query === '' || (row.getAttribute('data-search') || '').indexOf(query) !== -1) &&
        (wanted === 'any' || worst === wanted) &&
        !(only && worst === 'ok');
      row.hidden = !visible;
      if (visible) count += 1;
    });
    shown.textContent = 'Showing ' + count.toLocaleString('en-US') + ' of ' + total.toLocaleString('en-US') +
      (total === 1 ? ' package' : ' packages') + (only ? ' (problems only: packages fine on every target are hidden).' : '.');
  }
  // "Problems only" is on by default; without this script it is off and every row shows.
  problems.checked = true;
  set.disabled = false;
  text.addEventListener('input', apply);
  severity.addEventListener('change', apply);
  problems.addEventListener('change', apply);
  apply();
})();
`;

/** The CSP source for an inline element's exact text. */
function sha256Source(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

/** Nothing may be fetched, framed, submitted or based elsewhere; only our own style and script run. */
function contentSecurityPolicy(): string {
  return [`default-src 'none'`, `style-src ${sha256Source(STYLE)}`, `script-src ${sha256Source(SCRIPT)}`, `img-src 'none'`, `base-uri 'none'`, `form-action 'none'`].join('; ');
}

// ---------------------------------------------------------------- rows

const distinct = <T>(items: Iterable<T>): T[] => [...new Set(items)];

/** The severity glyph and word, e.g. "✖ blocker", coloured by class (never by colour alone). */
function severityMark(severity: Severity): string {
  return `<span class="sev-${severity}"><span aria-hidden="true">${glyph(severity, LOOK)}</span> <span class="sev-word">${SEVERITY_WORD[severity]}</span></span>`;
}

function verdictWord(finding: Finding): string {
  return finding.verdict === 'unknown' ? 'not checked' : finding.verdict;
}

function locationText(l: ReportLocation): string {
  return `${esc(l.file)}:${Number.isInteger(l.line) ? l.line : '?'}`;
}

function locationsOf(row: PackageGroup): ReportLocation[] {
  const seen = new Map<string, ReportLocation>();
  for (const f of row.findings) for (const l of f.locations) seen.set(`${l.file}\n${l.line}`, l);
  return [...seen.values()];
}

function chain(via: readonly string[]): string {
  const shown = via.slice(0, 12).map((p) => esc(p, 120));
  return `${shown.join(' → ')}${via.length > 12 ? ' → …' : ''}`;
}

function verdictCell(finding: Finding | undefined, version: string | null): string {
  if (!finding) return `<td class="verdict none" data-severity="none"><span class="muted">— not installed here</span></td>`;
  const other = finding.version !== version && finding.version ? ` <span class="muted">(${esc(finding.version, 60)})</span>` : '';
  const deps = finding.unchecked.length > 0 && finding.verdict !== 'unknown' ? ' <span class="muted">dependencies not fully checked</span>' : '';
  const ignored = finding.ignored ? ' <span class="ignored">ignored</span>' : finding.ignoreExpired ? ' <span class="muted">ignore expired</span>' : '';
  return `<td class="verdict sev-${finding.severity}" data-severity="${esc(finding.severity)}">${severityMark(finding.severity)} <span class="verdict-word">${verdictWord(finding)}</span>${other}${deps}${ignored}</td>`;
}

/** One section per distinct outcome: targets on which the package fares exactly alike share one. */
function sameOutcome(findings: readonly Finding[]): Finding[][] {
  const groups = new Map<string, Finding[]>();
  for (const f of findings) {
    const key = JSON.stringify([f.verdict, f.severity, f.version, f.file, f.suggestion, f.evidence, f.unchecked, f.via, f.ignored, f.ignoreExpired]);
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key)!.push(f);
  }
  return [...groups.values()];
}

/** "In the code": where the project's code imports the package (the same on every target). */
function usedInFact(finding: Finding): string[] {
  const used = usedInSentence(finding);
  if (used === null) return [];
  return [`<dt>In the code</dt><dd>${esc(used, MAX_SENTENCE)}</dd>`];
}

/** `labels`: the targets' names, already escaped. */
function targetSection(finding: Finding, labels: string, sameChain: boolean): string {
  const parts = [`<h3>${labels}: ${severityMark(finding.severity)} <span class="verdict-word">${verdictWord(finding)}</span></h3>`, `<p>${esc(VERDICT_WORDS[finding.verdict])}.</p>`];
  const facts: string[] = [];
  if (finding.version) facts.push(`<dt>Version</dt><dd>${esc(finding.version, 60)}</dd>`);
  facts.push(`<dt>File pip would install</dt><dd>${finding.file ? `<code>${esc(finding.file)}</code>` : 'none'}</dd>`);
  if (finding.suggestion) facts.push(`<dt>Fix</dt><dd class="fix">${esc(finding.suggestion, MAX_SENTENCE)}</dd>`);
  if (finding.ignored) facts.push(`<dt>Ignored</dt><dd class="ignore">${esc(finding.ignored.reason, MAX_SENTENCE)} (${finding.ignored.until ? `until ${esc(finding.ignored.until)}, ` : ''}${esc(finding.ignored.rule)}): reported, not failing the run</dd>`);
  if (finding.ignoreExpired) facts.push(`<dt>Ignore expired</dt><dd class="ignore">on ${esc(finding.ignoreExpired.until ?? '?')}, so this counts again: ${esc(finding.ignoreExpired.reason, MAX_SENTENCE)} (${esc(finding.ignoreExpired.rule)})</dd>`);
  if (!sameChain) facts.push(`<dt>Pulled in by</dt><dd>${finding.via.length > 0 ? chain(finding.via) : 'a direct requirement'}</dd>`);
  parts.push(`<dl class="facts">${facts.join('')}</dl>`);
  if (finding.evidence.length > 0) {
    const items = finding.evidence.slice(0, MAX_LIST).map((e) => `<li>${esc(e, MAX_SENTENCE)}</li>`);
    if (finding.evidence.length > MAX_LIST) items.push(`<li class="muted">and ${number(finding.evidence.length - MAX_LIST)} more</li>`);
    parts.push(`<p class="muted">Evidence:</p><ul class="evidence">${items.join('')}</ul>`);
  }
  if (finding.unchecked.length > 0) {
    const items = finding.unchecked.slice(0, MAX_LIST).map((u) => `<li>${esc(u, MAX_SENTENCE)}</li>`);
    if (finding.unchecked.length > MAX_LIST) items.push(`<li class="muted">and ${number(finding.unchecked.length - MAX_LIST)} more</li>`);
    parts.push(`<p class="muted">Not fully checked:</p><ul class="unchecked">${items.join('')}</ul>`);
  }
  return `<section class="target">${parts.join('')}</section>`;
}

function rowHtml(row: PackageGroup, index: number, result: ScanResult, labels: Map<string, string>, severalProjects: boolean, columns: number): string {
  const version = groupVersion(row);
  const byTarget = new Map(row.findings.map((f) => [f.target, f]));
  const locations = locationsOf(row);
  const where = locations.length > 0 ? `${locationText(locations[0]!)}${locations.length > 1 ? ` <span class="muted">and ${number(locations.length - 1)} more</span>` : ''}` : '—';
  const versionCell = version !== null ? esc(version, 60) : row.findings.some((f) => f.version) ? 'varies' : '—';
  const fixes = distinct(row.findings.map((f) => f.suggestion).filter((s): s is string => s !== null));
  const search = esc([row.name, ...(severalProjects ? [row.project] : []), ...fixes].join(' ').toLowerCase(), 4 * MAX_SENTENCE);

  const main = [
    `<tr class="main">`,
    ...(severalProjects ? [`<td class="project">${esc(row.project)}</td>`] : []),
    `<th scope="row" class="name"><span class="pkg-name">${esc(row.name)}</span></th>`,
    `<td class="version">${versionCell}</td>`,
    ...result.targets.map((t) => verdictCell(byTarget.get(t.id), version)),
    `<td class="where">${where}</td>`,
    `</tr>`,
  ].join('');

  const chains = distinct(row.findings.map((f) => f.via.join('\n')));
  const sameChain = chains.length === 1;
  const declared = locations.slice(0, MAX_LIST).map((l) => `<code>${locationText(l)}</code>`);
  if (locations.length > MAX_LIST) declared.push(`and ${number(locations.length - MAX_LIST)} more`);
  const groups = distinct(row.findings.flatMap((f) => f.groups));
  const facts = [
    ...(severalProjects ? [`<dt>Project</dt><dd>${esc(row.project)}</dd>`] : []),
    `<dt>Declared at</dt><dd>${declared.length > 0 ? declared.join(', ') : 'no manifest line'}</dd>`,
    ...(sameChain ? [`<dt>Pulled in by</dt><dd>${row.findings[0]!.via.length > 0 ? chain(row.findings[0]!.via) : 'a direct requirement'}</dd>`] : []),
    ...usedInFact(row.findings[0]!),
    ...(groups.length > 0 ? [`<dt>Groups</dt><dd>${groups.slice(0, MAX_LIST).map((g) => esc(g, 120)).join(', ')}</dd>`] : []),
  ];
  const detail = [
    `<tr class="detail" id="d-${index}"><td colspan="${columns}">`,
    `<dl class="facts">${facts.join('')}</dl>`,
    ...sameOutcome(row.findings).map((alike) => targetSection(alike[0]!, alike.map((f) => esc(labels.get(f.target) ?? f.target)).join(', '), sameChain)),
    `</td></tr>`,
  ].join('');
  return `<tbody class="pkg" data-severity="${esc(row.worst)}" data-search="${search}">\n${main}\n${detail}\n</tbody>\n`;
}

// ---------------------------------------------------------------- the rest of the page

function problemItem(error: ReportError, verbose: boolean): string {
  const where = error.file ? ` (<code>${esc(error.file)}${error.line !== undefined && Number.isInteger(error.line) ? `:${error.line}` : ''}</code>)` : '';
  const url = verbose && error.url ? ` — <code>${esc(redactUrl(error.url))}</code>` : '';
  const severity: Severity = error.severity === 'error' ? 'error' : 'warning';
  return `<li class="problem">${severityMark(severity)} ${esc(error.kind)}: ${esc(error.message, MAX_SENTENCE)}${where}${url}</li>`;
}

const COUNT_WORDS: Record<Severity, [string, string]> = {
  error: ['blocker', 'blockers'],
  warning: ['warning', 'warnings'],
  unknown: ['not checked', 'not checked'],
  info: ['with notes', 'with notes'],
  ok: ['fine', 'fine'],
};

/** Projects for the title: the first and how many more. */
function projectsTitle(projects: readonly string[]): string {
  if (projects.length === 0) return 'no project';
  const first = esc(projects[0]!, 120);
  return projects.length === 1 ? first : `${first} and ${plural(projects.length - 1, 'more project', 'more projects')}`;
}

/**
 * The HTML report of a scan. `context.verbose` adds the index URLs of input problems (redacted) and
 * the packages a marker leaves out; colour and width mean nothing to a page.
 */
export function renderHtml(result: ScanResult, context: RenderContext): string {
  const rows = packageGroups(result);
  const labels = new Map(result.targets.map((t) => [t.id, targetLabel(result, t.id)]));
  const severalProjects = new Set(rows.map((r) => r.project)).size > 1 || result.projects.length > 1;
  const columns = (severalProjects ? 1 : 0) + 2 + result.targets.length + 1;
  const version = esc(result.tool.version, 60);
  const title = `PyPy readiness of ${projectsTitle(result.projects)} — pypy-ready ${version}`;

  const head = [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy()}">`,
    '<meta name="referrer" content="no-referrer">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="generator" content="pypy-ready">',
    `<title>${title}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
  ];

  const intro: string[] = [
    '<header>',
    `<h1>PyPy readiness of ${projectsTitle(result.projects)}</h1>`,
    `<p class="meta">pypy-ready ${version} · ${plural(result.targets.length, 'target', 'targets')}: ${result.targets.map((t) => `<code>${esc(t.id, 120)}</code>`).join(', ')} · ${plural(rows.length, 'package', 'packages')}${severalProjects ? ` in ${plural(result.projects.length, 'project', 'projects')}` : ''}</p>`,
    '</header>',
  ];

  const summaries = bottomLine(result);
  const sentences = formatBottomLine(summaries);
  intro.push('<section class="bottom-line" aria-labelledby="h-bottom-line">', '<h2 id="h-bottom-line">Bottom line</h2>', '<ul>');
  // The glyph alone: the sentence says in words what it is.
  summaries.forEach((s, i) => intro.push(`<li class="target-line sev-${s.severity}" data-severity="${esc(s.severity)}"><span aria-hidden="true">${glyph(s.severity, LOOK)}</span> <span class="sentence">${esc(sentences[i]!, 4 * MAX_SENTENCE)}</span></li>`));
  intro.push('</ul>');
  if (result.comparison) intro.push(`<p class="comparison">${esc(describeComparison(result.comparison), MAX_SENTENCE)}</p>`);
  const counts = SEVERITY_ORDER.map((s) => {
    const n = rows.filter((r) => r.worst === s).length;
    return `<span class="count sev-${s}" data-severity="${s}"><span aria-hidden="true">${glyph(s, LOOK)}</span> ${number(n)} ${COUNT_WORDS[s][n === 1 ? 0 : 1]}</span>`;
  });
  intro.push(`<p class="counts">${counts.join('')}<span class="muted">by each package's worst target</span></p>`, '</section>');
  // A monorepo: the same counts per project, under the combined ones.
  const perProject = projectCounts(result);
  if (perProject.length > 0) {
    intro.push('<section class="projects" aria-labelledby="h-projects">', `<h2 id="h-projects">By project (${number(perProject.length)})</h2>`, '<div class="table-wrap">', '<table id="projects">');
    intro.push('<thead><tr><th scope="col">Project</th><th scope="col">Packages</th><th scope="col">Blockers</th><th scope="col">Warnings</th><th scope="col">Not checked</th><th scope="col">Ignored</th></tr></thead>', '<tbody>');
    for (const c of perProject.slice(0, MAX_PROJECT_LINES)) {
      intro.push(`<tr class="project-counts"><th scope="row">${esc(c.project, 120)}</th>${[c.packages, c.blockers, c.warnings, c.notChecked, c.ignored].map((n) => `<td>${number(n)}</td>`).join('')}</tr>`);
    }
    intro.push('</tbody>', '</table>', '</div>');
    if (perProject.length > MAX_PROJECT_LINES) intro.push(`<p class="note">Left out: ${plural(perProject.length - MAX_PROJECT_LINES, 'more project', 'more projects')}; <code>--format json</code> has all of them.</p>`);
    intro.push('</section>');
  }

  if (result.errors.length > 0) {
    intro.push('<section class="problems" aria-labelledby="h-problems">', `<h2 id="h-problems">Problems reading the input (${number(result.errors.length)})</h2>`, '<ul>');
    for (const e of result.errors.slice(0, MAX_PROBLEMS)) intro.push(problemItem(e, context.verbose));
    intro.push('</ul>');
    if (result.errors.length > MAX_PROBLEMS) intro.push(`<p class="note">Left out: ${plural(result.errors.length - MAX_PROBLEMS, 'more problem', 'more problems')}; <code>--format json</code> has all of them.</p>`);
    intro.push('</section>');
  }
  if (context.verbose && result.notInstalled.length > 0) {
    const shown = result.notInstalled.slice(0, MAX_PROBLEMS);
    intro.push('<section class="not-installed" aria-labelledby="h-not-installed">', `<h2 id="h-not-installed">Not installed on a target, by marker (${number(result.notInstalled.length)})</h2>`, '<ul>');
    for (const n of shown) intro.push(`<li>${esc(n.name)}${severalProjects ? ` (${esc(n.project, 120)})` : ''} on ${esc(labels.get(n.target) ?? n.target)}: ${esc(n.reason, MAX_SENTENCE)}</li>`);
    intro.push('</ul>');
    if (result.notInstalled.length > shown.length) intro.push(`<p class="note">Left out: ${plural(result.notInstalled.length - shown.length, 'more package', 'more packages')}; <code>--format json</code> has all of them.</p>`);
    intro.push('</section>');
  }

  const options = [`<option value="any" selected>any</option>`, ...SEVERITY_ORDER.map((s) => `<option value="${s}">${SEVERITY_WORD[s]}</option>`)];
  const controls = [
    '<section class="packages" aria-labelledby="h-packages">',
    `<h2 id="h-packages">Packages (${number(rows.length)})</h2>`,
    '<div class="controls" role="search" aria-label="Filter the packages">',
    '<fieldset id="control-set" disabled>',
    '<label>Filter <input type="search" id="filter-text" placeholder="name or fix" autocomplete="off" spellcheck="false"></label>',
    `<label>Worst severity <select id="filter-severity">${options.join('')}</select></label>`,
    '<label><input type="checkbox" id="filter-problems"> problems only</label>',
    '</fieldset>',
    `<p id="shown" aria-live="polite">${plural(rows.length, 'package', 'packages')}.</p>`,
    '</div>',
    '<noscript><p class="note">JavaScript is off: every package and its details are shown, and the filters do nothing.</p></noscript>',
  ];
  const tableHead = [
    '<div class="table-wrap">',
    '<table id="packages">',
    '<thead><tr>',
    ...(severalProjects ? ['<th scope="col">Project</th>'] : []),
    '<th scope="col">Package</th>',
    '<th scope="col">Version</th>',
    ...result.targets.map((t) => `<th scope="col" class="target">${esc(labels.get(t.id) ?? t.id)} <span class="target-id">${esc(t.id, 120)}</span></th>`),
    '<th scope="col">Declared at</th>',
    '</tr></thead>',
  ].join('');
  // Not in PR mode, which lists only what the change made new or worse.
  const advice = result.comparison ? [] : (result.advice ?? []);
  const adviceSection =
    advice.length > 0
      ? [
          '<section class="advice" aria-labelledby="h-advice">',
          `<h2 id="h-advice">Advice</h2>`,
          '<ul>',
          ...advice.map((a) => `<li class="advice-item" data-advice="${esc(a.id, 40)}">${esc(a.text, MAX_SENTENCE)}</li>`),
          '</ul>',
          '</section>',
        ]
      : [];
  const tail = ['</table>', '</div>', '</section>', ...adviceSection, `<script>${SCRIPT}</script>`, '</body>', '</html>', ''];

  // The note is at most this long; it is reserved before the rows are counted against MAX_BYTES.
  const NOTE_RESERVE = 512;
  const fixed = [...head, ...intro, ...controls, tableHead, ...tail].join('\n');
  let bytes = Buffer.byteLength(fixed, 'utf8') + NOTE_RESERVE;
  const kept: string[] = [];
  for (const [i, row] of rows.entries()) {
    if (i >= MAX_ROWS) break;
    const html = rowHtml(row, i, result, labels, severalProjects, columns);
    const size = Buffer.byteLength(html, 'utf8');
    if (bytes + size > MAX_BYTES) break;
    kept.push(html);
    bytes += size;
  }
  const left = rows.length - kept.length;
  const note =
    left > 0
      ? [`<p class="note size-cap" role="note">Left out: ${plural(left, 'package', 'packages')} (the least severe), to keep this page under ${number(MAX_ROWS)} rows and ${MAX_BYTES / 1024 / 1024} MB. The JSON report (<code>--format json</code>) has everything.</p>`]
      : [];

  return [...head, ...intro, ...controls, ...note, tableHead, kept.join('').trimEnd(), ...tail].join('\n');
}
