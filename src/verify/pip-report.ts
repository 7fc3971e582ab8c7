/**
 * pip's installation report (`pip install --dry-run --report -`, report version 1, pip ≥ 22.2):
 * which file of which release pip would install, per package. Pure: text in, data out.
 */
import { canonicalizeName } from '../pep/names.js';
import { oneLine, redactUrl } from '../safe-text.js';

export interface PipChoice {
  /** PEP 503 normalised name. */
  name: string;
  version: string;
  /** `download_info.url`, redacted (it is shown and stored). */
  url: string;
  /** The file name (last path segment of the URL), or the redacted URL of a VCS or directory requirement. */
  file: string;
  /** A wheel (true), an sdist or other source (false). */
  wheel: boolean;
  /** A direct URL requirement (a URL, path or VCS in the manifest). */
  isDirect: boolean;
  /** Names this release depends on (markers not evaluated), normalised. */
  dependsOn: string[];
}

export interface PipReport {
  pipVersion: string;
  /** In dependency order: a package's dependencies come before it. */
  install: PipChoice[];
  /** pip's own marker environment (`environment` of the report). */
  environment: Record<string, string>;
}

export class PipReportError extends Error {
  override readonly name = 'PipReportError';
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The name a `Requires-Dist` value starts with (`foo[bar] (>=1) ; extra == 'x'` → `foo`). */
export function requirementName(requirement: string): string | null {
  const match = /^\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)/.exec(requirement);
  return match ? canonicalizeName(match[1]!) : null;
}

function fileOf(url: string): string {
  try {
    const parsed = new URL(url);
    const last = parsed.pathname.slice(parsed.pathname.lastIndexOf('/') + 1);
    if (parsed.protocol === 'file:' || /\.(whl|tar\.gz|zip|tar\.bz2|tgz)$/i.test(last)) return decodeURIComponent(last);
  } catch {
    // falls through
  }
  return redactUrl(url);
}

/** Parse the report's JSON (pip prints nothing else on stdout with `--quiet --report -`). */
export function parsePipReport(text: string): PipReport {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new PipReportError(`pip's report is not JSON: ${oneLine((error as Error).message, 120)}`);
  }
  if (!isRecord(data) || !Array.isArray(data['install'])) throw new PipReportError('pip\'s report has no "install" list');
  if (data['version'] !== '1' && data['version'] !== 1) throw new PipReportError(`pip's report version ${JSON.stringify(data['version'])} is not 1`);
  const install: PipChoice[] = [];
  for (const item of data['install']) {
    if (!isRecord(item) || !isRecord(item['metadata']) || !isRecord(item['download_info'])) throw new PipReportError('an "install" entry of pip\'s report lacks metadata or download_info');
    const metadata = item['metadata'];
    const info = item['download_info'];
    const name = metadata['name'];
    const version = metadata['version'];
    const url = info['url'];
    if (typeof name !== 'string' || typeof version !== 'string' || typeof url !== 'string') throw new PipReportError('an "install" entry of pip\'s report lacks its name, version or URL');
    const file = fileOf(url);
    const requires = Array.isArray(metadata['requires_dist']) ? metadata['requires_dist'].filter((r): r is string => typeof r === 'string') : [];
    install.push({
      name: canonicalizeName(name),
      version,
      url: redactUrl(url),
      file,
      wheel: file.toLowerCase().endsWith('.whl'),
      isDirect: item['is_direct'] === true,
      dependsOn: [...new Set(requires.map(requirementName).filter((n): n is string => n !== null))],
    });
  }
  const environment: Record<string, string> = {};
  if (isRecord(data['environment'])) for (const [k, v] of Object.entries(data['environment'])) if (typeof v === 'string') environment[k] = v;
  return { pipVersion: typeof data['pip_version'] === 'string' ? data['pip_version'] : '', install: installOrder(install), environment };
}

/**
 * Dependencies first (a depth-first walk over the edges inside the set, names in report order);
 * a cycle is cut where it closes. Edges are read without their markers: an edge that does not hold
 * only orders two installs that are independent anyway.
 */
export function installOrder(choices: readonly PipChoice[]): PipChoice[] {
  const byName = new Map(choices.map((c) => [c.name, c]));
  const done = new Set<string>();
  const visiting = new Set<string>();
  const out: PipChoice[] = [];
  const visit = (choice: PipChoice): void => {
    if (done.has(choice.name) || visiting.has(choice.name)) return;
    visiting.add(choice.name);
    for (const dep of choice.dependsOn) {
      const next = byName.get(dep);
      if (next) visit(next);
    }
    visiting.delete(choice.name);
    done.add(choice.name);
    out.push(choice);
  };
  for (const choice of choices) visit(choice);
  return out;
}

/**
 * The requirement pip could not satisfy, from its error output ("No matching distribution found
 * for foo==1.0", "Could not find a version that satisfies the requirement foo"), normalised; null
 * when the failure is something else.
 */
export function unsatisfiedRequirement(log: string): string | null {
  const match = /No matching distribution found for ([^\s;]+)/.exec(log) ?? /Could not find a version that satisfies the requirement ([^\s;]+)/.exec(log);
  return match ? requirementName(match[1]!) : null;
}
