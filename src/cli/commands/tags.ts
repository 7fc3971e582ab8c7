/**
 * `pypy-ready tags --target ID [--platform P] [--glibc X.Y]`: the wheel tags a target accepts, best
 * first, as `pip debug --verbose` would print them on that interpreter.
 */
import { parseArgs } from 'node:util';
import { tagToString } from '../../pep/tags.js';
import { resolveTarget, type TagConvention, type TargetOptions } from '../../targets/index.js';
import { EXIT_OK, UsageError, type Command } from '../io.js';
import { PLATFORM_IDS, isPlatformId } from '../../targets/platforms.js';

export const TARGET_OPTION_SPEC = {
  platform: { type: 'string' },
  glibc: { type: 'string' },
  musl: { type: 'string' },
  macos: { type: 'string' },
} as const;

/** Turn the shared platform flags into target options, rejecting unknown platforms. */
export function targetOptionsFrom(values: { platform?: string; glibc?: string; musl?: string; macos?: string }): TargetOptions {
  if (values.platform !== undefined && !isPlatformId(values.platform)) {
    throw new UsageError(`unknown platform ${JSON.stringify(values.platform.slice(0, 60))}; valid platforms: ${PLATFORM_IDS.join(', ')}`);
  }
  const options: TargetOptions = {};
  if (values.platform !== undefined) options.platform = values.platform;
  if (values.glibc !== undefined) options.glibc = values.glibc;
  if (values.musl !== undefined) options.musl = values.musl;
  if (values.macos !== undefined) options.macos = values.macos;
  return options;
}

export const TAGS_HELP = `Usage: pypy-ready tags --target ID [--platform P] [--glibc X.Y] [--musl X.Y] [--macos X.Y] [--convention pip|packaging]

Print the wheel tags the target accepts, best first, one per line.
  --target ID        interpreter, e.g. pypy3.11-8.0 (see \`pypy-ready targets\`)
  --platform P       ${PLATFORM_IDS.join(' | ')} (default manylinux_x86_64)
  --glibc X.Y        glibc baseline for manylinux platforms (default 2.28)
  --musl X.Y         musl baseline for musllinux platforms (default 1.2)
  --macos X.Y        oldest macOS version for macos platforms
  --convention C     pip (default: what installs) or packaging (sys_tags(); differs on PyPy)
`;

export const tagsCommand: Command = async (argv, io) => {
  const { values } = parseArgs({
    args: argv,
    options: { ...TARGET_OPTION_SPEC, target: { type: 'string' }, convention: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: false,
    strict: true,
  });
  if (values.help) {
    io.stdout(TAGS_HELP);
    return EXIT_OK;
  }
  if (!values.target) throw new UsageError('tags needs --target ID (see `pypy-ready targets`)');
  if (values.convention !== undefined && values.convention !== 'pip' && values.convention !== 'packaging') {
    throw new UsageError(`unknown --convention ${JSON.stringify(values.convention.slice(0, 30))}; use pip or packaging`);
  }
  const target = resolveTarget(values.target, { ...targetOptionsFrom(values), convention: (values.convention ?? 'pip') as TagConvention });
  io.stdout(target.tags.map((tag) => `${tagToString(tag)}\n`).join(''));
  return EXIT_OK;
};
