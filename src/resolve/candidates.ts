/**
 * Turn an index page into installation candidates for one target, and pick the file pip would
 * install, following pip's rules: files whose `requires-python` excludes the target are dropped,
 * yanked files only count for an exact pin, the best-ranked compatible wheel wins, a higher build
 * tag breaks ties, and an sdist is the last resort.
 */
import { parseDistributionFilename, type DistributionFilename } from '../pep/filenames.js';
import { quote } from '../safe-text.js';
import { canonicalizeName } from '../pep/names.js';
import { canonicalVersion, compareVersions, isValidSpecifier, satisfies } from '../pep/versions.js';
import type { DistributionFile } from '../pypi/types.js';
import { wheelRank, type Target } from '../targets/index.js';

export interface ParsedFile {
  readonly file: DistributionFile;
  readonly parsed: DistributionFilename;
}

export interface UnparsableFile {
  readonly filename: string;
  readonly reason: string;
}

export interface FilesByVersion {
  /** Newest first. */
  readonly versions: readonly string[];
  readonly files: ReadonlyMap<string, readonly ParsedFile[]>;
  /** Files whose names could not be read (eggs, installers, junk): skipped, as pip does. */
  readonly unparsable: readonly UnparsableFile[];
}

export function groupFilesByVersion(projectName: string, files: readonly DistributionFile[]): FilesByVersion {
  const byVersion = new Map<string, ParsedFile[]>();
  // Canonical spelling -> the first spelling seen, which names the version in reports.
  const spelling = new Map<string, string>();
  const unparsable: UnparsableFile[] = [];
  const project = canonicalizeName(projectName);
  // A release's files share one version spelling: canonicalise each spelling once.
  const canonicalOf = new Map<string, string>();
  for (const file of files) {
    let parsed: DistributionFilename;
    try {
      parsed = parseDistributionFilename(file.filename, projectName);
    } catch (error) {
      unparsable.push({ filename: file.filename, reason: (error as Error).message });
      continue;
    }
    // A page can list another project's wheel; pip ignores it ("wrong project name").
    if (parsed.normalizedName !== project) {
      unparsable.push({ filename: file.filename, reason: `belongs to project ${quote(parsed.name)}, not ${quote(projectName)}` });
      continue;
    }
    // Versions are compared in canonical form so "1.0" and "1.0.0" files meet.
    let canonical = canonicalOf.get(parsed.version);
    if (canonical === undefined) canonicalOf.set(parsed.version, (canonical = canonicalVersion(parsed.version) ?? parsed.version));
    if (!spelling.has(canonical)) spelling.set(canonical, parsed.version);
    const key = spelling.get(canonical)!;
    if (!byVersion.has(key)) byVersion.set(key, []);
    byVersion.get(key)!.push({ file, parsed });
  }
  const versions = [...byVersion.keys()].sort((a, b) => compareVersions(b, a));
  return { versions, files: byVersion, unparsable };
}

/** Per target, whether a `requires-python` text excludes it: a page repeats a few texts on every file. */
const excludedByRequiresPython = new WeakMap<Target, Map<string, boolean>>();

function requiresPythonExcludes(requiresPython: string, target: Target): boolean {
  let known = excludedByRequiresPython.get(target);
  if (known === undefined) excludedByRequiresPython.set(target, (known = new Map()));
  let excludes = known.get(requiresPython);
  if (excludes === undefined) {
    excludes = isValidSpecifier(requiresPython) && !satisfies(target.interpreter.pythonFullVersion, requiresPython, { prereleases: true });
    // Bounded: a hostile page could give every file its own text.
    if (known.size >= 10_000) known.clear();
    known.set(requiresPython, excludes);
  }
  return excludes;
}

/**
 * What a resolved package keeps of its page: every version (newest first), the files of the
 * version chosen, and the first few unreadable file names. A page of 20,000 files is not kept
 * whole by each of the packages resolved from it.
 */
export function keptOfPage(files: FilesByVersion, version: string | null): FilesByVersion {
  const chosen = version === null ? undefined : files.files.get(version);
  return {
    versions: files.versions,
    files: new Map(chosen === undefined ? [] : [[version!, chosen]]),
    unparsable: files.unparsable.slice(0, 3),
  };
}

/** Why a file is not a candidate on the target, or `null` when pip could install it. */
export function fileRejection(candidate: ParsedFile, target: Target, options: { allowYanked: boolean }): string | null {
  const { file, parsed } = candidate;
  if (file.requiresPython && requiresPythonExcludes(file.requiresPython, target)) {
    return `requires-python ${file.requiresPython} excludes Python ${target.interpreter.pythonFullVersion}`;
  }
  if (file.yanked !== false && !options.allowYanked) {
    return typeof file.yanked === 'string' && file.yanked !== '' ? `yanked: ${file.yanked}` : 'yanked';
  }
  if (parsed.kind === 'wheel' && wheelRank(parsed, target) === null) {
    return `no tag of ${parsed.tags.length === 1 ? 'this wheel' : `its ${parsed.tags.length} tags`} is accepted by ${target.interpreter.id}`;
  }
  return null;
}

export interface FileChoice {
  readonly chosen: ParsedFile | null;
  /** Every file of the version with the reason it was passed over (empty reason for the chosen one). */
  readonly considered: readonly { candidate: ParsedFile; rejection: string | null }[];
}

/** Which kinds of file may be installed (pip's `--only-binary` / `--no-binary`, see format-control.ts). */
export interface AllowedFormats {
  readonly binary: boolean;
  readonly source: boolean;
}

export const ANY_FORMAT: AllowedFormats = { binary: true, source: true };

/** The file pip installs for one version. */
export function chooseFile(
  candidates: readonly ParsedFile[],
  target: Target,
  options: { allowYanked?: boolean; formats?: AllowedFormats } = {},
): FileChoice {
  const formats = options.formats ?? ANY_FORMAT;
  const considered = candidates.map((candidate) => {
    let rejection = fileRejection(candidate, target, { allowYanked: options.allowYanked ?? false });
    if (!rejection && !formats.source && candidate.parsed.kind === 'sdist') rejection = 'source distributions not allowed (--only-binary)';
    if (!rejection && !formats.binary && candidate.parsed.kind === 'wheel') rejection = 'wheels not allowed (--no-binary)';
    return { candidate, rejection };
  });
  let best: ParsedFile | null = null;
  let bestKey: [number, number, string] | null = null;
  for (const { candidate, rejection } of considered) {
    if (rejection) continue;
    const { parsed } = candidate;
    // Lower rank is better; sdists rank after every wheel. Then higher build number, then build suffix.
    const key: [number, number, string] =
      parsed.kind === 'wheel' ? [wheelRank(parsed, target)!, -(parsed.build?.[0] ?? -1), parsed.build?.[1] ?? ''] : [Number.MAX_SAFE_INTEGER, 0, ''];
    // On a full tie the file listed later wins, as in pip (a stable sort, then the last maximum).
    if (!bestKey || key[0] < bestKey[0] || (key[0] === bestKey[0] && (key[1] < bestKey[1] || (key[1] === bestKey[1] && key[2] >= bestKey[2])))) {
      best = candidate;
      bestKey = key;
    }
  }
  return { chosen: best, considered };
}
