/**
 * The Action's inputs, as the runner passes them: `INPUT_<NAME>` environment variables (the name
 * upper-cased, spaces as `_`, hyphens kept), empty when the workflow did not set them. Pure: the
 * environment in, the CLI's arguments out. Nothing here prints a value (an index URL may hold a
 * secret).
 */

export interface ActionInputs {
  /** Manifests or directories to scan, relative to the workspace. */
  paths: string[];
  targets: string[];
  failOn: 'error' | 'warning' | 'never';
  indexUrl: string | null;
  /** 'auto': the pull request's base (none outside a pull request); 'none': scan everything; else a git ref or a JSON report. */
  baseline: string;
  sarifFile: string | null;
  comment: boolean;
  token: string | null;
}

export class ActionInputError extends Error {
  override readonly name = 'ActionInputError';
}

export function input(env: Readonly<Record<string, string | undefined>>, name: string): string {
  return (env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '').trim();
}

/** A list input: one item per line or separated by commas or spaces (YAML block or flow style). */
function list(value: string): string[] {
  return value.split(/[\s,]+/).filter((item) => item !== '');
}

/** YAML 1.2's core booleans, as the toolkit's getBooleanInput reads them. */
function boolean(value: string, name: string, fallback: boolean): boolean {
  if (value === '') return fallback;
  if (['true', 'True', 'TRUE'].includes(value)) return true;
  if (['false', 'False', 'FALSE'].includes(value)) return false;
  throw new ActionInputError(`input ${name} must be true or false`);
}

export function readInputs(env: Readonly<Record<string, string | undefined>>): ActionInputs {
  const failOn = input(env, 'fail-on') || 'error';
  if (failOn !== 'error' && failOn !== 'warning' && failOn !== 'never') throw new ActionInputError(`input fail-on must be error, warning or never, not ${JSON.stringify(failOn.slice(0, 30))}`);
  const paths = list(input(env, 'path'));
  return {
    paths: paths.length > 0 ? paths : ['.'],
    targets: list(input(env, 'targets')),
    failOn,
    indexUrl: input(env, 'index-url') || null,
    baseline: input(env, 'baseline') || 'auto',
    sarifFile: input(env, 'sarif-file') || null,
    comment: boolean(input(env, 'comment'), 'comment', false),
    token: input(env, 'github-token') || null,
  };
}
