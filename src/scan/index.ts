export * from './types.js';
export { scan, DEFAULT_TARGETS, NoManifestError, resolveInputOf, resolveOptionsOf, type ScanOptions, type ScanProgress, type PipOptions, PROGRESS_INTERVAL_MS } from './scan.js';
