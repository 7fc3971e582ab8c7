/**
 * Text from strangers (package names, versions, evidence, suggestions, file names) on its way into
 * GitHub-flavoured Markdown: the job summary of `--format github` and the Markdown report. Two
 * functions, one per place text can go:
 *
 * - `escapeInline(text)`: one line of running text (a paragraph, a list item, a heading's words).
 * - `escapeCell(text)`: one cell of a GFM table (also keeps the row on one line and its `|` literal).
 *
 * Both give text that renders as exactly the characters given (no emphasis, link, image, code span,
 * HTML tag or entity, heading, list or quote made by the stranger's text), that cannot mention
 * anyone (`@user` pings nobody) and that holds no control or bidi character (the file is also read
 * raw in logs). They do not shorten anything.
 */
import { stripControl } from './terminal.js';

// ASCII punctuation that means something inline in CommonMark/GFM: emphasis and strikethrough
// (`*`, `_`, `~`), code spans, links and images (`[`, `]`, `!`, `(`, `)`), backslash escapes
// themselves, tables (`|`), and `#` (headings; GitHub links `#123`-style references from text
// that stays a text node, but escaping keeps a leading one from making a heading).
const PUNCTUATION = /[\\`*_~[\]!()|#]/g;

/** HTML: no tag, comment or entity from the stranger; `&` first so nothing is escaped twice. */
function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * `@name` → `@` + zero-width space + `name`: it reads the same, but is no mention (GitHub links
 * and notifies on `@user` and `@org/team` in summaries, comments and PR bodies). Written as the
 * entity `&#8203;`, so the file itself holds no invisible character.
 */
function defuseMentions(text: string): string {
  return text.replace(/@/g, '@&#8203;');
}

/** Block syntax that only counts at the start of a line: list markers, setext underlines, ordered lists. */
function defuseLineStart(text: string): string {
  return text.replace(/^(\s*)([-+=])(?=\s|$|[-=])/, '$1\\$2').replace(/^(\s*\d{1,9})([.)])(?=\s|$)/, '$1\\$2');
}

function escapeText(text: string): string {
  const escaped = escapeHtml(stripControl(text)).replace(PUNCTUATION, '\\$&');
  return defuseMentions(escaped);
}

/** One line of running Markdown text: line breaks and tabs fold to one space. */
export function escapeInline(text: string): string {
  const oneLine = stripControl(text).replace(/[\r\n\t]+/g, ' ');
  return defuseLineStart(escapeText(oneLine));
}

/** One GFM table cell: as `escapeInline`, and line breaks become `<br>` (a row cannot span lines). */
export function escapeCell(text: string): string {
  const lines = stripControl(text)
    .replace(/\t/g, ' ')
    .split(/\r\n|\r|\n/)
    .map((line) => defuseLineStart(escapeText(line)));
  return lines.join('<br>');
}
