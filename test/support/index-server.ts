/**
 * Tests use the same index server the demo ships (src/devserver), plus paths to shared inputs.
 */
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export * from '../../src/devserver/index-server.js';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** ../shared/corpus/index-responses — absent on some machines; tests skip then. */
export const recordedDir = resolve(repoRoot, '../shared/corpus/index-responses');
export const hasRecorded = existsSync(recordedDir);
export const fixtureDir = resolve(repoRoot, 'fixtures/index');

/** A port on 127.0.0.1 nothing listens on (it was free a moment ago): an index that cannot be reached. */
export async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((r) => probe.close(() => r()));
  return port;
}
