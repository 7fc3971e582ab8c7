/**
 * Library API: the same pipeline the CLI runs, and the building blocks it is made of.
 *
 *   import { scan } from 'pypy-ready';
 *   const result = await scan({ paths: ['.'], targets: ['pypy3.11-8.0'] });
 */
export { scan, DEFAULT_TARGETS, SCHEMA_VERSION, NoManifestError } from './scan/index.js';
export type { ScanOptions, PipOptions, NotInstalled, ScanResult, Finding, ReportTarget, ReportRequirement, ReportError, ReportLocation } from './scan/index.js';
export type { Assessment, Verdict, Severity } from './assess/types.js';
export { VERDICTS, SEVERITIES } from './assess/types.js';
export { loadKnowledgeBase, parseKnowledgeBase, type KnowledgeBase, type KnowledgeEntry } from './assess/knowledge.js';
export { assess } from './assess/rules.js';
export { resolve, resolveListing } from './resolve/resolve.js';
export type { ResolvedPackage, ResolveInput, ResolveOptions, RootRequirement, PackageSource } from './resolve/types.js';
export { IndexPackageSource } from './pypi/package-source.js';

export { resolveTarget, INTERPRETERS, PLATFORM_IDS, wheelRank, isWheelCompatible, UnknownTargetError } from './targets/index.js';
export type { Target, TargetOptions, Interpreter, PlatformId, TagConvention } from './targets/index.js';

export { canonicalizeName, isValidName } from './pep/names.js';
export { parseVersion, compareVersions, satisfies, isValidSpecifier } from './pep/versions.js';
export { parseRequirement, type Requirement } from './pep/requirements.js';
export { parseMarker, evaluateMarker, type Marker, type MarkerEnvironment } from './pep/markers.js';
export { parseWheelFilename, parseSdistFilename, type WheelFilename, type SdistFilename } from './pep/filenames.js';
export { parseTagSet, tagToString, type Tag } from './pep/tags.js';
export { PackagingError } from './pep/errors.js';

export { loadManifests } from './manifests/index.js';
export type { DeclaredRequirement, ManifestProject, SourceLocation } from './manifests/types.js';
export { IndexClient, type IndexClientOptions } from './pypi/client.js';
export { IndexError } from './pypi/types.js';

export { renderText } from './report/text.js';
export { renderJson } from './report/json.js';
