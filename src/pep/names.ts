/**
 * Project names (PEP 503 normalisation, PEP 508 validity).
 */
import { PackagingError } from './errors.js';
import { quote } from '../safe-text.js';

const VALID_NAME = /^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$/i;

/** True when `name` is a valid project name as PEP 508 defines it. */
export function isValidName(name: string): boolean {
  return VALID_NAME.test(name);
}

/** PEP 503: lowercase, and every run of `-`, `_`, `.` becomes one `-`. */
export function canonicalizeName(name: string, { validate = false } = {}): string {
  if (validate && !isValidName(name)) {
    throw new PackagingError('name', `invalid project name ${quote(name)}`);
  }
  return name.replace(/[-_.]+/g, '-').toLowerCase();
}

/** The form wheel filenames use for a name (PEP 427 escaping): runs of `-_.` become `_`. */
export function wheelEscapedName(name: string): string {
  return name.replace(/[-_.]+/g, '_');
}
