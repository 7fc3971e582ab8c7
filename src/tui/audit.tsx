/**
 * The interactive audit's screens, drawn with ink: the scan's progress, then the report (the bottom
 * line of each target, a summary bar, the findings list grouped by severity, a detail view, help).
 * State and keys live in `model.ts`; this file only draws them and turns ink's key events into the
 * reducer's key names. Every frame is at most `rows - 1` lines and `columns - 1` wide: ink clears
 * the screen (and the user's scrollback) when a frame is as tall as the terminal.
 */
import { usedInLine } from '../report/usage.js';
import { Box, Text, useInput, useStdout } from 'ink';
import React, { useEffect, useRef, useState } from 'react';
import type { Finding, ScanResult } from '../scan/types.js';
import type { ScanProgress } from '../scan/scan.js';
import type { TargetSummary } from '../report/bottom-line.js';
import { inline } from '../report/terminal.js';
import { INITIAL_STATE, measuredKey, measuredTally, measuredWords, reduce, rowsOf, sectionCounts, selectedFinding, verdictsAcross, windowOf, SECTIONS, type AuditState, type KeyName, type MeasuredMark, type Row } from './model.js';
import { arrow, glyph, SEVERITY_COLOR, SEVERITY_WORD, VERDICT_WORDS, type Look } from './look.js';

export interface AuditProps {
  /** The scanned paths, for the title. */
  paths: readonly string[];
  progress: ScanProgress | null;
  /** Null while the scan runs. */
  result: ScanResult | null;
  summaries: readonly TargetSummary[];
  look: Look;
  version: string;
  /** Open the user's editor at a manifest line (the runner suspends the screen around it). */
  onEditor: (file: string, line: number) => void;
  /** `q`: the audit is done (the runner leaves the bottom line on the screen). */
  onQuit: () => void;
  /** Ctrl-C. */
  onInterrupt: () => void;
  /** `pypy-ready verify`'s measurements by `measuredKey`, shown beside each prediction in the list. */
  measured?: ReadonlyMap<string, MeasuredMark>;
  /** Where they were taken ("PyPy 7.3.11"), for the header. */
  measuredOn?: string;
}

/** The terminal's size, followed on resize. */
function useSize(): { columns: number; rows: number } {
  const { stdout } = useStdout();
  const read = () => ({ columns: Math.max(20, stdout.columns || 80), rows: Math.max(5, stdout.rows || 24) });
  const [size, setSize] = useState(read);
  useEffect(() => {
    const onResize = () => setSize(read());
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout]);
  return size;
}

/** A line cut to the width (ink would wrap it, and a wrapped line makes the frame taller than planned). */
function fit(text: string, width: number): string {
  const clean = inline(text);
  return clean.length <= width ? clean : `${clean.slice(0, Math.max(0, width - 1))}…`;
}

/**
 * Greedy word wrap of one paragraph into at most `max` lines of `width`. Leading spaces are an
 * indent, kept on every line (and continuation lines of a `- ` item line up after the dash).
 */
function wrap(text: string, width: number, max: number): string[] {
  const clean = inline(text);
  const indent = /^ */.exec(clean)![0];
  if (indent !== '') {
    const hanging = clean.slice(indent.length).startsWith('- ') ? `${indent}  ` : indent;
    const inner = wrap(clean.slice(indent.length), Math.max(10, width - hanging.length), max);
    return inner.map((line, i) => (i === 0 ? `${indent}${line}` : `${hanging}${line}`));
  }
  const words = clean.split(' ');
  const lines: string[] = [];
  let line = '';
  for (const word of words) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') lines.push(line);
  if (lines.length > max) return [...lines.slice(0, max - 1), fit(lines.slice(max - 1).join(' '), width)];
  return lines.map((l) => fit(l, width));
}

function keyName(input: string, key: { upArrow: boolean; downArrow: boolean; pageUp: boolean; pageDown: boolean; return: boolean; escape: boolean; tab: boolean; backspace: boolean; delete: boolean; leftArrow: boolean; rightArrow: boolean; home?: boolean; end?: boolean; ctrl: boolean }, filtering: boolean): KeyName | null {
  if (key.upArrow) return 'up';
  if (key.downArrow) return 'down';
  if (key.pageUp) return 'pageUp';
  if (key.pageDown) return 'pageDown';
  if (key.home) return 'home';
  if (key.end) return 'end';
  if (key.escape) return 'back';
  if (key.tab) return 'nextTarget';
  if (key.return) return filtering ? 'confirm' : 'open';
  if (key.backspace || key.delete) return filtering ? 'backspace' : null;
  if (filtering) return input && !key.ctrl ? { char: input } : null;
  if (key.rightArrow) return 'open';
  if (key.leftArrow) return 'back';
  const byChar: Record<string, KeyName> = { k: 'up', j: 'down', g: 'home', G: 'end', l: 'open', h: 'back', t: 'nextTarget', s: 'sort', '/': 'filter', '?': 'help', a: 'advice', q: 'quit', e: 'editor' };
  return byChar[input] ?? null;
}

function ScanningScreen({ paths, progress, width }: { paths: readonly string[]; progress: ScanProgress | null; width: number }): React.JSX.Element {
  const p = progress;
  const lines = [
    `pypy-ready: scanning ${paths.join(', ')}`,
    p === null ? 'starting…' : `manifests  ${p.manifests} read, ${p.projects} project(s)${p.stage === 'manifests' ? ' …' : ''}`,
    p === null || p.stage === 'manifests' ? '' : `packages   ${p.resolved} of ${p.total} resolved (all targets)`,
    p === null || p.stage === 'manifests' ? '' : `requests   ${p.requests} sent, ${p.inFlight} in flight, ${p.cacheHits} from the cache`,
    p?.current ? `fetching   ${p.current}` : '',
    p === null ? '' : `elapsed    ${(p.elapsedMs / 1000).toFixed(1)} s`,
  ].filter((l) => l !== '');
  return (
    <Box flexDirection="column" aria-role="progressbar" aria-label={lines.join('; ')}>
      {lines.map((line, i) => (
        <Text key={i} bold={i === 0}>
          {fit(line, width)}
        </Text>
      ))}
    </Box>
  );
}

function locationOf(f: Finding): string {
  const at = f.locations[0];
  return at ? `${at.file}:${at.line}` : '';
}

/** Width of a verdict column when targets are side by side ("lost-pypy-wheels" is the longest). */
const VERDICT_COLUMN = 17;

function FindingRow({ finding, selected, look, width, across, measured }: { finding: Finding; selected: boolean; look: Look; width: number; across: string[] | null; measured: MeasuredMark | null }): React.JSX.Element {
  const marker = selected ? '>' : ' ';
  // With several targets, one column per target (the list's own target among them), then the line.
  const verdicts = across ? across.map((v) => v.padEnd(VERDICT_COLUMN)).join('') : `${finding.verdict}  `;
  const name = `${finding.name} ${finding.version ?? '-'}`;
  // The measurement before the location: on a narrow terminal the location is what gets cut.
  const measurement = measured ? `${measuredWords(measured)}  ` : '';
  const text = `${marker} ${glyph(finding.severity, look)} ${across ? name.padEnd(28) : name}  ${verdicts}${measurement}${finding.ignored ? '[ignored] ' : ''}${locationOf(finding)}`;
  return (
    <Text inverse={selected} color={look.color && !selected ? SEVERITY_COLOR[finding.severity] : undefined}>
      {fit(text, width)}
    </Text>
  );
}

function ListScreen(props: { result: ScanResult; state: AuditState; rows: number; width: number; look: Look; summaries: readonly TargetSummary[]; version: string; measured: ReadonlyMap<string, MeasuredMark> | null; measuredOn: string | null }): React.JSX.Element {
  const { result, state, look, width } = props;
  const target = result.targets[state.targetIndex]!;
  const summary = props.summaries.find((s) => s.target === target.id);
  // Tabs name the interpreter; the platform once, when all targets share it (ids are long).
  const onePlatform = new Set(result.targets.map((t) => t.platform)).size === 1;
  const tabs = result.targets.map((t, i) => {
    const name = onePlatform ? t.interpreter : t.id;
    return i === state.targetIndex ? `[${name}]` : name;
  }).join(' ');
  const counts = `${sectionCounts(result, target.id)
    .map((c, i) => `${glyph(SECTIONS[i]!.severities[0]!, look)} ${c.count} ${c.count === 1 ? SECTIONS[i]!.one : SECTIONS[i]!.many}`)
    .join('  ')}  · sorted by ${state.sort}`;
  const showHints = props.rows >= 12;
  const bottomLine = summary ? wrap(summary.sentence, width, props.rows >= 16 ? 3 : 1) : [];
  const tally = props.measured ? measuredTally(result, target.id, props.measured) : null;
  const measuredLine = tally ? [`measured on ${props.measuredOn ?? 'PyPy'}: ${tally.measured} package(s), ${tally.agree} agree, ${tally.better} better than predicted, ${tally.disagree} disagree; ${tally.failed} failed`] : [];
  const header = [`pypy-ready ${props.version}  ${tabs}${onePlatform ? `  ${target.platform}` : ''}`, ...bottomLine, ...measuredLine, counts];
  const filterLine = state.filtering || state.filter !== '' ? [`/${state.filter}${state.filtering ? '_' : ''}  (esc clears)`] : [];
  const hints = showHints ? ['↑↓ move  enter open  / filter  s sort  tab target  a advice  ? help  q quit'] : [];
  // One line for the target columns' heading when targets are side by side.
  const listHeight = Math.max(1, props.rows - 1 - header.length - filterLine.length - hints.length - (result.targets.length > 1 ? 1 : 0));
  const all = rowsOf(result, state);
  const rows = windowOf(all, state, listHeight);
  const across = React.useMemo(() => (result.targets.length > 1 ? verdictsAcross(result) : null), [result]);
  const columns = across ? `  ${''.padEnd(28)}  ${result.targets.map((t) => (onePlatform ? t.interpreter : t.id).slice(0, VERDICT_COLUMN - 1).padEnd(VERDICT_COLUMN)).join('')}` : null;
  return (
    <Box flexDirection="column">
      <Text bold>{fit(header[0]!, width)}</Text>
      {header.slice(1, -1).map((line, i) => (
        <Text key={`b${i}`}>{line}</Text>
      ))}
      <Text dimColor={look.color}>{fit(header[header.length - 1]!, width)}</Text>
      {filterLine.map((line) => (
        <Text key="filter">{fit(line, width)}</Text>
      ))}
      {columns && all.length > 0 ? <Text dimColor={look.color}>{fit(columns, width)}</Text> : null}
      <Box flexDirection="column" aria-role="list">
        {all.length === 0 ? <Text>{fit(state.filter ? `no package matches "${state.filter}"` : 'no packages on this target', width)}</Text> : null}
        {rows.map((row: Row) =>
          row.kind === 'heading' ? (
            <Text key={`h-${row.title}`} bold underline={look.color}>
              {fit(`${row.title} (${row.count})`, width)}
            </Text>
          ) : (
            <FindingRow key={`f-${row.index}`} finding={row.finding} selected={row.index === state.selected} look={look} width={width} across={across ? across(row.finding) : null} measured={props.measured?.get(measuredKey(row.finding.project, row.finding.name)) ?? null} />
          ),
        )}
      </Box>
      {hints.map((line) => (
        <Text key="hints" dimColor>
          {fit(look.unicode ? line : line.replace('↑↓', 'up/dn'), width)}
        </Text>
      ))}
    </Box>
  );
}

/** "Used in: web ledger/views.py:3": where the project's code imports the package, when it was read. */
function usedInLines(finding: Finding, width: number): { text: string }[] {
  const used = usedInLine(finding);
  return used === null ? [] : wrap(used, width, 2).map((text) => ({ text }));
}

function DetailScreen({ finding, result, rows, width, look }: { finding: Finding; result: ScanResult; rows: number; width: number; look: Look }): React.JSX.Element {
  const chain = finding.via.length > 0 ? [...finding.via, finding.name].join(` ${arrow(look)} `) : 'a direct requirement';
  const lines: { text: string; bold?: boolean; color?: string }[] = [
    { text: `${finding.name} ${finding.version ?? ''} on ${finding.target}: ${glyph(finding.severity, look)} ${SEVERITY_WORD[finding.severity]}`, bold: true, color: look.color ? SEVERITY_COLOR[finding.severity] : undefined },
    ...wrap(`Verdict: ${VERDICT_WORDS[finding.verdict]} (${finding.verdict})`, width, 3).map((text) => ({ text })),
    { text: `File pip would install: ${finding.file ?? 'none'}` },
    { text: `Declared at: ${finding.locations.map((l) => `${l.file}:${l.line}`).join(', ') || 'not in a manifest'}${result.projects.length > 1 ? ` (project ${finding.project})` : ''}` },
    { text: `Pulled in by: ${chain}` },
    ...usedInLines(finding, width),
    ...(finding.ignored ? wrap(`Ignored by the configuration: ${finding.ignored.reason} (${finding.ignored.until ? `until ${finding.ignored.until}, ` : ''}${finding.ignored.rule}); reported, not failing the run`, width, 2).map((text) => ({ text, bold: true })) : []),
    ...(finding.ignoreExpired ? wrap(`Ignore expired on ${finding.ignoreExpired.until ?? '?'}, so this counts again: ${finding.ignoreExpired.reason} (${finding.ignoreExpired.rule})`, width, 2).map((text) => ({ text, bold: true })) : []),
    ...(finding.unchecked.length > 0 ? [{ text: 'Not fully checked:', bold: true }, ...finding.unchecked.flatMap((u) => wrap(`  - ${u}`, width, 2).map((text) => ({ text })))] : []),
    { text: 'Evidence:', bold: true },
    ...finding.evidence.flatMap((e) => wrap(`  - ${e}`, width, 3).map((text) => ({ text }))),
    ...(finding.suggestion ? [{ text: 'Suggestion:', bold: true }, ...wrap(`  ${finding.suggestion}`, width, 4).map((text) => ({ text }))] : []),
  ];
  const room = rows - 2;
  const shown = lines.length > room ? [...lines.slice(0, room - 1), { text: `… ${lines.length - room + 1} more line(s): widen or heighten the terminal` }] : lines;
  return (
    <Box flexDirection="column" aria-label={`details of ${finding.name}`}>
      {shown.map((line, i) => (
        <Text key={i} bold={line.bold} color={line.color}>
          {fit(line.text, width)}
        </Text>
      ))}
      <Text dimColor>{fit(`esc/h back  ↑↓ previous/next package  e edit  q quit`, width)}</Text>
    </Box>
  );
}

const HELP: readonly [string, string][] = [
  ['↑ ↓  k j', 'move'],
  ['PgUp PgDn', 'move a page'],
  ['g G', 'first, last'],
  ['enter l →', 'open the package'],
  ['esc h ←', 'back; clears the filter'],
  ['tab t', 'next target'],
  ['/', 'filter by name (enter keeps it, esc clears it)'],
  ['s', 'sort: severity, name, verdict'],
  ['e', 'open $EDITOR at the manifest line'],
  ['a', 'advice drawn from the findings'],
  ['?', 'this help'],
  ['q', 'quit (the bottom line stays on the screen)'],
];

/**
 * A page of text with a bold title, left with any key: the advice and the help. The last line
 * always says how to leave, however short the terminal.
 */
function TextScreen({ title, body, rows, width }: { title: string; body: readonly string[]; rows: number; width: number }): React.JSX.Element {
  const lines = [title, '', ...body, 'any key: back'];
  const shown = lines.length <= rows - 1 ? lines : [...lines.slice(0, Math.max(1, rows - 3)), '…', 'any key: back'];
  return (
    <Box flexDirection="column">
      {shown.map((line, i) => (
        <Text key={i} bold={i === 0}>
          {fit(line, width)}
        </Text>
      ))}
    </Box>
  );
}

/** The advice of the scan (`assess/advice.ts`), one statement after another, as the reports end with it. */
function adviceLines(result: ScanResult, width: number): string[] {
  const advice = result.advice ?? [];
  return advice.length > 0 ? advice.flatMap((a) => [...wrap(`- ${a.text}`, width, 6), '']) : ['Nothing to advise: no package was assessed on a PyPy target.', ''];
}

const HELP_LINES: readonly string[] = [...HELP.map(([keys, what]) => `  ${keys.padEnd(12)} ${what}`), ''];

export function Audit(props: AuditProps): React.JSX.Element {
  const { columns, rows } = useSize();
  const width = columns - 1;
  const [state, setState] = useState<AuditState>(INITIAL_STATE);
  // Keys can arrive faster than frames are drawn: each one is applied to the state the previous
  // one produced, not to the state of the last frame.
  const latest = useRef<AuditState>(INITIAL_STATE);
  const result = props.result;

  useInput((input, key) => {
    if (key.ctrl && input === 'c') {
      props.onInterrupt();
      return;
    }
    if (result === null) return; // keys wait for the report
    // In the help, any key goes back.
    const current = latest.current;
    const name = keyName(input, key, current.filtering) ?? (current.view === 'help' || current.view === 'advice' ? 'back' : null);
    if (name === null) return;
    const pageSize = Math.max(1, rows - 8);
    const { state: next, effect } = reduce(result, current, name, pageSize);
    latest.current = next;
    setState(next);
    if (effect === 'quit') props.onQuit();
    if (effect === 'editor') {
      const at = selectedFinding(result, next)?.locations[0];
      if (at) props.onEditor(at.file, at.line);
    }
  });

  if (result === null) return <ScanningScreen paths={props.paths} progress={props.progress} width={width} />;
  if (state.view === 'help') return <TextScreen title="Keys" body={HELP_LINES} rows={rows} width={width} />;
  if (state.view === 'advice') return <TextScreen title="Advice" body={adviceLines(result, width)} rows={rows} width={width} />;
  const selected = selectedFinding(result, state);
  if (state.view === 'detail' && selected) return <DetailScreen finding={selected} result={result} rows={rows} width={width} look={props.look} />;
  return <ListScreen result={result} state={state} rows={rows} width={width} look={props.look} summaries={props.summaries} version={props.version} measured={props.measured ?? null} measuredOn={props.measuredOn ?? null} />;
}

/** The frame left on the screen after `q`: the bottom line of every target. */
export function Farewell({ summaries, width }: { summaries: readonly TargetSummary[]; width: number }): React.JSX.Element {
  return (
    <Box flexDirection="column">
      {summaries.flatMap((s, i) => wrap(s.sentence, width, 4).map((line, j) => <Text key={`${i}-${j}`}>{line}</Text>))}
    </Box>
  );
}
