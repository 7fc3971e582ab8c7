/**
 * The CLI run from the sources, with no build, for tests that start it in a real terminal:
 * `npx vite-node test/support/cli-from-source.ts verify ...`.
 */
import { main } from '../../src/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
