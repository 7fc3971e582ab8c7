/**
 * pyproject.toml: PEP 621 `[project]` dependencies and optional-dependencies, PEP 735
 * `[dependency-groups]` (with `{include-group = …}`), PEP 518 `build-system.requires`, and the tool
 * tables that declare dependencies: Poetry, PDM, uv and Hatch (hatch.toml shares the Hatch code).
 */
import { quote } from '../safe-text.js';
import { fileLevel, MAX_ENTRIES_PER_FILE, oneLine, tooManyEntries } from './limits.js';
import { canonicalizeName } from '../pep/names.js';
import { declare, declareUnnamed, type DeclareOptions } from './declared.js';
import { poetryToPep440 } from './poetry-constraint.js';
import { isTable, readToml, stringOf, tableAt, unknownContent, type TomlTable } from './toml-document.js';
import type { TomlPath, TomlPositions } from './toml-positions.js';
import { cutAtFirst, startsWithNameAt } from './text-scan.js';
import { emptyIndexOptions, type DeclaredRequirement, type IndexOptions, type ManifestIssue, type RequirementGroup, type SourceLocation } from './types.js';

export interface PyprojectResult {
  requirements: DeclaredRequirement[];
  issues: ManifestIssue[];
  projectName: string | null;
  requiresPython: string | null;
  indexOptions: IndexOptions;
}

class Collector {
  readonly requirements: DeclaredRequirement[] = [];
  readonly issues: ManifestIssue[] = [];
  private entries = 0;

  constructor(
    readonly file: string,
    readonly positions: TomlPositions,
  ) {}

  /** Whether one more entry (at `path`) is read: false past MAX_ENTRIES_PER_FILE, said once. */
  admit(path: TomlPath): boolean {
    if (++this.entries <= MAX_ENTRIES_PER_FILE) return true;
    if (this.entries === MAX_ENTRIES_PER_FILE + 1) this.issues.push(tooManyEntries(this.file, this.positions.value(path).line, 'dependency entries'));
    return false;
  }

  /** A PEP 508 string at `path`. */
  pep508(value: unknown, path: TomlPath, options: DeclareOptions): DeclaredRequirement | null {
    return this.admit(path) ? this.read(value, path, options) : null;
  }

  private read(value: unknown, path: TomlPath, options: DeclareOptions): DeclaredRequirement | null {
    if (typeof value !== 'string') {
      this.issue(path, `expected a requirement string, found ${describe(value)}`);
      return null;
    }
    // PDM writes editables into its dev groups as pip would: "-e file:///${PROJECT_ROOT}/sub".
    const editable = /^-e\s+/.exec(value);
    if (editable) return this.editable(value.slice(editable[0].length).trim(), path, options);
    const d = declare(value, this.positions.value(path), options);
    if (d.ok) this.requirements.push(d.requirement);
    else this.issues.push(d.issue);
    return d.ok ? d.requirement : null;
  }

  private editable(target: string, path: TomlPath, options: DeclareOptions): DeclaredRequirement | null {
    if (startsWithNameAt(target, false)) {
      return this.read(target, path, { ...options, editable: true });
    }
    const egg = /#egg=([^&]+)/.exec(target);
    const bare = cutAtFirst(target, '#');
    const record = declareUnnamed(egg?.[1] ?? bare.split('/').filter(Boolean).pop() ?? bare, this.positions.value(path), {
      ...options,
      editable: true,
      url: /^[a-z+]+:/i.test(bare) && !/^file:/i.test(bare) ? bare : null,
      localPath: /^file:/i.test(bare) ? bare.replace(/^file:(\/\/)?/i, '') : /^[a-z+]+:/i.test(bare) ? null : bare,
    });
    this.requirements.push(record);
    return record;
  }

  issue(path: TomlPath, message: string, severity: 'error' | 'warning' = 'error', where: 'key' | 'value' = 'value'): void {
    const at = where === 'key' ? this.positions.key(path) : this.positions.value(path);
    this.issues.push({ file: this.file, line: at.line, column: at.column, message: oneLine(message), severity });
  }

  /** Each string of an array of PEP 508 strings. */
  list(value: unknown, path: TomlPath, options: DeclareOptions): void {
    if (value === undefined) return;
    if (!Array.isArray(value)) {
      this.issue(path, `expected an array of requirement strings at ${path.join('.')}, found ${describe(value)}`);
      return;
    }
    for (let i = 0; i < value.length; i++) if (this.pep508(value[i], [...path, i], options) === null && this.entries > MAX_ENTRIES_PER_FILE) return;
  }
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Date) return 'a date';
  if (isTable(value)) return 'a table';
  return typeof value === 'string' ? `the string ${quote(value)}` : typeof value;
}

/** The top-level tables of pyproject.toml (PEP 518 reserves `tool` for everything else). */
const PYPROJECT_TABLES = new Set(['project', 'build-system', 'dependency-groups', 'tool']);

export function parsePyproject(text: string, file: string): PyprojectResult {
  const result: PyprojectResult = { requirements: [], issues: [], projectName: null, requiresPython: null, indexOptions: emptyIndexOptions() };
  const doc = readToml(text, file);
  if (!doc.ok) {
    result.issues.push(doc.issue);
    return result;
  }
  const c = new Collector(file, doc.positions);
  const data = doc.data;
  const unknown = unknownContent(data, doc.positions, file, 'a pyproject.toml', (key) => PYPROJECT_TABLES.has(key));
  if (unknown) result.issues.push(unknown);
  const project = tableAt(data, 'project');
  result.projectName = stringOf(project?.name) ?? stringOf(tableAt(data, 'tool', 'poetry')?.name) ?? null;
  result.requiresPython = stringOf(project?.['requires-python']) ?? null;

  c.list(tableAt(data, 'build-system')?.requires, ['build-system', 'requires'], { group: 'build' });
  c.list(project?.dependencies, ['project', 'dependencies'], { group: 'main' });
  const optional = tableAt(data, 'project', 'optional-dependencies');
  for (const [extra, list] of Object.entries(optional ?? {})) {
    c.list(list, ['project', 'optional-dependencies', extra], { group: `optional:${canonicalizeName(extra)}` });
  }
  dependencyGroups(c, tableAt(data, 'dependency-groups'));

  const poetryPython = poetry(c, tableAt(data, 'tool', 'poetry'), project, result.indexOptions);
  result.requiresPython ??= poetryPython;
  pdm(c, tableAt(data, 'tool', 'pdm'), result.indexOptions);
  uv(c, tableAt(data, 'tool', 'uv'), result.indexOptions);
  hatchEnvs(c, tableAt(data, 'tool', 'hatch', 'envs'), ['tool', 'hatch', 'envs']);

  result.requirements = c.requirements;
  for (const i of c.issues) result.issues.push(i);
  return result;
}

/** hatch.toml: the `[tool.hatch]` table without its prefix. */
export function parseHatchToml(text: string, file: string): { requirements: DeclaredRequirement[]; issues: ManifestIssue[] } {
  const doc = readToml(text, file);
  if (!doc.ok) return { requirements: [], issues: [doc.issue] };
  const c = new Collector(file, doc.positions);
  hatchEnvs(c, tableAt(doc.data, 'envs'), ['envs']);
  return { requirements: c.requirements, issues: c.issues };
}

// ------------------------------------------------------------------------------------------------
// PEP 735

/** Include chains deeper than this are not followed (real ones are two or three deep). */
const MAX_GROUP_INCLUDE_DEPTH = 64;
/**
 * Entries read through includes, for the whole file. Each including group gets the included
 * group's requirements again, so a chain of n groups yields n²/2 records and a group that
 * includes another twice doubles at every level: past this budget the includes stop.
 */
const MAX_GROUP_INCLUDED_ENTRIES = 100_000;

function dependencyGroups(c: Collector, groups: TomlTable | undefined): void {
  if (!groups) return;
  const byName = new Map<string, string>();
  for (const key of Object.keys(groups)) byName.set(canonicalizeName(key), key);
  const reported = new Set<string>();
  let included = 0;
  let overBudget = false;
  // An including group gets the included group's requirements too, each pointing at the string
  // that declares it; a cycle or a missing group is reported where the include is written.
  const expand = (key: string, group: RequirementGroup, stack: string[]): void => {
    const list = groups[key];
    if (!Array.isArray(list)) {
      c.issue(['dependency-groups', key], `dependency group ${quote(key)} must be an array`);
      return;
    }
    for (let i = 0; i < list.length; i++) {
      const item: unknown = list[i];
      const path = ['dependency-groups', key, i];
      // Each group's own entries are always read; only what includes bring in is budgeted.
      if (stack.length > 1) {
        if (overBudget) return;
        if (++included > MAX_GROUP_INCLUDED_ENTRIES) {
          overBudget = true;
          const at = c.positions.key(['dependency-groups']);
          c.issues.push(fileLevel({ file: c.file, line: at.line, column: at.column, message: `dependency-group includes expand to more than ${MAX_GROUP_INCLUDED_ENTRIES} entries; the rest of them are not read`, severity: 'error' }));
          return;
        }
      }
      if (typeof item === 'string') {
        c.pep508(item, path, { group, direct: true });
        continue;
      }
      const include = isTable(item) ? stringOf(item['include-group']) : undefined;
      if (include === undefined) {
        c.issue(path, `dependency group ${quote(key)}: expected a requirement string or {include-group = "…"}`);
        continue;
      }
      const target = byName.get(canonicalizeName(include));
      if (target === undefined) {
        c.issue([...path, 'include-group'], `dependency group ${quote(key)} includes unknown group ${quote(include)}`);
      } else if (stack.includes(target)) {
        // The same cycle is met again from each of its members: say it once.
        const members = [...stack.slice(stack.indexOf(target))].sort().join('\u0000');
        if (!reported.has(members)) {
          reported.add(members);
          c.issue([...path, 'include-group'], `dependency group include cycle: ${[...stack, target].join(' -> ')}`);
        }
      } else if (stack.length >= MAX_GROUP_INCLUDE_DEPTH) {
        if (!reported.has('\u0000depth')) {
          reported.add('\u0000depth');
          c.issue([...path, 'include-group'], `dependency group includes nested more than ${MAX_GROUP_INCLUDE_DEPTH} deep (${quote(stack[0]!)} -> … -> ${quote(target)}); the deeper ones are not read`);
        }
      } else {
        expand(target, group, [...stack, target]);
      }
    }
  };
  for (const key of Object.keys(groups)) expand(key, `group:${canonicalizeName(key)}`, [key]);
}

// ------------------------------------------------------------------------------------------------
// Poetry

/** Where the name of a PEP 508 string ends (any whitespace, as `\s`, included). */
const NAME_ENDS = '[(<>=!~;@ \t\n\v\f\r\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff';

/** The group of a Poetry `optional = true` main dependency that no extra lists: nothing installs it. */
export const POETRY_OPTIONAL_WITHOUT_EXTRA: RequirementGroup = 'optional:(none)';

/**
 * Which [tool.poetry.dependencies] entries Poetry uses, after poetry-core's
 * Factory._configure_package_dependencies and DependencyGroup.dependencies:
 * - no [project] dependencies or optional-dependencies (Poetry 1 layout): all of them, and an
 *   `optional = true` one belongs to the extras of [tool.poetry.extras] that list it;
 * - otherwise (Poetry 2) the table only adds details to the [project] ones (no records of its
 *   own) and [tool.poetry.extras] is ignored, except with [project.dynamic]: "dependencies"
 *   dynamic and only optional-dependencies in [project] takes its required entries; the reverse
 *   takes its optional ones.
 * Extras only reach main dependencies: `optional = true` in a group changes nothing.
 */
function poetry(c: Collector, tool: TomlTable | undefined, project: TomlTable | undefined, index: IndexOptions): string | null {
  if (!tool) return null;
  let python: string | null = null;
  const projectDeps = Array.isArray(project?.dependencies) ? project.dependencies : [];
  const projectOptional = tableAt(project, 'optional-dependencies') ?? {};
  const optionalLists = Object.values(projectOptional).filter((l): l is unknown[] => Array.isArray(l));
  const projectOptionalCount = optionalLists.reduce((n, l) => n + l.length, 0);
  const pep621 = projectDeps.length + projectOptionalCount > 0;
  const dynamic = Array.isArray(project?.dynamic) ? project.dynamic : [];
  const mixedDynamic = dynamic.includes('dependencies') || dynamic.includes('optional-dependencies');
  const usesMainEntry = (optional: boolean): boolean => {
    if (!pep621) return true;
    if (mixedDynamic && projectDeps.length === 0) return !optional;
    if (mixedDynamic && projectOptionalCount === 0) return optional;
    return false;
  };
  const projectNames = new Set(
    [...projectDeps, ...optionalLists.flat()]
      .filter((d): d is string => typeof d === 'string')
      .map((d) => canonicalizeName(cutAtFirst(d.trim(), NAME_ENDS))),
  );

  const mainDeps = tableAt(tool, 'dependencies');
  const mainNames = new Set(Object.keys(mainDeps ?? {}).map((n) => canonicalizeName(n)));
  const extrasTable = tableAt(tool, 'extras') ?? {};
  // poetry-core reads [tool.poetry.extras] only when [project] declares neither list.
  const extrasHonoured = projectDeps.length === 0 && Object.keys(projectOptional).length === 0;
  if (Object.keys(extrasTable).length > 0 && !extrasHonoured) {
    c.issue(['tool', 'poetry', 'extras'], '[tool.poetry.extras] is ignored: Poetry 2 takes extras from [project.optional-dependencies] when [project] declares dependencies', 'warning');
  }
  const extrasOf = new Map<string, string[]>();
  for (const [extra, names] of Object.entries(extrasHonoured ? extrasTable : {})) {
    if (!Array.isArray(names)) continue;
    names.forEach((n, i) => {
      if (typeof n !== 'string') return;
      const key = canonicalizeName(cutAtFirst(n.trim(), NAME_ENDS.replace('@', '')));
      if (!mainNames.has(key)) {
        c.issue(['tool', 'poetry', 'extras', extra, i], `extra ${quote(extra)} lists ${quote(n)}, which [tool.poetry.dependencies] does not declare: Poetry installs nothing for it`, 'warning');
        return;
      }
      const list = extrasOf.get(key) ?? [];
      if (!list.includes(canonicalizeName(extra))) list.push(canonicalizeName(extra));
      extrasOf.set(key, list);
    });
  }

  const section = (deps: TomlTable | undefined, path: string[], group: RequirementGroup): void => {
    const isMain = group === 'main';
    for (const [name, spec] of Object.entries(deps ?? {})) {
      const key = canonicalizeName(name);
      if (key === 'python') {
        if (isMain && typeof spec === 'string') {
          const t = poetryToPep440(spec);
          if (t.ok) python = t.specifier;
        }
        continue;
      }
      const entries = Array.isArray(spec) ? spec : [spec];
      let ignoredReported = false;
      entries.forEach((entry, i) => {
        const entryPath = Array.isArray(spec) ? [...path, name, i] : [...path, name];
        const optional = isTable(entry) && entry.optional === true;
        if (!isMain) {
          if (optional) {
            c.issue(entryPath, `${quote(name)} is optional = true in a dependency group: Poetry ties extras to [tool.poetry.dependencies] only, so it is checked with its group`, 'warning', 'key');
          }
          poetryDependency(c, name, entry, entryPath, group);
          return;
        }
        if (!usesMainEntry(optional)) {
          // Details for a [project] dependency (source, markers): the [project] record stands.
          if (!projectNames.has(key) && !ignoredReported) {
            ignoredReported = true;
            c.issue(
              [...path, name],
              `[tool.poetry.dependencies] ${quote(name)} is not in [project] dependencies or optional-dependencies: Poetry 2 only uses this table to add details to those, so nothing installs it`,
              'warning',
              'key',
            );
          }
          return;
        }
        if (!optional) {
          poetryDependency(c, name, entry, entryPath, 'main');
          return;
        }
        const extras = extrasOf.get(key) ?? [];
        if (extras.length === 0) {
          c.issue(
            entryPath,
            `optional dependency ${quote(name)} is not listed in any [tool.poetry.extras] entry: no extra installs it (recorded as group ${POETRY_OPTIONAL_WITHOUT_EXTRA})`,
            'warning',
            'key',
          );
          poetryDependency(c, name, entry, entryPath, POETRY_OPTIONAL_WITHOUT_EXTRA);
          return;
        }
        for (const e of extras) poetryDependency(c, name, entry, entryPath, `optional:${e}`);
      });
    }
  };
  section(mainDeps, ['tool', 'poetry', 'dependencies'], 'main');
  section(tableAt(tool, 'dev-dependencies'), ['tool', 'poetry', 'dev-dependencies'], 'dev');
  for (const [g, table] of Object.entries(tableAt(tool, 'group') ?? {})) {
    section(tableAt(table, 'dependencies'), ['tool', 'poetry', 'group', g, 'dependencies'], `group:${canonicalizeName(g)}`);
  }
  const sources = Array.isArray(tool.source) ? tool.source : [];
  for (const s of sources) {
    if (!isTable(s) || typeof s.url !== 'string') continue;
    const priority = stringOf(s.priority) ?? (s.default === true ? 'default' : s.secondary === true ? 'supplemental' : 'primary');
    if (priority === 'explicit') continue; // used only by the packages that name it
    if (priority === 'default') index.indexUrl = s.url;
    else index.extraIndexUrls.push(s.url);
  }
  return python;
}

function poetryDependency(c: Collector, name: string, spec: unknown, path: TomlPath, group: RequirementGroup): void {
  if (!c.admit(path)) return;
  const isString = typeof spec === 'string';
  const location: SourceLocation = isString ? c.positions.value(path) : c.positions.key(path);
  const table: TomlTable = isString ? { version: spec } : isTable(spec) ? spec : {};
  if (!isString && !isTable(spec)) {
    c.issue(path, `Poetry dependency ${quote(name)}: expected a version string or a table, found ${describe(spec)}`);
    return;
  }
  const version = stringOf(table.version) ?? '';
  const translated = poetryToPep440(version);
  if (!translated.ok) c.issue(isString ? path : [...path, 'version'], `${translated.message}; checking ${quote(name)} without a version bound`, 'warning');
  const specifier = translated.ok ? translated.specifier : '';
  const extras = Array.isArray(table.extras) ? table.extras.filter((e): e is string => typeof e === 'string') : [];
  const markers: string[] = [];
  if (typeof table.markers === 'string' && table.markers.trim()) markers.push(`(${table.markers})`);
  if (typeof table.python === 'string') {
    const py = pythonMarker(table.python);
    if (py) markers.push(`(${py})`);
  }
  if (typeof table.platform === 'string') markers.push(`sys_platform == ${JSON.stringify(table.platform)}`);
  const head = `${name}${extras.length ? `[${extras.join(',')}]` : ''}`;
  const marker = markers.length ? ` ; ${markers.join(' and ')}` : '';
  let url: string | null = null;
  if (typeof table.git === 'string') {
    const ref = stringOf(table.rev) ?? stringOf(table.tag) ?? stringOf(table.branch);
    const repo = /^[a-z+]+:\/\//i.test(table.git) ? table.git : `ssh://${table.git.replace(/^([^@]+@[^:]+):/, '$1/')}`;
    url = `git+${repo}${ref ? `@${ref}` : ''}${typeof table.subdirectory === 'string' ? `#subdirectory=${table.subdirectory}` : ''}`;
  } else if (typeof table.url === 'string') {
    url = table.url;
  }
  const localPath = stringOf(table.path) ?? null;
  const text = url ? `${head} @ ${url}${marker ? ` ${marker}` : ''}` : `${head}${specifier}${marker}`;
  const d = declare(text, location, { group, editable: table.develop === true, localPath, synthesized: true });
  if (d.ok) c.requirements.push(d.requirement);
  else c.issues.push(d.issue);
}

/** Poetry's `python = "^3.8"` on a dependency, as a marker. */
export function pythonMarker(constraint: string): string | null {
  const t = poetryToPep440(constraint);
  if (!t.ok || t.specifier === '') return null;
  return t.specifier
    .split(',')
    .map((clause) => {
      const m = /^(===|==|~=|!=|<=|>=|<|>)(.+)$/.exec(clause)!;
      const variable = m[2]!.split('.').length > 2 ? 'python_full_version' : 'python_version';
      return `${variable} ${m[1]} ${JSON.stringify(m[2])}`;
    })
    .join(' and ');
}

// ------------------------------------------------------------------------------------------------
// PDM, uv, Hatch

function pdm(c: Collector, tool: TomlTable | undefined, index: IndexOptions): void {
  if (!tool) return;
  for (const [g, list] of Object.entries(tableAt(tool, 'dev-dependencies') ?? {})) {
    c.list(list, ['tool', 'pdm', 'dev-dependencies', g], { group: `group:${canonicalizeName(g)}` });
  }
  const sources = Array.isArray(tool.source) ? tool.source : [];
  for (const s of sources) {
    if (!isTable(s) || typeof s.url !== 'string' || s.type === 'find_links') continue;
    if (s.name === 'pypi') index.indexUrl = s.url;
    else index.extraIndexUrls.push(s.url);
  }
}

function uv(c: Collector, tool: TomlTable | undefined, index: IndexOptions): void {
  if (!tool) return;
  c.list(tool['dev-dependencies'], ['tool', 'uv', 'dev-dependencies'], { group: 'dev' });
  c.list(tool['constraint-dependencies'], ['tool', 'uv', 'constraint-dependencies'], { group: 'main', kind: 'constraint' });
  const indexes = Array.isArray(tool.index) ? tool.index : [];
  const urlOfIndex = new Map<string, string>();
  for (const i of indexes) {
    if (!isTable(i) || typeof i.url !== 'string') continue;
    if (typeof i.name === 'string') urlOfIndex.set(i.name, i.url);
    if (i.explicit === true) continue;
    if (i.default === true) index.indexUrl = i.url;
    else index.extraIndexUrls.push(i.url);
  }
  // [tool.uv.sources] say where a declared requirement really comes from.
  const byName = new Map<string, DeclaredRequirement[]>();
  for (const r of c.requirements) {
    const list = byName.get(r.normalizedName);
    if (list) list.push(r);
    else byName.set(r.normalizedName, [r]);
  }
  for (const [name, source] of Object.entries(tableAt(tool, 'sources') ?? {})) {
    const first = Array.isArray(source) ? source[0] : source;
    if (!isTable(first)) continue;
    for (const r of byName.get(canonicalizeName(name)) ?? []) {
      if (typeof first.git === 'string') {
        const ref = stringOf(first.rev) ?? stringOf(first.tag) ?? stringOf(first.branch);
        r.url = `git+${first.git}${ref ? `@${ref}` : ''}`;
      } else if (typeof first.url === 'string') {
        r.url = first.url;
      } else if (typeof first.path === 'string') {
        r.localPath = first.path;
        r.editable = first.editable === true;
      }
    }
  }
}

function hatchEnvs(c: Collector, envs: TomlTable | undefined, prefix: string[]): void {
  for (const [env, table] of Object.entries(envs ?? {})) {
    if (!isTable(table)) continue;
    const group: RequirementGroup = `group:hatch.${env}`;
    c.list(table.dependencies, [...prefix, env, 'dependencies'], { group });
    c.list(table['extra-dependencies'], [...prefix, env, 'extra-dependencies'], { group });
  }
}
