/**
 * Text that came from strangers (manifests, index responses) is cleaned before it reaches a
 * terminal: escape sequences could otherwise move the cursor, rewrite earlier lines or set the
 * window title.
 */

// C0 controls except tab and newline, DEL, and C1 controls (which include the 8-bit CSI).
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
// Bidirectional marks, embeddings, overrides and isolates can make a line read differently from
// what it contains; line and paragraph separators break a line where a terminal shows none.
const BIDI = /[\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** Remove control characters (keeping `\n` and `\t`). */
export function stripControl(text: string): string {
  return text.replace(CONTROL, '').replace(BIDI, '');
}

/** Like `stripControl`, and also folds newlines and tabs: for values shown inside one line. */
export function inline(text: string): string {
  return stripControl(text).replace(/[\n\t]+/g, ' ');
}

/**
 * A CI runner reads a log line that starts with `::` (after leading spaces) as a workflow command
 * (`::add-mask::`, `::error::`, `::stop-commands::`), and, in its older syntax, `##[command]`
 * anywhere in a line (`##[add-mask]…`, `##[error]…`). A report line never needs either, so a
 * stranger's text that would is broken up with a visible space.
 */
export function neutraliseWorkflowCommands(line: string): string {
  const legacy = line.includes('##[') ? line.replace(/##\[/g, '# #[') : line;
  return /^\s*::/.test(legacy) ? legacy.replace(/^(\s*)::/, '$1: :') : legacy;
}

/** Width used when the output is not a terminal, or the terminal does not say how wide it is. */
export const DEFAULT_WIDTH = 100;

/** The line width to render for: the terminal's column count when it reports a usable one. */
export function lineWidth(columns: number | undefined): number {
  return columns !== undefined && Number.isInteger(columns) && columns > 0 ? columns : DEFAULT_WIDTH;
}

export interface ColorQuery {
  /** Whether the output stream is a terminal. */
  isTTY: boolean;
  /**
   * The terminal's own answer, normally `tty.WriteStream.prototype.hasColors(env)` of the output
   * stream (which knows TERM=dumb, TMUX, CI, COLORTERM and the terminfo names). When absent, a
   * terminal is assumed to show colour unless TERM is "dumb".
   */
  hasColors?: ((env: Readonly<Record<string, string | undefined>>) => boolean) | undefined;
  env: Readonly<Record<string, string | undefined>>;
}

/**
 * Whether to colour the output, in this order:
 *  1. NO_COLOR set to anything but the empty string: no colour (https://no-color.org/).
 *  2. FORCE_COLOR set: colour, even when piped, unless it is "0" or "false".
 *  3. Output is not a terminal: no colour.
 *  4. Otherwise the terminal decides (`hasColors`): TERM=dumb, for one, has none.
 */
export function colorEnabled({ isTTY, hasColors, env }: ColorQuery): boolean {
  const noColor = env['NO_COLOR'];
  if (noColor !== undefined && noColor !== '') return false;
  const force = env['FORCE_COLOR'];
  if (force !== undefined) return force !== '0' && force !== 'false';
  if (!isTTY) return false;
  if (!hasColors) return env['TERM'] !== 'dumb';
  // Both variables were settled above, and Node's reading of them varies by version (before
  // Node 24 an empty NO_COLOR disables colour), so the terminal is asked without them.
  const { NO_COLOR: _noColor, FORCE_COLOR: _force, ...rest } = env;
  return hasColors(rest);
}
