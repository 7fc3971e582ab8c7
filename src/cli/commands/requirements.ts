/**
 * `pypy-ready requirements [PATH...] [--format json|text]`: what the manifests declare, without
 * touching the network.
 */
import { parseArgs } from 'node:util';
import { formatIssue, loadManifests, ManifestPathError } from '../../manifests/index.js';
import { redactUrl, redactUrlsIn } from '../../safe-text.js';
import type { DeclaredRequirement, ManifestProject } from '../../manifests/types.js';
import { inline, stripControl } from '../../report/terminal.js';
import { EXIT_OK, EXIT_USAGE, type Command } from '../io.js';

const USAGE = 'usage: pypy-ready requirements [PATH...] [--format json|text]';

export const requirementsCommand: Command = async (argv, io) => {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { format: { type: 'string', default: 'text' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (error) {
    io.stderr(`${inline(error instanceof Error ? error.message : String(error))}\n${USAGE}\n`);
    return EXIT_USAGE;
  }
  if (parsed.values.help) {
    io.stdout(`${USAGE}\nLists the requirements declared in the manifests under each PATH (default: .).\n`);
    return EXIT_OK;
  }
  const format = parsed.values.format;
  if (format !== 'text' && format !== 'json') {
    io.stderr(`unknown --format ${inline(JSON.stringify(format))} (expected json or text)\n${USAGE}\n`);
    return EXIT_USAGE;
  }

  let projects: ManifestProject[];
  try {
    projects = await loadManifests(parsed.positionals, { cwd: io.cwd, env: { ...io.env } });
  } catch (error) {
    if (error instanceof ManifestPathError) {
      io.stderr(`${inline(error.message)}\n`);
      return EXIT_USAGE;
    }
    throw error;
  }

  for (const project of projects) {
    for (const issue of project.issues) io.stderr(`${inline(redactUrlsIn(formatIssue(issue)))}\n`);
  }
  if (format === 'json') {
    io.stdout(`${JSON.stringify({ projects: projects.map(redactProject) }, null, 2)}\n`);
  } else {
    for (const project of projects) {
      for (const r of project.requirements) io.stdout(`${textLine(r)}\n`);
    }
  }
  // Broken files are reported above; only "nothing could be read at all" is an input error.
  const manifests = projects.flatMap((p) => p.manifests);
  const unreadable = new Set(projects.flatMap((p) => p.issues.filter((i) => i.fatal).map((i) => i.file)));
  if (manifests.length === 0) {
    io.stderr(`no manifests found in ${inline(parsed.positionals.join(', ') || '.')}\n`);
    return EXIT_USAGE;
  }
  if (manifests.every((m) => unreadable.has(m))) return EXIT_USAGE;
  return EXIT_OK;
};

function textLine(r: DeclaredRequirement): string {
  const where = `${r.location.file}:${r.location.line}:${r.location.column}`;
  const name = `${r.name}${r.extras.length ? `[${r.extras.join(',')}]` : ''}`;
  const source = r.url ? ` @ ${redactUrl(r.url)}` : r.localPath ? ` (path ${r.localPath})` : '';
  const parts = [where, '  ', name, r.specifier ? ` ${r.specifier}` : '', source, r.markerText ? ` ; ${r.markerText}` : '', ` [${r.group}]`];
  if (r.kind === 'constraint') parts.push(' (constraint)');
  if (r.editable) parts.push(' (editable)');
  if (r.lockedVersion) parts.push(` (locked ${r.lockedVersion})`);
  if (!r.direct) parts.push(' (transitive)');
  return inline(parts.join(''));
}

/**
 * JSON output: every string in the project — requirement URLs, lock files and lock graphs, index
 * options, issue messages — has the secrets of the URLs in it masked and control characters
 * removed. A walk over the whole value rather than a list of fields, so that a field added to the
 * manifest types later cannot carry a credential out.
 */
function redactProject(p: ManifestProject): unknown {
  return cleanDeep(p);
}

function cleanDeep(value: unknown): unknown {
  if (typeof value === 'string') return stripControl(redactUrlsIn(value));
  if (Array.isArray(value)) return value.map(cleanDeep);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, cleanDeep(inner)]));
  }
  return value;
}
