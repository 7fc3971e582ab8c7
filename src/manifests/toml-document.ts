/**
 * Reading a TOML manifest: smol-toml for the data (TOML 1.0, which pyproject.toml, uv.lock and
 * pylock.toml need: mixed-type arrays, unquoted datetimes), `TomlPositions` for the locations.
 */
import { parse, TomlError } from 'smol-toml';
import { oneLine } from '../safe-text.js';
import { TomlPositions } from './toml-positions.js';
import type { ManifestIssue } from './types.js';

export type TomlTable = Record<string, unknown>;

export type TomlDocument = { ok: true; data: TomlTable; positions: TomlPositions } | { ok: false; issue: ManifestIssue };

export function readToml(text: string, file: string): TomlDocument {
  try {
    const data = parse(text) as TomlTable;
    return { ok: true, data, positions: new TomlPositions(text, file) };
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
