import type { IndexClient } from '../../src/pypi/client.js';

const LOOKUPS = new Set<PropertyKey>(['getProject', 'getCoreMetadata', 'getProjectInfo']);

/**
 * The client as one finished run sees it: each look-up returns once the cache writes it started
 * have finished, as they have when a real run ends (`close` flushes them). Writes go on behind
 * the scan, so a test that starts a second "run" on the same cache directory waits for them.
 */
export function finishedRun(client: IndexClient): IndexClient {
  return new Proxy(client, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      if (!LOOKUPS.has(property)) return value.bind(target);
      return async (...args: unknown[]) => {
        try {
          return await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        } finally {
          await target.flush();
        }
      };
    },
  });
}
