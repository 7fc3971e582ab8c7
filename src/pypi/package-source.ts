/**
 * The package source resolution asks: a project's files and a release's `Requires-Dist`, from the
 * index client (which already fetches each URL once per run and caches on disk). Metadata comes
 * from the PEP 658 file when the index has one, else from the JSON API; it is parsed here, so the
 * resolver sees requirement strings, never raw METADATA text.
 */
import type { PackageSource } from '../resolve/types.js';
import { redactUrlsIn } from '../safe-text.js';
import type { IndexClient } from './client.js';
import { parseCoreMetadata } from './metadata.js';
import type { DistributionFile } from './types.js';

export class IndexPackageSource implements PackageSource {
  constructor(private readonly client: IndexClient) {}

  async project(name: string): Promise<{ files: readonly DistributionFile[]; notes: readonly string[] } | { error: string }> {
    try {
      const page = await this.client.getProject(name);
      return { files: page.files, notes: page.skippedIndexes.map((s) => `index ${s.index} was skipped for this package (pip skips it too): ${s.reason}`) };
    } catch (error) {
      return { error: describe(error) };
    }
  }

  /** The resolver is done with this project: the client may let go of its parsed page. */
  release(name: string): void {
    this.client.release(name);
  }

  async requiresDist(name: string, version: string, file: DistributionFile): Promise<{ requiresDist: readonly string[] } | { error: string }> {
    try {
      if (file.coreMetadata) {
        const text = await this.client.getCoreMetadata(file);
        if (text !== null) return { requiresDist: parseCoreMetadata(text).requiresDist };
      }
      const info = await this.client.getProjectInfo(name, version);
      if (info) return { requiresDist: info.requiresDist };
      return { error: `the index offers no metadata for ${name} ${version}` };
    } catch (error) {
      return { error: describe(error) };
    }
  }
}

/** Index errors are already redacted; anything else is redacted here before it can reach output. */
function describe(error: unknown): string {
  return redactUrlsIn(error instanceof Error ? error.message : String(error));
}
