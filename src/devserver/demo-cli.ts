/** `npm run demo` entry point (extra arguments are passed to the scan, e.g. `-- --format json`). */
import { runDemo } from './demo.js';

process.exitCode = await runDemo(process.argv.slice(2));
