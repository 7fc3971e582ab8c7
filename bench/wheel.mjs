// Real wheel files for the benchmark's index: pip 23 downloads the chosen wheel even on a dry run
// and reads its .dist-info, so each must be a valid zip with METADATA, WHEEL and RECORD.
import { zipArchive } from '../dist/devserver/zip.js';

/** The wheel `filename` of a release whose METADATA text is `metadata`. */
export function wheelFile(filename, metadata) {
  const parts = filename.replace(/\.whl$/, '').split('-');
  const [name, version] = parts;
  const tag = parts.slice(-3).join('-');
  const info = `${name}-${version}.dist-info`;
  const wheel = `Wheel-Version: 1.0\nGenerator: pypy-ready-bench\nRoot-Is-Purelib: true\nTag: ${tag}\n`;
  const record = `${info}/METADATA,,\n${info}/WHEEL,,\n${info}/RECORD,,\n`;
  return zipArchive([[`${info}/METADATA`, metadata], [`${info}/WHEEL`, wheel], [`${info}/RECORD`, record]].map(([name, text]) => ({ name, data: Buffer.from(text, 'utf8') })));
}
