/**
 * `npm run demo`: start the local test index with the bundled listings, scan the bundled Django
 * project against it, print the report. No network beyond 127.0.0.1.
 */
import { resolve } from 'node:path';
import { packageRoot } from '../assess/knowledge.js';
import { main } from '../cli/main.js';
import { processIO } from '../cli/io.js';
import { loadFixtureDir, startIndexServer } from './index-server.js';

export async function runDemo(extraArgs: string[] = []): Promise<number> {
  const root = packageRoot();
  const server = await startIndexServer({ packages: loadFixtureDir(resolve(root, 'fixtures/demo-index')) });
  try {
    const io = { ...processIO(), cwd: root };
    return await main(['scan', 'fixtures/demo-django', '--index-url', server.simpleUrl, '--no-cache', '--fail-on', 'never', ...extraArgs], io);
  } finally {
    await server.close();
  }
}

process.exitCode = await runDemo(process.argv.slice(2));
