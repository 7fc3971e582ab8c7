/** The Action's entry point, bundled into action/index.mjs (scripts/build-action.mjs). */
import { processIO } from '../cli/io.js';
import { runAction } from './run.js';

process.exitCode = await runAction(processIO());
