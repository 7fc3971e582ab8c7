/**
 * The files the runner reads after a step: `GITHUB_OUTPUT` holds the step's outputs as
 * `name<<DELIMITER` blocks. The delimiter is random, so no value can end its block early and set
 * another output.
 */
import { randomBytes } from 'node:crypto';
import { appendFileSync } from 'node:fs';

export function outputBlock(name: string, value: string): string {
  let delimiter: string;
  do delimiter = `ghadelimiter_${randomBytes(16).toString('hex')}`;
  while (value.includes(delimiter));
  return `${name}<<${delimiter}\n${value}\n${delimiter}\n`;
}

/** Appends the outputs to the file at `path`; without one (a local run) there is nowhere to put them. */
export function writeOutputs(path: string | undefined, outputs: Record<string, string>): void {
  if (!path) return;
  appendFileSync(path, Object.entries(outputs).map(([name, value]) => outputBlock(name, value)).join(''));
}
