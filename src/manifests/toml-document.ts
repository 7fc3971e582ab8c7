/**
 * Reading a TOML manifest: smol-toml for the data (TOML 1.0, which pyproject.toml, uv.lock and
 * pylock.toml need: mixed-type arrays, unquoted datetimes), `TomlPositions` for the locations.
 */
import { parse, TomlError } from 'smol-toml';
import { fileLevel, oneLine } from './limits.js';
import { MAX_TOML_ITEMS, TomlPositions } from './toml-positions.js';
import type { ManifestIssue } from './types.js';

export type TomlTable = Record<string, unknown>;

export type TomlDocument = { ok: true; data: TomlTable; positions: TomlPositions } | { ok: false; issue: ManifestIssue };

export function readToml(text: string, file: string): TomlDocument {
  // Positions first: the scan is linear and bounded, and refuses a document too large to be a
  // manifest before smol-toml spends seconds on it.
  const positions = new TomlPositions(text, file);
  if (positions.tooLargeAt !== null) {
    const at = positions.lines.position(positions.tooLargeAt);
    return {
      ok: false,
      issue: fileLevel({ file, line: at.line, column: at.column, message: `more than ${MAX_TOML_ITEMS} TOML keys, values and tables (a real manifest holds about 25 per KB); not read`, severity: 'error', fatal: true }),
    };
  }
  try {
    const data = parse(text) as TomlTable;
    return { ok: true, data, positions };
  } catch (error) {
    if (error instanceof TomlError) {
      // smol-toml appends a code frame after a blank line: keep the first line only.
      const message = error.message.split('\n')[0]!.replace(/^Invalid TOML document:\s*/, '');
      return { ok: false, issue: { file, line: error.line, column: error.column, message: oneLine(`TOML syntax error: ${message}`), severity: 'error', fatal: true } };
    }
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, issue: { file, line: 1, message: oneLine(`cannot read TOML: ${message}`), severity: 'error', fatal: true } };
  }
}

export function isTable(value: unknown): value is TomlTable {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

export function tableAt(data: unknown, ...keys: string[]): TomlTable | undefined {
  let current = data;
  for (const key of keys) {
    if (!isTable(current)) return undefined;
    current = current[key];
  }
  return isTable(current) ? current : undefined;
}

export function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/**
 * A manifest none of whose top-level keys belongs to its format (`known` says which do) yields
 * nothing from content that is there: an error, not a silent empty file (a pyproject.toml with only
 * [tool.black] is fine: [tool] is pyproject's). Returns that issue, or null.
 */
export function unknownContent(
  data: TomlTable,
  positions: TomlPositions,
  file: string,
  label: string,
  known: (key: string, value: unknown) => boolean,
): ManifestIssue | null {
  const keys = Object.keys(data);
  if (keys.length === 0 || keys.some((k) => known(k, data[k]))) return null;
  return nothingRead(file, positions.key([keys[0]!]).line, label, keys.map((k) => (isTable(data[k]) || Array.isArray(data[k]) ? `[${k}]` : k)));
}

/** The error for a manifest that yields nothing: `what` names the content it did not understand. */
export function nothingRead(file: string, line: number, label: string, what: string[]): ManifestIssue {
  const shown = what.slice(0, 5).map((w) => (w.length > 40 ? `${w.slice(0, 37)}...` : w));
  const more = what.length > shown.length ? ` and ${what.length - shown.length} more` : '';
  return fileLevel({
    file,
    line,
    message: oneLine(`nothing read as ${label}: only ${shown.join(', ')}${more}, which ${label} does not hold (no requirements, includes or options)`),
    severity: 'error',
  });
}
