/**
 * The command-line entry: picks a command, turns every expected failure into one line on stderr
 * and an exit code. No business logic lives here.
 */
import { PackagingError } from '../pep/errors.js';
import { inline } from '../report/terminal.js';
import { toolVersion } from '../version.js';
import { UnknownTargetError } from '../targets/target.js';
import { KnowledgeBaseError } from '../assess/knowledge.js';
import { IndexSettingsError } from '../pypi/settings.js';
import { ManifestPathError } from '../manifests/index.js';
import { NoManifestError } from '../scan/scan.js';
import { requirementsCommand } from './commands/requirements.js';
import { scanCommand } from './commands/scan.js';
import { tagsCommand } from './commands/tags.js';
import { targetsCommand } from './commands/targets.js';
import { EXIT_OK, EXIT_USAGE, processIO, UsageError, type CliIO, type Command } from './io.js';

const COMMANDS: Record<string, { run: Command; summary: string }> = {
  scan: { run: scanCommand, summary: 'assess every dependency on the target PyPy (the default command)' },
  requirements: { run: requirementsCommand, summary: 'list the requirements the manifests declare (no network)' },
  tags: { run: tagsCommand, summary: 'print the wheel tags a target accepts, best first' },
  targets: { run: targetsCommand, summary: 'list the target interpreters and platforms' },
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

/** Errors a user can cause; anything else is a bug and is still reported without a stack trace. */
function isUserError(error: unknown): error is Error {
  if (
    error instanceof UsageError ||
    error instanceof UnknownTargetError ||
    error instanceof PackagingError ||
    error instanceof ManifestPathError ||
    error instanceof NoManifestError ||
    error instanceof IndexSettingsError ||
    error instanceof KnowledgeBaseError
  ) {
    return true;
  }
  // node:util parseArgs reports unknown or malformed options with these codes.
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_');
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
    return command ? await command.run(rest, io) : await scanCommand(argv, io);
  } catch (error) {
    if (isUserError(error)) {
      io.stderr(`pypy-ready: ${inline(error.message)}\n`);
      return EXIT_USAGE;
    }
    const message = error instanceof Error ? error.message : String(error);
    io.stderr(`pypy-ready: internal error: ${inline(message)} (please report this)\n`);
    return 70;
  }
}
