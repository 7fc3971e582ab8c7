import { createRequire } from 'node:module';

/** This package's version, from package.json (works from src/ under tests and from dist/). */
export function toolVersion(): string {
  const require = createRequire(import.meta.url);
  return (require('../package.json') as { version: string }).version;
}
