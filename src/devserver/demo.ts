/**
 * The bundled demo: start the local test index with the demo listings, scan the bundled Django
 * project against it, print the report. No network beyond 127.0.0.1.
 */
import { resolve } from 'node:path';
import { packageRoot } from '../assess/knowledge.js';
import { main } from '../cli/main.js';
import { processIO, type CliIO } from '../cli/io.js';
import { loadFixtureDir, startIndexServer } from './index-server.js';

export async function runDemo(extraArgs: string[] = [], io: CliIO = processIO()): Promise<number> {
  const root = packageRoot();
  const server = await startIndexServer({ packages: loadFixtureDir(resolve(root, 'fixtures/demo-index')) });
  try {
    return await main(['scan', 'fixtures/demo-django', '--index-url', server.simpleUrl, '--no-cache', '--fail-on', 'never', ...extraArgs], { ...io, cwd: root });
  } finally {
    await server.close();
  }
}
