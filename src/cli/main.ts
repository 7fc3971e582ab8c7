/**
 * The command-line entry: picks a command, turns every expected failure into one line on stderr
 * and an exit code. No business logic lives here.
 */
import { inline } from '../report/terminal.js';
import { toolVersion } from '../version.js';
import { EXIT_OK, EXIT_USAGE, processIO, type CliIO, type Command } from './io.js';

/**
 * Each command's module is loaded only when it runs: `--version` and `--help` load none of them
 * (start-up was 270 ms with every module loaded, against node's own 60-90 ms).
 */
const lazy =
  <M>(load: () => Promise<M>, pick: (module: M) => Command): Command =>
  async (args, io) =>
    pick(await load())(args, io);

const COMMANDS: Record<string, { run: Command; summary: string }> = {
  scan: { run: lazy(() => import('./commands/scan.js'), (m) => m.scanCommand), summary: 'assess every dependency on the target PyPy (the default command)' },
  fix: { run: lazy(() => import('./commands/fix.js'), (m) => m.fixCommand), summary: 'the fixes as edits of the manifests: a diff, or --write' },
  verify: { run: lazy(() => import('./commands/verify.js'), (m) => m.verifyCommand), summary: 'check the prediction on a real PyPy: pip, a temporary venv, install and import each package' },
  requirements: { run: lazy(() => import('./commands/requirements.js'), (m) => m.requirementsCommand), summary: 'list the requirements the manifests declare (no network)' },
  tags: { run: lazy(() => import('./commands/tags.js'), (m) => m.tagsCommand), summary: 'print the wheel tags a target accepts, best first' },
  targets: { run: lazy(() => import('./commands/targets.js'), (m) => m.targetsCommand), summary: 'list the target interpreters and platforms' },
};


function help(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  const commands = Object.entries(COMMANDS)
    .map(([name, { summary }]) => `  ${name.padEnd(width)}  ${summary}`)
    .join('\n');
  return `pypy-ready ${toolVersion()}: will this Python project install and run well on PyPy?

Usage: pypy-ready [PATH...] [options]        scan (see \`pypy-ready scan --help\`)
       pypy-ready <command> [options]

Commands:
${commands}

Run \`pypy-ready <command> --help\` for a command's options.
`;
}

export async function main(argv: string[], io: CliIO = processIO()): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    io.stdout(help());
    return EXIT_OK;
  }
  if (first === '--version' || first === '-V') {
    io.stdout(`${toolVersion()}\n`);
    return EXIT_OK;
  }
  // Anything that is not a command is a path or an option of the default command, scan.
  const command = COMMANDS[first];
  try {
    return command ? await command.run(rest, io) : await COMMANDS['scan']!.run(argv, io);
  } catch (error) {
    // Loaded only on failure: it names the error classes of every module.
    const { isUserError } = await import('./user-errors.js');
    if (isUserError(error)) {
      io.stderr(`pypy-ready: ${inline(error.message)}\n`);
      return EXIT_USAGE;
    }
    const message = error instanceof Error ? error.message : String(error);
    io.stderr(`pypy-ready: internal error: ${inline(message)} (please report this)\n`);
    return 70;
  }
}
