/**
 * Pipfile (pipenv): `[packages]`, `[dev-packages]` and custom categories, each entry a version
 * string (`"*"`, `"==1.2"`) or a table (version, extras, markers, git/ref, path, editable, and
 * marker keys such as `sys_platform = "== 'win32'"`); `[[source]]` for the indexes.
 */
import { quote } from '../safe-text.js';
import { MAX_ENTRIES_PER_FILE, oneLine, tooManyEntries } from './limits.js';
import { canonicalizeName } from '../pep/names.js';
import { declare } from './declared.js';
import { isTable, readToml, stringOf, tableAt, unknownContent } from './toml-document.js';
import { emptyIndexOptions, type DeclaredRequirement, type IndexOptions, type ManifestIssue, type RequirementGroup } from './types.js';

export interface PipfileResult {
  requirements: DeclaredRequirement[];
  issues: ManifestIssue[];
  requiresPython: string | null;
  indexOptions: IndexOptions;
}

/** Tables that are not package categories. */
const NOT_CATEGORIES = new Set(['source', 'requires', 'pipenv', 'scripts']);
const MARKER_KEYS = [
  'os_name', 'sys_platform', 'platform_machine', 'platform_python_implementation', 'platform_release',
  'platform_system', 'platform_version', 'python_version', 'python_full_version', 'implementation_name', 'implementation_version',
];

export function parsePipfile(text: string, file: string): PipfileResult {
  const result: PipfileResult = { requirements: [], issues: [], requiresPython: null, indexOptions: emptyIndexOptions() };
  const doc = readToml(text, file);
  if (!doc.ok) {
    result.issues.push(doc.issue);
    return result;
  }
  const { data, positions } = doc;
  // Any table is a package category; other top-level values mean nothing to pipenv.
  const unknown = unknownContent(data, positions, file, 'a Pipfile', (key, value) => NOT_CATEGORIES.has(key) || isTable(value));
  if (unknown) result.issues.push(unknown);
  const requires = tableAt(data, 'requires');
  if (typeof requires?.python_full_version === 'string') result.requiresPython = `==${requires.python_full_version}`;
  else if (typeof requires?.python_version === 'string') result.requiresPython = `==${requires.python_version}.*`;

  const sources = Array.isArray(data.source) ? data.source : [];
  sources.forEach((s, i) => {
    if (!isTable(s) || typeof s.url !== 'string') return;
    if (i === 0) result.indexOptions.indexUrl = s.url;
    else result.indexOptions.extraIndexUrls.push(s.url);
    if (s.verify_ssl === false) {
      try {
        result.indexOptions.trustedHosts.push(new URL(s.url).host);
      } catch {
        // An unparsable URL (often a ${VAR}) names no host to trust.
      }
    }
  });

  let entries = 0;
  categories: for (const [category, packages] of Object.entries(data)) {
    if (NOT_CATEGORIES.has(category) || !isTable(packages)) continue;
    const group: RequirementGroup = category === 'packages' ? 'main' : category === 'dev-packages' ? 'dev' : `group:${canonicalizeName(category)}`;
    for (const [name, spec] of Object.entries(packages)) {
      const path = [category, name];
      if (++entries > MAX_ENTRIES_PER_FILE) {
        result.issues.push(tooManyEntries(file, positions.key(path).line, 'package entries'));
        break categories;
      }
      const location = typeof spec === 'string' ? positions.value(path) : positions.key(path);
      const table = typeof spec === 'string' ? { version: spec } : isTable(spec) ? spec : null;
      if (!table) {
        result.issues.push({ file, line: location.line, column: location.column, message: oneLine(`Pipfile entry ${quote(name)}: expected a version string or a table`), severity: 'error' });
        continue;
      }
      const version = stringOf(table.version)?.trim() ?? '*';
      // pipenv accepts a bare version ("1.2") as "==1.2".
      const specifier = version === '*' || version === '' ? '' : /^[0-9]/.test(version) ? `==${version}` : version;
      const extras = Array.isArray(table.extras) ? table.extras.filter((e): e is string => typeof e === 'string') : [];
      const markers: string[] = [];
      if (typeof table.markers === 'string' && table.markers.trim()) markers.push(`(${table.markers})`);
      for (const key of MARKER_KEYS) {
        const v = table[key];
        if (typeof v === 'string') markers.push(`${key} ${v.trim()}`);
      }
      const head = `${name}${extras.length ? `[${extras.join(',')}]` : ''}`;
      const marker = markers.length ? ` ; ${markers.join(' and ')}` : '';
      const git = stringOf(table.git);
      const url = git ? `git+${git.replace(/^git\+/, '')}${typeof table.ref === 'string' ? `@${table.ref}` : ''}` : stringOf(table.file) ?? null;
      const localPath = stringOf(table.path) ?? null;
      const text = url && !localPath ? `${head} @ ${url}${marker ? ` ${marker}` : ''}` : `${head}${localPath ? '' : specifier}${marker}`;
      const d = declare(text, location, { group, editable: table.editable === true, localPath, synthesized: true });
      if (d.ok) result.requirements.push(d.requirement);
      else result.issues.push(d.issue);
    }
  }
  return result;
}
