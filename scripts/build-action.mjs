#!/usr/bin/env node
/**
 * Bundles the GitHub Action (src/action/entry.ts and everything it imports, dependencies included)
 * into one committed file, action/index.mjs, which the runner starts with its own Node 24: an
 * Action's repository is checked out without node_modules. The build is deterministic, so
 * test/action/bundle.test.ts rebuilds it and fails when src/ changed and the bundle did not.
 *
 * The interactive audit (ink, React) never runs in CI: its module is replaced by a stub.
 * Files the code reads at run time (package.json, data/) are found above the bundle, at the root.
 */
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const ACTION_BUNDLE = join(root, 'action', 'index.mjs');

const noInteractiveAudit = {
  name: 'no-interactive-audit',
  setup(b) {
    b.onResolve({ filter: /\/tui\/run\.js$/ }, () => ({ path: 'interactive-audit', namespace: 'stub' }));
    b.onLoad({ filter: /.*/, namespace: 'stub' }, () => ({
      contents: "export async function runAudit() { throw new Error('the interactive audit is not part of the Action'); }",
      loader: 'js',
    }));
  },
};

/** Builds the bundle to `outfile` (default: the committed one). */
export async function bundleAction(outfile = ACTION_BUNDLE) {
  await build({
    absWorkingDir: root,
    entryPoints: ['src/action/entry.ts'],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // CommonJS dependencies call require(); an ES module has none of its own.
    banner: { js: "import { createRequire as __bundleRequire } from 'node:module';\nconst require = __bundleRequire(import.meta.url);" },
    plugins: [noInteractiveAudit],
    legalComments: 'eof',
    charset: 'utf8',
    logLevel: 'warning',
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await bundleAction();
