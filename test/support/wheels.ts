/**
 * Real, minimal, valid distribution files for tests that hand them to a real installer (pip):
 * a wheel is a ZIP with one module, `<dist>-<ver>.dist-info/{METADATA,WHEEL,RECORD}` (PEP 427,
 * PEP 376 RECORD hashes); an sdist is a tar.gz with `PKG-INFO`. The tar writer is here (and the ZIP
 * writer in src/devserver/zip.ts, which the benchmark's index uses too) rather than in a dependency
 * because they are small and a test must not pull new packages.
 *
 * Output is deterministic (fixed timestamps), so hashes are stable from run to run.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { parseSdistFilename, parseWheelFilename } from '../../src/pep/filenames.js';
import { zipArchive, type ArchiveEntry } from '../../src/devserver/zip.js';

export { zipArchive, type ArchiveEntry };

/** One ustar header block for a regular file. */
function tarHeader(name: string, size: number): Buffer {
  const header = Buffer.alloc(512);
  if (Buffer.byteLength(name) > 100) throw new Error(`tar entry name too long for ustar: ${name}`);
  header.write(name, 0, 100, 'utf8');
  header.write('0000644\0', 100, 'ascii'); // mode
  header.write('0000000\0', 108, 'ascii'); // uid
  header.write('0000000\0', 116, 'ascii'); // gid
  header.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 'ascii');
  header.write('00000000000\0', 136, 'ascii'); // mtime: epoch
  header.write('        ', 148, 'ascii'); // checksum placeholder: spaces while summing
  header.write('0', 156, 'ascii'); // regular file
  header.write('ustar\0', 257, 'ascii');
  header.write('00', 263, 'ascii');
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return header;
}

/** A gzip-compressed ustar archive. */
export function tarGzArchive(entries: readonly ArchiveEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    blocks.push(tarHeader(entry.name, entry.data.length), entry.data);
    const pad = (512 - (entry.data.length % 512)) % 512;
    if (pad) blocks.push(Buffer.alloc(pad));
  }
  blocks.push(Buffer.alloc(1024)); // two zero blocks end the archive
  return gzipSync(Buffer.concat(blocks), { level: 9 });
}

/** PEP 376 RECORD hash: urlsafe base64 of the sha256 digest, without padding. */
function recordHash(data: Buffer): string {
  return `sha256=${createHash('sha256').update(data).digest('base64url')}`;
}

export interface DistributionOptions {
  /** `Name:` in the metadata (default: the name part of the filename). */
  displayName?: string;
  requiresPython?: string | null;
}

function coreMetadata(name: string, version: string, requiresPython: string | null | undefined): string {
  const lines = ['Metadata-Version: 2.1', `Name: ${name}`, `Version: ${version}`];
  if (requiresPython) lines.push(`Requires-Python: ${requiresPython}`);
  return `${lines.join('\n')}\n\n`;
}

/**
 * A wheel whose contents match its filename: the dist-info directory is named after the filename's
 * name and version, WHEEL lists every tag of the (possibly compressed) tag set and the build tag.
 */
export function buildWheel(filename: string, options: DistributionOptions = {}): Buffer {
  const wheel = parseWheelFilename(filename);
  const [distPart, versionPart] = filename.split('-') as [string, string];
  const distInfo = `${distPart}-${versionPart}.dist-info`;
  const module = wheel.normalizedName.replace(/-/g, '_');
  const pure = wheel.tags.every((tag) => tag.platform === 'any');
  const wheelText = [
    'Wheel-Version: 1.0',
    'Generator: pypy-ready-tests',
    `Root-Is-Purelib: ${pure ? 'true' : 'false'}`,
    ...wheel.tags.map((tag) => `Tag: ${tag.interpreter}-${tag.abi}-${tag.platform}`),
    ...(wheel.build ? [`Build: ${wheel.build[0]}${wheel.build[1]}`] : []),
  ].join('\n');
  const files: ArchiveEntry[] = [
    { name: `${module}/__init__.py`, data: Buffer.from(`# ${filename}\n__version__ = ${JSON.stringify(wheel.version)}\n`) },
    { name: `${distInfo}/METADATA`, data: Buffer.from(coreMetadata(options.displayName ?? wheel.name, wheel.version, options.requiresPython)) },
    { name: `${distInfo}/WHEEL`, data: Buffer.from(`${wheelText}\n`) },
  ];
  const record = [...files.map((f) => `${f.name},${recordHash(f.data)},${f.data.length}`), `${distInfo}/RECORD,,`].join('\n');
  return zipArchive([...files, { name: `${distInfo}/RECORD`, data: Buffer.from(`${record}\n`) }]);
}

/**
 * An in-tree PEP 517 backend for the test sdists: it answers the metadata hook from PKG-INFO and
 * needs nothing installed, so pip can prepare the sdist offline, even in an isolated build
 * environment. Building is refused: the tests only ever ask which file pip picks.
 */
const TEST_BACKEND = `import os

def _pkg_info():
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "PKG-INFO"), encoding="utf-8") as f:
        return f.read()

def get_requires_for_build_wheel(config_settings=None):
    return []

def get_requires_for_build_sdist(config_settings=None):
    return []

def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    fields = dict(line.split(": ", 1) for line in _pkg_info().splitlines() if ": " in line)
    name = "%s-%s.dist-info" % (fields["Name"].replace("-", "_").replace(".", "_"), fields["Version"])
    os.makedirs(os.path.join(metadata_directory, name))
    with open(os.path.join(metadata_directory, name, "METADATA"), "w", encoding="utf-8") as f:
        f.write(_pkg_info())
    return name

def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    raise RuntimeError("pypy-ready test sdist: building is not supported")

def build_sdist(sdist_directory, config_settings=None):
    raise RuntimeError("pypy-ready test sdist: building is not supported")
`;

/**
 * A `.tar.gz` sdist: `<name>-<version>/PKG-INFO`, and a pyproject.toml naming an in-tree backend
 * that prepares metadata without any build dependency (no network needed).
 */
export function buildSdist(filename: string, projectName: string, options: DistributionOptions = {}): Buffer {
  const sdist = parseSdistFilename(filename, projectName);
  if (sdist.format !== '.tar.gz') throw new Error(`only .tar.gz sdists are built here: ${filename}`);
  const root = filename.slice(0, -'.tar.gz'.length);
  const pyproject = '[build-system]\nrequires = []\nbuild-backend = "pypy_ready_test_backend"\nbackend-path = ["."]\n';
  return tarGzArchive([
    { name: `${root}/PKG-INFO`, data: Buffer.from(coreMetadata(options.displayName ?? projectName, sdist.version, options.requiresPython)) },
    { name: `${root}/pyproject.toml`, data: Buffer.from(pyproject) },
    { name: `${root}/pypy_ready_test_backend.py`, data: Buffer.from(TEST_BACKEND) },
  ]);
}
