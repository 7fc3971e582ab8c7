import { resolve } from 'node:path';
import { loadFixtureDir, startIndexServer } from '../../src/devserver/index-server.js';
import { scan } from '../../src/scan/index.js';
import type { ScanResult } from '../../src/scan/types.js';
import { REPO_ROOT } from './shared.js';

/**
 * The bundled Django demo (fixtures/demo-django) scanned for real against the local index of
 * fixtures/demo-index, over HTTP on 127.0.0.1, without a cache: the ScanResult many renderer tests
 * start from. `targets` defaults to the scan's own default targets.
 */
export async function scanDemo(targets?: string[]): Promise<ScanResult> {
  const server = await startIndexServer({ packages: loadFixtureDir(resolve(REPO_ROOT, 'fixtures/demo-index')) });
  try {
    return await scan({ paths: ['fixtures/demo-django'], cwd: REPO_ROOT, env: {}, ...(targets ? { targets } : {}), index: { indexUrl: server.simpleUrl, cacheDir: null, netrc: false, retries: 0 } });
  } finally {
    await server.close();
  }
}
