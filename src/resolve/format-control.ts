/**
 * pip's `--only-binary` / `--no-binary` (its FormatControl): which kinds of file a package may be
 * installed from. The options are applied in order, each value a comma-separated list of names or
 * `:all:` / `:none:`, and naming a package in one set takes it out of the other.
 */
import { canonicalizeName } from '../pep/names.js';

export interface FormatControl {
  readonly onlyBinary: ReadonlySet<string>;
  readonly noBinary: ReadonlySet<string>;
}

export type FormatOption = { option: 'only-binary' | 'no-binary'; value: string };

export const NO_FORMAT_CONTROL: FormatControl = { onlyBinary: new Set(), noBinary: new Set() };

/** Apply options in the order pip reads them (requirements files first, then the command line). */
export function formatControlFrom(options: readonly FormatOption[]): FormatControl {
  const onlyBinary = new Set<string>();
  const noBinary = new Set<string>();
  for (const { option, value } of options) {
    const [target, other] = option === 'only-binary' ? [onlyBinary, noBinary] : [noBinary, onlyBinary];
    let names = value.split(',').map((v) => v.trim()).filter(Boolean);
    // `:all:` resets both sets; names after it are applied only when a `:none:` follows.
    while (names.includes(':all:')) {
      other.clear();
      target.clear();
      target.add(':all:');
      names = names.slice(names.indexOf(':all:') + 1);
      if (!names.includes(':none:')) {
        names = [];
        break;
      }
    }
    for (const name of names) {
      if (name === ':none:') {
        target.clear();
        continue;
      }
      const canonical = canonicalizeName(name);
      other.delete(canonical);
      target.add(canonical);
    }
  }
  return { onlyBinary, noBinary };
}

/** The kinds of file pip accepts for one package (its `get_allowed_formats`). */
export function allowedFormats(control: FormatControl, name: string): { binary: boolean; source: boolean } {
  const canonical = canonicalizeName(name);
  if (control.onlyBinary.has(canonical)) return { binary: true, source: false };
  if (control.noBinary.has(canonical)) return { binary: false, source: true };
  if (control.onlyBinary.has(':all:')) return { binary: true, source: false };
  if (control.noBinary.has(':all:')) return { binary: false, source: true };
  return { binary: true, source: true };
}
