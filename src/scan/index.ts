export * from './types.js';
export { scan, DEFAULT_TARGETS, type ScanOptions } from './scan.js';
