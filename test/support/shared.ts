/**
 * Paths to the shared ground truth beside the repository (`../shared`). Tests that need it skip
 * cleanly when it is absent.
 */
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const SHARED = resolve(REPO_ROOT, '../shared');
export const SHARED_PYPY = resolve(SHARED, 'pypy');
export const CORPUS = resolve(SHARED, 'corpus');

export const hasSharedPypy = existsSync(resolve(SHARED_PYPY, 'tags'));
export const hasCorpus = existsSync(resolve(CORPUS, 'manifests'));

/** Every file below `dir` (depth first) that `keep` accepts. */
export function walkFiles(dir: string, keep: (file: string) => boolean, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) walkFiles(full, keep, out);
    else if (keep(full)) out.push(full);
  }
  return out;
}
