/** `pypy-ready targets`: the catalogue of interpreters and platforms. */
import { parseArgs } from 'node:util';
import { INTERPRETERS } from '../../targets/interpreters.js';
import { DEFAULT_GLIBC, DEFAULT_MUSL, PLATFORM_IDS } from '../../targets/platforms.js';
import { EXIT_OK, type Command } from '../io.js';

export const targetsCommand: Command = async (argv, io) => {
  const { values } = parseArgs({ args: argv, options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, strict: true });
  if (values.help) {
    io.stdout('Usage: pypy-ready targets [--json]\n\nList the target interpreters and platforms.\n');
    return EXIT_OK;
  }
  if (values.json) {
    const interpreters = INTERPRETERS.map((i) => ({ ...i, pythonVersion: i.pythonVersion.join('.') }));
    io.stdout(`${JSON.stringify({ interpreters, platforms: PLATFORM_IDS }, null, 2)}\n`);
    return EXIT_OK;
  }
  const width = Math.max(...INTERPRETERS.map((i) => i.id.length));
  const lines = ['Interpreters (use with --target):'];
  for (const i of INTERPRETERS) {
    const status = i.status === 'supported' ? '' : ` [${i.status}]`;
    lines.push(`  ${i.id.padEnd(width)}  ${i.abi.padEnd(13)} ${i.description}${status}`);
  }
  lines.push('', 'Platforms (use with --platform, or append to the id: pypy3.11-8.0-macos_arm64):');
  for (const p of PLATFORM_IDS) lines.push(`  ${p}`);
  lines.push('', `Baselines: --glibc (default ${DEFAULT_GLIBC}), --musl (default ${DEFAULT_MUSL}), --macos.`);
  io.stdout(`${lines.join('\n')}\n`);
  return EXIT_OK;
};
