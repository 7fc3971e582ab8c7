// The benchmark's index server, in a process of its own (forked by run.mjs), so that its CPU is
// not counted as the tool's. It keeps up: pages are rendered once and kept (the devserver
// memoises them), Node's keep-alive is on and the listen backlog is 511. Messages over IPC:
//   → { count, latencyMs, cacheControl }      ← { url }
//   → 'stats'                                  ← { requests, statuses, maxInFlight } (and resets the log)
import { renderMetadata, startIndexServer } from '../dist/devserver/index-server.js';
import { benchIndex } from './index-data.mjs';
import { wheelFile } from './wheel.mjs';

process.once('message', async ({ count, latencyMs, cacheControl }) => {
  const { packages } = benchIndex(count);
  const server = await startIndexServer({
    packages,
    // Wheels are real zips (pip opens the one it picks); sdists are never downloaded.
    fileBody: (filename) => {
      const [name, version] = filename.split('-');
      return filename.endsWith('.whl') ? wheelFile(filename, renderMetadata(name, version, packages[name])) : Buffer.from(`sdist ${filename}\n`);
    },
    memoisePages: true,
    faults: latencyMs > 0 ? [{ kind: 'latency', ms: latencyMs }] : [],
    cacheControl: cacheControl ?? undefined,
  });
  process.on('message', (message) => {
    if (message !== 'stats') return;
    const statuses = {};
    for (const r of server.requests) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
    process.send({ requests: server.requests.length, statuses, maxInFlight: server.maxInFlight() });
    server.resetLog();
  });
  process.on('disconnect', () => server.close().then(() => process.exit(0)));
  process.send({ url: server.url });
});

// Standalone, for profiling by hand: `node bench/serve.mjs [packages] [latencyMs]` prints the index URL.
if (!process.send) {
  process.send = (m) => m.url && console.log(`${m.url}/simple/`);
  process.emit('message', { count: Number(process.argv[2] ?? 300), latencyMs: Number(process.argv[3] ?? 20) });
}
