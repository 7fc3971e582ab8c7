/**
 * Poetry version constraints to PEP 440 specifiers: `^1.2` → `>=1.2,<2.0`, `~1.2.3` → `>=1.2.3,<1.3.0`,
 * `1.2.3` → `==1.2.3`, `*` → '', `>=1 <2` → `>=1,<2`. Poetry's `||` (union) has no PEP 440 form.
 */
export type PoetryConstraint = { ok: true; specifier: string } | { ok: false; message: string };

export function poetryToPep440(constraint: string): PoetryConstraint {
  const text = constraint.trim();
  if (text === '' || text === '*') return { ok: true, specifier: '' };
  if (text.includes('||') || /(^|\s)\|(\s|$)/.test(text)) {
    return { ok: false, message: `Poetry constraint ${JSON.stringify(constraint)} is a union ("||"), which PEP 440 cannot express` };
  }
  // Clauses are separated by commas or by spaces ("  >=1.2 <2"); an operator may be followed by a space.
  const clauses = text
    .replace(/(\^|~=|~|===|==|!=|<=|>=|<|>|=)\s+/g, '$1')
    .split(/[\s,]+/)
    .filter(Boolean);
  const out: string[] = [];
  for (const clause of clauses) {
    const translated = translateClause(clause);
    if (translated === null) return { ok: false, message: `invalid Poetry constraint ${JSON.stringify(constraint)}` };
    out.push(...translated);
  }
  return { ok: true, specifier: out.join(',') };
}

function translateClause(clause: string): string[] | null {
  if (clause === '*') return [];
  const m = /^(\^|~=|~|===|==|!=|<=|>=|<|>|=)?(.+)$/.exec(clause);
  if (!m) return null;
  const op = m[1] ?? '';
  const version = m[2]!;
  if (!/^v?[0-9]/.test(version) && version !== '*') return null;
  const v = version.replace(/^v/, '');
  switch (op) {
    case '^':
      return [`>=${v}`, `<${caretUpper(v)}`];
    case '~':
      return [`>=${v}`, `<${tildeUpper(v)}`];
    case '':
    case '=':
      // "1.2.*" is a wildcard match; a bare version is exact.
      return [`==${v}`];
    default:
      return [`${op}${v}`];
  }
}

function releaseOf(version: string): number[] {
  const m = /^(\d+(?:\.\d+)*)/.exec(version);
  return m ? m[1]!.split('.').map(Number) : [0];
}

/** Poetry: the upper bound bumps the first non-zero part of the given release (`^0.0.3` → `<0.0.4`). */
function caretUpper(version: string): string {
  const parts = releaseOf(version);
  const firstNonZero = parts.findIndex((p) => p !== 0);
  // "^0" → "<1", "^0.0" → "<0.1", "^0.0.0" → "<0.0.1".
  const index = firstNonZero === -1 ? Math.max(0, parts.length - 1) : firstNonZero;
  const upper = parts.slice(0, index + 1);
  upper[index] = upper[index]! + 1;
  while (upper.length < Math.min(parts.length, 2)) upper.push(0);
  return upper.join('.');
}

/** `~1.2.3` → `<1.3.0`, `~1.2` → `<1.3`, `~1` → `<2`. */
function tildeUpper(version: string): string {
  const parts = releaseOf(version);
  const index = parts.length === 1 ? 0 : 1;
  const upper = parts.slice(0, index + 1);
  upper[index] = upper[index]! + 1;
  if (parts.length > 2) upper.push(0);
  return upper.join('.');
}
