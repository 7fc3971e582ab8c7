/**
 * The Action runs the committed bundle, not src/: the bundle must be what src/ builds today. The
 * build is deterministic, so rebuilding it and comparing bytes catches a change to src/ (or to a
 * bundled dependency) committed without `npm run build:action`.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/shared.js';

describe('the Action bundle (action/index.mjs)', () => {
  it('is byte for byte what `npm run build:action` builds from the current sources', async () => {
    const { bundleAction } = (await import(resolve(REPO_ROOT, 'scripts/build-action.mjs'))) as { bundleAction: (outfile: string) => Promise<void> };
    const fresh = join(mkdtempSync(join(tmpdir(), 'pypy-ready-bundle-')), 'index.mjs');
    await bundleAction(fresh);
    const committed = readFileSync(resolve(REPO_ROOT, 'action/index.mjs'), 'utf8');
    const rebuilt = readFileSync(fresh, 'utf8');
    // A plain message rather than a 1.6 MB diff.
    expect(committed === rebuilt, 'action/index.mjs is stale: run `npm run build:action` and commit it').toBe(true);
  }, 60_000);

  it('leaves the interactive audit (ink, React) out and reads package.json and data/ from the root', () => {
    const bundle = readFileSync(resolve(REPO_ROOT, 'action/index.mjs'), 'utf8');
    expect(bundle).not.toMatch(/from ["'](ink|react)["']/);
    expect(bundle).toContain('the interactive audit is not part of the Action');
    expect(bundle).toMatch(/require\d*\("\.\.\/package\.json"\)/);
  });
});
