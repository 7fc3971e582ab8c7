/**
 * Tests use the same index server the demo ships (src/devserver), plus paths to shared inputs.
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export * from '../../src/devserver/index-server.js';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** ../shared/corpus/index-responses — absent on some machines; tests skip then. */
export const recordedDir = resolve(repoRoot, '../shared/corpus/index-responses');
export const hasRecorded = existsSync(recordedDir);
export const fixtureDir = resolve(repoRoot, 'fixtures/index');
