/**
 * Dependency specifiers (PEP 508): `name[extras] specifier ; marker` and `name[extras] @ url ; marker`,
 * following the grammar of pypa/packaging's hand-written parser, plus the parenthesised
 * specifier form (`build (>=1.2.1,<2.0.0)`) that Poetry writes into pyproject.toml.
 */
import { PackagingError } from './errors.js';
import { quote } from '../safe-text.js';
import { MarkerParser, isSingleSpecifier, markerToString, type Marker } from './markers.js';
import { canonicalizeName, isValidName } from './names.js';
import { MAX_SPECIFIER_CLAUSES } from './versions.js';

export interface Requirement {
  /** As written. */
  name: string;
  /** PEP 503. */
  normalizedName: string;
  /** Normalised, sorted, unique. */
  extras: string[];
  /** Clauses as written, whitespace removed, e.g. ">=1.2.1,<2.0.0"; '' when none. */
  specifier: string;
  /** For `name @ url`. */
  url: string | null;
  marker: Marker | null;
  /** The marker as written, trimmed. */
  markerText: string | null;
}

const OPERATOR = /^(===|==|~=|!=|<=|>=|<|>)[ \t]*/;

/**
 * Real requirements carry a handful of clauses; a bound keeps a hostile line of a million
 * (`x==1,==1,…`, 5 MB) from costing seconds of clause checks. The same bound as specifiers.
 */
export const MAX_CLAUSES = MAX_SPECIFIER_CLAUSES;

/** Length of the match of sticky `re` at `pos` (one native scan instead of a test per character). */
function runLength(re: RegExp, source: string, pos: number): number {
  re.lastIndex = pos;
  return re.exec(source)?.[0].length ?? 0;
}

const NAME_RUN = /[A-Za-z0-9._-]*/y;
const NON_SPACE_RUN = /\S*/y;
const SPACE_RUN = /\s*/y;

function isSpace(ch: string | undefined): boolean {
  return ch === ' ' || ch === '\t';
}

class RequirementParser {
  pos = 0;

  constructor(readonly source: string) {}

  fail(message: string, at = this.pos): never {
    throw new PackagingError('requirement', `${message} at column ${at + 1} of requirement ${quote(this.source)}`, at);
  }

  skipSpace(): void {
    while (isSpace(this.source[this.pos])) this.pos++;
  }

  atEnd(): boolean {
    return this.pos >= this.source.length;
  }

  /** A run of name characters; validity is checked by the caller so the error names the word. */
  readIdentifier(): { text: string; start: number } {
    const start = this.pos;
    this.pos += runLength(NAME_RUN, this.source, this.pos);
    return { text: this.source.slice(start, this.pos), start };
  }

  parseName(): string {
    const { text, start } = this.readIdentifier();
    if (text === '') this.fail('expected a package name');
    if (!isValidName(text)) this.fail(`invalid package name ${quote(text)}`, start);
    return text;
  }

  /** extras = '[' (name (',' name)*)? ']' */
  parseExtras(): string[] {
    if (this.source[this.pos] !== '[') return [];
    const open = this.pos;
    this.pos++;
    const extras: string[] = [];
    this.skipSpace();
    if (this.source[this.pos] !== ']') {
      for (;;) {
        this.skipSpace();
        const { text, start } = this.readIdentifier();
        if (text === '') this.fail('expected an extra name');
        if (!isValidName(text)) this.fail(`invalid extra name ${quote(text)}`, start);
        extras.push(canonicalizeName(text));
        this.skipSpace();
        if (this.source[this.pos] !== ',') break;
        this.pos++;
      }
    }
    if (this.source[this.pos] !== ']') {
      this.fail(`expected "," or "]" to close the extras opened at column ${open + 1}`);
    }
    this.pos++;
    return [...new Set(extras)].sort();
  }

  /**
   * Clauses up to `;` (or `)` in the parenthesised form). Each clause is `op version` with
   * optional space after the operator, and is validated on its own so the error names it.
   */
  parseSpecifier(): string {
    const parenthesised = this.source[this.pos] === '(';
    const open = this.pos;
    if (parenthesised) this.pos++;
    const stop = parenthesised ? ')' : ';';
    let end = this.source.indexOf(stop, this.pos);
    if (end < 0) {
      if (parenthesised) this.fail('expected ")" to close the version specifier', open);
      end = this.source.length;
    }
    const clauses: string[] = [];
    let clauseStart = this.pos;
    const raw = this.source.slice(this.pos, end).split(',', MAX_CLAUSES + 1);
    if (raw.length > MAX_CLAUSES) this.fail(`more than ${MAX_CLAUSES} version specifier clauses`);
    raw.forEach((piece, index) => {
      const at = clauseStart + (piece.length - piece.trimStart().length);
      clauseStart += piece.length + 1;
      const clause = piece.trim();
      if (clause === '') {
        // packaging tolerates one trailing comma after a clause ("x>=1,"), nothing else empty.
        if (index === raw.length - 1 && index > 0) return;
        if (raw.length === 1) return; // no specifier at all (packaging also accepts "name ()")
        this.fail('expected a version specifier clause', at);
      }
      const op = OPERATOR.exec(clause);
      const version = op ? clause.slice(op[0].length) : '';
      if (!op || version === '' || /\s/.test(version) || !isSingleSpecifier(op[1] as string, version)) {
        const hint = op ? '' : ' (a clause starts with one of ==, !=, <=, >=, <, >, ~=, ===)';
        this.fail(`invalid version specifier ${quote(clause)}${hint}`, at);
      }
      clauses.push(`${op[1] as string}${version}`);
    });
    this.pos = parenthesised ? end + 1 : end;
    return clauses.join(',');
  }

  /** URL = run of non-whitespace after `@`; a marker after it needs whitespace before `;`. */
  parseUrl(): string {
    this.pos++; // '@'
    this.skipSpace();
    const start = this.pos;
    this.pos += runLength(NON_SPACE_RUN, this.source, this.pos);
    const url = this.source.slice(start, this.pos);
    if (url === '') this.fail('expected a URL after "@"');
    return url;
  }
}

/**
 * Parse one PEP 508 requirement. Surrounding whitespace (including a stray line break) is
 * ignored; comments are not part of PEP 508 and must be stripped by the caller.
 * Throws PackagingError('requirement', …) naming the bad part, with its offset.
 */
export function parseRequirement(text: string): Requirement {
  // Cut trailing whitespace off the source (a prefix keeps offsets valid); skip leading whitespace.
  // `trimEnd`, not /\s+$/: that pattern retries at every space of a long inner run (quadratic).
  const source = text.trimEnd();
  const p = new RequirementParser(source);
  p.pos += runLength(SPACE_RUN, source, p.pos);

  const name = p.parseName();
  p.skipSpace();
  const extras = p.parseExtras();
  p.skipSpace();

  let specifier = '';
  let url: string | null = null;
  if (source[p.pos] === '@') {
    url = p.parseUrl();
    if (!p.atEnd()) {
      if (!isSpace(source[p.pos])) p.fail('expected whitespace after the URL');
      p.skipSpace();
      if (source[p.pos] !== ';') p.fail('expected ";" (after URL and whitespace) or end');
    }
  } else {
    specifier = p.parseSpecifier();
    p.skipSpace();
    if (!p.atEnd() && source[p.pos] !== ';') {
      p.fail(specifier ? 'expected "," or ";" after the version specifier' : 'expected a version specifier, "@" or ";"');
    }
  }

  let marker: Marker | null = null;
  let markerText: string | null = null;
  if (source[p.pos] === ';') {
    const markerStart = p.pos + 1;
    const parser = new MarkerParser(source, markerStart, 'requirement');
    marker = parser.parseOr();
    parser.skipSpace();
    if (!parser.atEnd()) parser.fail('expected "and", "or" or end of marker');
    markerText = source.slice(markerStart).trim();
  }

  return { name, normalizedName: canonicalizeName(name), extras, specifier, url, marker, markerText };
}

/** Normalised text in packaging's layout: `name[a,b]>=1,<2; marker` or `name @ url ; marker`. */
export function requirementToString(r: Requirement): string {
  let out = r.name;
  if (r.extras.length > 0) out += `[${r.extras.join(',')}]`;
  if (r.url !== null) out += ` @ ${r.url}`;
  else out += r.specifier;
  if (r.marker !== null) out += `${r.url !== null ? ' ' : ''}; ${markerToString(r.marker)}`;
  return out;
}
