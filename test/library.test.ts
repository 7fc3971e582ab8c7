/** The library API: `scan()` is what the CLI calls, usable directly with a typed result. */
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFixtureDir, startIndexServer, type IndexServer } from '../src/devserver/index-server.js';
import { scan, VERDICTS, type ScanResult } from '../src/index.js';
import { REPO_ROOT } from './support/shared.js';

let server: IndexServer;
beforeAll(async () => {
  server = await startIndexServer({ packages: loadFixtureDir(resolve(REPO_ROOT, 'fixtures/e2e/index')) });
});
afterAll(async () => server.close());

describe('scan()', () => {
  it('returns plain data: targets, requirements, findings with evidence', async () => {
    const result: ScanResult = await scan({
      paths: ['fixtures/e2e/project'],
      cwd: REPO_ROOT,
      env: {},
      targets: ['pypy3.11-8.0'],
      index: { indexUrl: server.simpleUrl, cacheDir: null },
    });
    expect(result.schemaVersion).toBe(1);
    expect(result.targets.map((t) => t.abi)).toEqual(['pypy311_pp80']);
    expect(result.findings.every((f) => VERDICTS.includes(f.verdict) && f.evidence.length > 0)).toBe(true);
    expect(result.findings.find((f) => f.name === 'purelib')).toMatchObject({ verdict: 'pure', version: '1.0.0' });
    // Plain data: survives a JSON round trip unchanged.
    expect(JSON.parse(JSON.stringify(result))).toEqual(result);
  });

  it('rejects an unknown target before doing any work', async () => {
    await expect(scan({ paths: ['fixtures/e2e/project'], cwd: REPO_ROOT, targets: ['jython2.7'] })).rejects.toThrow(/unknown target "jython2.7"/);
  });
});
