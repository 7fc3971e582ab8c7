/**
 * Agreement with real pip on real PyPy: synthetic projects (fixtures/pip-agreement/agreement.json)
 * are built as real wheels and sdists, served by the project's local index server, and for each
 * case pip 23.0.1 in a Debian pypy3 7.3.11 venv (Python 3.9.16, glibc 2.36, x86_64) is asked which
 * file `pip download --no-deps --only-binary=:all:` takes. Our resolver, fed the same page through
 * our IndexClient, must take the same file for target `pypy3.9-7.3` with glibc 2.36.
 *
 * pip is the ground truth. The hand-written `expect` of each case is checked against pip too, so
 * that a broken setup (bad wheel, wrong index) shows up as such and not as a resolver bug.
 *
 * Speed: a pip process on PyPy costs ~1.7 s of JIT warm-up, too slow for ~70 cases on CI. So every
 * case goes through pip's own CLI entry point (`pip._internal.cli.main.main`, what `bin/pip`
 * calls) in one long-lived PyPy process, and a sample of cases is also run as separate
 * `bin/pip download` processes to show that the in-process answers are the command-line answers.
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pLimit from 'p-limit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIndexServer, type FixtureIndex, type IndexServer } from '../../src/devserver/index-server.js';
import { validateFixtureIndex } from '../../src/devserver/fixtures.js';
import { IndexClient } from '../../src/pypi/client.js';
import { canonicalizeName } from '../../src/pep/names.js';
import { groupFilesByVersion } from '../../src/resolve/candidates.js';
import { allowedFormats, formatControlFrom, type FormatOption } from '../../src/resolve/format-control.js';
import { chooseVersion, type VersionRequest } from '../../src/resolve/version.js';
import { resolveTarget } from '../../src/targets/index.js';
import { REPO_ROOT } from '../support/shared.js';
import { buildSdist, buildWheel } from '../support/wheels.js';

interface AgreementCase {
  project: string;
  specifier: string;
  /** `--only-binary=:all:` (default true). */
  onlyBinary?: boolean;
  /** `--pre` (default false). */
  pre?: boolean;
  /** More pip options, after the above: `--prefer-binary`, `--only-binary X`, `--no-binary X`. */
  options?: string[];
  /** The file pip is expected to download, or null for "No matching distribution". */
  expect: string | null;
  why: string;
}

interface AgreementFixture {
  index: FixtureIndex;
  cases: AgreementCase[];
}

/** What pip did: the file it downloaded, null for "No matching distribution", or a setup error. */
type PipOutcome = { file: string | null } | { error: string };

const FIXTURE = resolve(REPO_ROOT, 'fixtures/pip-agreement/agreement.json');
const fixture = JSON.parse(readFileSync(FIXTURE, 'utf8')) as AgreementFixture;
validateFixtureIndex(fixture.index, FIXTURE);

/** The machine's glibc (Debian 12): the target must be modelled with the same baseline as pip sees. */
const GLIBC = '2.36';
const TARGET_ID = 'pypy3.9-7.3';
/** Every how-many-th case is also run through a separate `bin/pip` process. */
const CLI_SAMPLE_STRIDE = 6;

/** Cheap synchronous probe (collection time): `pypy3 -m venv` can create a venv and bootstrap pip. */
function probePypyVenv(): boolean {
  const dir = mkdtempSync(join(tmpdir(), 'pypy-ready-venv-probe-'));
  try {
    const venv = spawnSync('pypy3', ['-m', 'venv', '--without-pip', join(dir, 'v')], { timeout: 30_000 });
    if (venv.status !== 0) return false;
    const pip = spawnSync('pypy3', ['-c', 'import ensurepip, sys; sys.exit(0 if ensurepip.version() else 1)'], { timeout: 30_000 });
    return pip.status === 0;
  } catch {
    return false;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const pypyAvailable = probePypyVenv();

/** An environment free of the user's pip configuration, proxies and index settings. */
function isolatedEnv(home: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: home,
    LANG: 'C.UTF-8',
    PIP_CONFIG_FILE: '/dev/null',
    PIP_NO_INPUT: '1',
    NO_PROXY: '*',
    no_proxy: '*',
    PYTHONDONTWRITEBYTECODE: '1',
  };
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv, input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolvePromise) => {
    const child = execFile(command, args, { env, maxBuffer: 64 * 1024 * 1024, timeout: 110_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolvePromise({ code, stdout: String(stdout), stderr: String(stderr) });
    });
    if (input !== undefined) child.stdin!.end(input);
  });
}

/** Distinguish "pip found nothing" from anything else going wrong. */
function pipOutcome(code: number, log: string, dest: string, indexUrl: string): PipOutcome {
  // The machine's own pip settings (find-links, extra indexes) must not take part.
  for (const [line, kind, where] of log.matchAll(/^Looking in (indexes|links): (.*)$/gm)) {
    if (kind === 'links' || where!.trim() !== indexUrl) return { error: `pip looked beyond the test index: ${line}` };
  }
  const saved = readdirSync(dest);
  if (code === 0) {
    return saved.length === 1 ? { file: saved[0]! } : { error: `pip exited 0 but saved ${saved.length} files: ${saved.join(', ')}` };
  }
  if (/No matching distribution found for/.test(log) && saved.length === 0) return { file: null };
  const tail = log.trim().split('\n').slice(-6).join('\n');
  return { error: `pip exited ${code}:\n${tail}` };
}

function pipArgs(indexUrl: string, dest: string, c: AgreementCase): string[] {
  return [
    'download',
    '--no-deps',
    ...(c.onlyBinary === false ? [] : ['--only-binary=:all:']),
    ...(c.pre === true ? ['--pre'] : []),
    ...(c.options ?? []),
    '--no-cache-dir',
    '--disable-pip-version-check',
    '--index-url',
    indexUrl,
    '-d',
    dest,
    `${c.project}${c.specifier}`,
  ];
}

/**
 * Runs pip's CLI entry point once per case in one interpreter. Output of each run is captured by
 * swapping sys.stdout/err before the call: pip binds its log handlers to them on every run.
 */
const IN_PROCESS_DRIVER = `
import io, json, sys
from pip._internal.cli.main import main
runs = json.load(sys.stdin)
results = []
for args in runs:
    buf = io.StringIO()
    saved = sys.stdout, sys.stderr
    sys.stdout = sys.stderr = buf
    try:
        code = main(args)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException as exc:
        code, _ = 99, buf.write("driver: %r\\n" % (exc,))
    finally:
        sys.stdout, sys.stderr = saved
    results.append({"code": code, "log": buf.getvalue()})
json.dump(results, sys.stdout)
`;

/** The bytes of every listed file: real wheels and sdists whose metadata matches the index's. */
function fileBodies(index: FixtureIndex): Map<string, Buffer> {
  const bodies = new Map<string, Buffer>();
  for (const [project, spec] of Object.entries(index)) {
    for (const release of Object.values(spec.versions)) {
      for (const entry of release.files) {
        const filename = typeof entry === 'string' ? entry : entry.filename;
        // The server's PEP 658 metadata carries the release's requires-python, so the wheel does too.
        const options = { displayName: project, requiresPython: release.requiresPython ?? null };
        let body: Buffer;
        try {
          if (filename.endsWith('.whl')) body = buildWheel(filename, options);
          else if (filename.endsWith('.tar.gz')) body = buildSdist(filename, project, options);
          else body = Buffer.from(`not a distribution: ${filename}\n`);
        } catch {
          // Deliberately malformed names (the junk-file case) get junk bytes; pip never fetches them.
          body = Buffer.from(`not a distribution: ${filename}\n`);
        }
        bodies.set(filename, body);
      }
    }
  }
  return bodies;
}

const caseLabel = (c: AgreementCase): string =>
  [c.project + c.specifier, c.onlyBinary === false ? '(sdists allowed)' : '', c.pre === true ? '--pre' : '', ...(c.options ?? [])].filter(Boolean).join(' ');

/** The same options as our resolver takes them: pip's format control, in pip's order, and --prefer-binary. */
function ourRequest(c: AgreementCase): Pick<VersionRequest, 'formats' | 'preferBinary' | 'prereleases'> {
  const ops: FormatOption[] = c.onlyBinary === false ? [] : [{ option: 'only-binary', value: ':all:' }];
  const extra = c.options ?? [];
  for (let i = 0; i < extra.length; i++) {
    const option = extra[i]!;
    if (option === '--only-binary' || option === '--no-binary') ops.push({ option: option === '--only-binary' ? 'only-binary' : 'no-binary', value: extra[++i]! });
    else if (option !== '--prefer-binary') throw new Error(`agreement case option not modelled: ${option}`);
  }
  return { formats: allowedFormats(formatControlFrom(ops), c.project), preferBinary: extra.includes('--prefer-binary'), prereleases: c.pre === true };
}
const show = (file: string | null): string => file ?? '(no matching distribution)';

describe.skipIf(!pypyAvailable)('file choice agrees with pip 23.0.1 on PyPy 3.9 (Debian pypy3 7.3.11)', () => {
  let work = '';
  let server: IndexServer | null = null;
  let pipVersion = '';
  const pipResults: PipOutcome[] = [];
  const cliResults = new Map<number, PipOutcome>();
  const ours: Array<{ file: string | null } | { error: string }> = [];

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'pypy-ready-pip-agreement-'));
    const env = isolatedEnv(work);
    const bodies = fileBodies(fixture.index);
    server = await startIndexServer({
      packages: fixture.index,
      fileBody: (filename) => bodies.get(filename) ?? Buffer.from(`unknown file ${filename}\n`),
    });

    const venv = join(work, 'venv');
    const created = await run('pypy3', ['-m', 'venv', venv], env);
    if (created.code !== 0) throw new Error(`pypy3 -m venv failed: ${created.stderr.trim()}`);
    const python = join(venv, 'bin', 'python');
    pipVersion = (await run(python, ['-m', 'pip', '--version'], env)).stdout.trim();

    const destOf = (kind: string, i: number): string => {
      const dest = join(work, kind, String(i));
      mkdirSync(dest, { recursive: true });
      return dest;
    };

    // Every case, in one PyPy process.
    const runs = fixture.cases.map((c, i) => pipArgs(server!.simpleUrl, destOf('in-process', i), c));
    const inProcess = run(python, ['-c', IN_PROCESS_DRIVER], env, JSON.stringify(runs)).then((result) => {
      if (result.code !== 0) throw new Error(`pip driver failed (${result.code}): ${result.stderr.trim().slice(-2000)}`);
      const parsed = JSON.parse(result.stdout) as Array<{ code: number; log: string }>;
      parsed.forEach((r, i) => pipResults.push(pipOutcome(r.code, r.log, join(work, 'in-process', String(i)), server!.simpleUrl)));
    });

    // A sample as separate `bin/pip download` processes, 2 at a time (PyPy's warm-up is CPU-bound).
    const limit = pLimit(2);
    const pip = join(venv, 'bin', 'pip');
    const sampled = fixture.cases.map((c, i) => ({ c, i })).filter(({ i }) => i % CLI_SAMPLE_STRIDE === 0);
    const cli = Promise.all(
      sampled.map(({ c, i }) =>
        limit(async () => {
          const dest = destOf('cli', i);
          const result = await run(pip, pipArgs(server!.simpleUrl, dest, c), env);
          cliResults.set(i, pipOutcome(result.code, `${result.stdout}\n${result.stderr}`, dest, server!.simpleUrl));
        }),
      ),
    );

    // Our side: the same pages through our index client, the same question to our resolver.
    const client = new IndexClient({ indexUrl: server.simpleUrl, cacheDir: null, env: {}, netrc: false, retries: 0 });
    const target = resolveTarget(TARGET_ID, { glibc: GLIBC });
    const mine = Promise.all(
      fixture.cases.map(async (c) => {
        try {
          const page = await client.getProject(c.project);
          const grouped = groupFilesByVersion(c.project, page.files);
          const choice = chooseVersion(grouped, target, { specifier: c.specifier, ...ourRequest(c) });
          return { file: choice.choice?.chosen?.file.filename ?? null };
        } catch (error) {
          return { error: `${(error as Error).name}: ${(error as Error).message}` };
        }
      }),
    ).then((results) => ours.push(...results));

    try {
      await Promise.all([inProcess, cli, mine]);
    } finally {
      await client.close();
    }
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('describes at least 30 projects, each case naming one of them', () => {
    const projects = new Set(Object.keys(fixture.index).map((name) => canonicalizeName(name)));
    expect(projects.size).toBeGreaterThanOrEqual(30);
    for (const c of fixture.cases) expect(projects.has(canonicalizeName(c.project)), c.project).toBe(true);
    // Every project is asked about at least once.
    const asked = new Set(fixture.cases.map((c) => canonicalizeName(c.project)));
    expect([...projects].filter((p) => !asked.has(p))).toEqual([]);
  });

  it('pip answers every case without setup errors, as its documented rules predict', () => {
    expect(pipResults).toHaveLength(fixture.cases.length);
    const problems: string[] = [];
    fixture.cases.forEach((c, i) => {
      const outcome = pipResults[i]!;
      if ('error' in outcome) problems.push(`${caseLabel(c)}: ${outcome.error}`);
      else if (outcome.file !== c.expect) problems.push(`${caseLabel(c)}: pip took ${show(outcome.file)}, fixture expects ${show(c.expect)} (${c.why})`);
    });
    expect(problems, `${pipVersion}\n${problems.join('\n')}`).toEqual([]);
  });

  it('separate `bin/pip download` processes answer like the in-process runs', () => {
    expect(cliResults.size).toBeGreaterThanOrEqual(Math.floor(fixture.cases.length / CLI_SAMPLE_STRIDE));
    const outcomes = new Set<string>();
    const problems: string[] = [];
    for (const [i, outcome] of cliResults) {
      const c = fixture.cases[i]!;
      outcomes.add('file' in outcome ? (outcome.file === null ? 'none' : 'file') : 'error');
      if (JSON.stringify(outcome) !== JSON.stringify(pipResults[i])) {
        problems.push(`${caseLabel(c)}: bin/pip ${JSON.stringify(outcome)}, in-process ${JSON.stringify(pipResults[i])}`);
      }
    }
    expect(problems, problems.join('\n')).toEqual([]);
    // The sample must include both a download and a refusal, or it shows little.
    expect([...outcomes].sort()).toEqual(['file', 'none']);
  });

  it(`${TARGET_ID} (glibc ${GLIBC}) picks the file pip picks, for every case`, () => {
    expect(ours).toHaveLength(fixture.cases.length);
    const mismatches: string[] = [];
    fixture.cases.forEach((c, i) => {
      const theirs = pipResults[i]!;
      const mine = ours[i]!;
      if ('error' in theirs) return; // reported by the pip test above
      if ('error' in mine) mismatches.push(`${caseLabel(c)}: pip took ${show(theirs.file)}, ours failed: ${mine.error}`);
      else if (mine.file !== theirs.file) mismatches.push(`${caseLabel(c)}: pip took ${show(theirs.file)}, ours ${show(mine.file)} (${c.why})`);
    });
    expect(mismatches, `${mismatches.length} of ${fixture.cases.length} cases disagree with pip:\n${mismatches.join('\n')}`).toEqual([]);
  });
});
