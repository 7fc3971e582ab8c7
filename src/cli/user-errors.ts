/**
 * Which errors a user can cause (a bad option, target, manifest path, index setting or knowledge
 * base): the CLI prints their message on one line with exit code 2. Anything else is a bug and is
 * still reported without a stack trace. Its own module because it names the error classes of every
 * stage, and `--version` should not load them all.
 */
import { KnowledgeBaseError } from '../assess/knowledge.js';
import { ConfigError } from '../config/config.js';
import { ManifestPathError } from '../manifests/index.js';
import { PackagingError } from '../pep/errors.js';
import { IndexSettingsError } from '../pypi/settings.js';
import { NoManifestError } from '../scan/scan.js';
import { UnknownTargetError } from '../targets/target.js';
import { UsageError } from './io.js';

export function isUserError(error: unknown): error is Error {
  if (
    error instanceof UsageError ||
    error instanceof UnknownTargetError ||
    error instanceof PackagingError ||
    error instanceof ManifestPathError ||
    error instanceof NoManifestError ||
    error instanceof IndexSettingsError ||
    error instanceof KnowledgeBaseError ||
    error instanceof ConfigError
  ) {
    return true;
  }
  // node:util parseArgs reports unknown or malformed options with these codes.
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_');
}
