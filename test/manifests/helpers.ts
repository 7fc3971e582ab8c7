import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const fixturesDir = path.join(repoRoot, 'fixtures/manifests');
export const corpusDir = path.resolve(repoRoot, '../shared/corpus/manifests');

export function fixture(rel: string): string {
  return readFileSync(path.join(fixturesDir, rel), 'utf8');
}
