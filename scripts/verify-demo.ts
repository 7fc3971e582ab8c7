/**
 * The README's `verify` run: the demo project's pure part (its direct requirements whose every
 * file is pure Python) verified on the local PyPy against the demo index, which here serves real
 * wheels built from the listings (test/support/wheels.ts). Run: `npx vite-node scripts/verify-demo.ts`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { main } from '../src/cli/main.js';
import { processIO } from '../src/cli/io.js';
import { createHash } from 'node:crypto';
import { loadFixtureDir, renderMetadata, startIndexServer, type FixtureProject } from '../src/devserver/index-server.js';
import { parseWheelFilename } from '../src/pep/filenames.js';
import { buildSdist, zipArchive } from '../test/support/wheels.js';

/** A pure wheel whose METADATA is the listing's (Requires-Dist included), with one module named after the project. */
function wheelOf(file: string, name: string, project: FixtureProject): Buffer {
  const wheel = parseWheelFilename(file);
  const [dist, version] = file.split('-') as [string, string];
  const info = `${dist}-${version}.dist-info`;
  const files = [
    { name: `${wheel.normalizedName.replace(/-/g, '_')}/__init__.py`, data: Buffer.from(`__version__ = ${JSON.stringify(wheel.version)}\n`) },
    { name: `${info}/METADATA`, data: Buffer.from(renderMetadata(name, wheel.version, project)) },
    { name: `${info}/WHEEL`, data: Buffer.from(`Wheel-Version: 1.0\nGenerator: pypy-ready-demo\nRoot-Is-Purelib: true\n${wheel.tags.map((t) => `Tag: ${t.interpreter}-${t.abi}-${t.platform}`).join('\n')}\n`) },
  ];
  const hash = (data: Buffer): string => `sha256=${createHash('sha256').update(data).digest('base64url')}`;
  const record = [...files.map((f) => `${f.name},${hash(f.data)},${f.data.length}`), `${info}/RECORD,,`, ''].join('\n');
  return zipArchive([...files, { name: `${info}/RECORD`, data: Buffer.from(record) }]);
}

const root = resolve(import.meta.dirname ?? '.', '..');
const index = loadFixtureDir(resolve(root, 'fixtures/demo-index'));
const projectOf = new Map<string, string>();
for (const [name, spec] of Object.entries(index)) for (const release of Object.values(spec.versions)) for (const f of release.files) projectOf.set(typeof f === 'string' ? f : f.filename, name);
const server = await startIndexServer({
  packages: index,
  fileBody: (file) => (file.endsWith('.whl') ? wheelOf(file, projectOf.get(file)!, index[projectOf.get(file)!]!) : buildSdist(file, projectOf.get(file)!)),
});
const dir = mkdtempSync(join(tmpdir(), 'pypy-ready-verify-demo-'));
const project = join(dir, 'demo-pure');
const { mkdirSync } = await import('node:fs');
mkdirSync(project);
// The demo's pure requirements (fixtures/demo-django/requirements*.txt).
writeFileSync(join(project, 'requirements.txt'), ['djangorestframework==3.16.1', 'django-environ>=0.11', 'requests>=2.31', 'gunicorn==23.0.0', 'whitenoise>=6.9,<7', ''].join('\n'));
try {
  process.exitCode = await main(['verify', 'demo-pure', '--index-url', server.simpleUrl, '--no-cache', '--no-config', ...process.argv.slice(2)], { ...processIO(), cwd: dir });
} finally {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
}
