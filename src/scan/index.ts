export * from './types.js';
export { scan, DEFAULT_TARGETS, NoManifestError, resolveInputOf, resolveOptionsOf, type ScanOptions, type PipOptions } from './scan.js';
