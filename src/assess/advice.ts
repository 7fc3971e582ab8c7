/**
 * Advice drawn from the findings (issue 14): a few short statements at the end of every
 * human-readable report, and `advice` in the JSON report. Pure functions over a `ScanResult`: no
 * I/O. Each statement is built from what the scan found and names the packages (and targets)
 * behind it in `basedOn`; a rule whose evidence is not in the scan says nothing.
 *
 * The rules, in the order they are given:
 *
 * - `blockers`: how many packages block on the PyPy targets, which, and where.
 * - `cpyext`: how many packages run through cpyext (as `report/bottom-line.ts` decides it), which,
 *   and those that pip builds from source.
 * - `jit-gain`: where a speed-up can come from: the pure-Python and CFFI packages (PyPy's JIT speeds
 *   up CPU-bound pure Python once it has warmed up).
 * - `io-bound`: a web framework or server is installed: requests that wait on the database (or on
 *   another network service) gain little.
 * - `numpy`: NumPy-class packages are installed (by name, or the knowledge base says `no-gain`):
 *   code that spends its time in them gains nothing.
 * - `warm-up`: short-lived processes are in sight (Django's management commands, cron jobs,
 *   serverless adapters): they pay the warm-up without the gain.
 * - `workers`: a task queue (Celery, RQ, Dramatiq, Huey, arq …) means workers exist: how the queue
 *   and what it pulls in fare, and which problem packages the chains place with the workers or
 *   the web tier (a manifest alone cannot tell which tier imports a direct requirement).
 * - `workers-split`: workers and a web tier both exist: running only the workers on PyPy is a
 *   common split.
 * - `workers-first`: the code was read (`src/usage/`) and has worker files (Celery, RQ, Dramatiq
 *   tasks and apps) while something blocks: which blockers only the web tier imports, which only
 *   under `try/except ImportError` fallbacks, which no code imports, and which the workers
 *   import; so whether the workers could move to PyPy first, and after what.
 * - `measure`: always last when anything was assessed on a PyPy target: how to measure before
 *   switching (the same workload on both interpreters, after warm-up).
 *
 * Ignored findings (an ignore of the configuration) count as no problem here, as in the bottom line.
 * Names inside `text` are cleaned with `inline` (control characters stripped); renderers escape
 * the text as they escape any stranger's text.
 */
import type { Finding, ScanResult, UsageLocation } from '../scan/types.js';
import { bottomLine, nameList, targetLabel, type TargetSummary } from '../report/bottom-line.js';
import { inline } from '../report/terminal.js';

export const ADVICE_IDS = ['blockers', 'cpyext', 'jit-gain', 'io-bound', 'numpy', 'warm-up', 'workers', 'workers-split', 'workers-first', 'measure'] as const;
export type AdviceId = (typeof ADVICE_IDS)[number];

export interface Advice {
  /** Stable: which rule gave it. */
  id: AdviceId;
  /** One or two sentences, specific to the scan. */
  text: string;
  /** The findings behind it: package names (sorted) and target ids (scan order). */
  basedOn: { packages: string[]; targets: string[] };
}

/** Web frameworks and servers: a web tier exists. */
const WEB: ReadonlySet<string> = new Set([
  'django', 'flask', 'fastapi', 'starlette', 'litestar', 'quart', 'sanic', 'tornado', 'pyramid', 'falcon', 'bottle', 'aiohttp-jinja2',
  'gunicorn', 'uvicorn', 'hypercorn', 'daphne', 'waitress', 'granian',
]);

/** Task queues: workers exist. The value is the name to show. */
const WORKERS: ReadonlyMap<string, string> = new Map([
  ['celery', 'Celery'], ['rq', 'RQ'], ['django-rq', 'RQ'], ['dramatiq', 'Dramatiq'], ['django-dramatiq', 'Dramatiq'], ['huey', 'Huey'],
  ['arq', 'arq'], ['django-q', 'Django Q'], ['django-q2', 'Django Q'], ['taskiq', 'Taskiq'], ['procrastinate', 'Procrastinate'], ['saq', 'SAQ'],
]);

/** Clients of a database or another network store: what a request waits on. */
const IO_CLIENTS: ReadonlySet<string> = new Set([
  'psycopg2', 'psycopg2-binary', 'psycopg', 'psycopg-binary', 'psycopg-c', 'psycopg2cffi', 'asyncpg', 'aiopg', 'pg8000',
  'mysqlclient', 'pymysql', 'aiomysql', 'mysql-connector-python', 'oracledb', 'cx-oracle', 'pymssql', 'pyodbc',
  'pymongo', 'motor', 'redis', 'pymemcache', 'pylibmc', 'elasticsearch', 'cassandra-driver',
]);

/** Database drivers among them (a task that uses the database needs one too). */
const DB_DRIVERS: ReadonlySet<string> = new Set([...IO_CLIENTS].filter((n) => !['redis', 'pymemcache', 'pylibmc', 'elasticsearch'].includes(n)));

/** Short-lived processes: cron jobs and serverless adapters. */
const CRON: ReadonlySet<string> = new Set(['django-crontab', 'django-cron', 'django-cronjobs']);
const SERVERLESS: ReadonlySet<string> = new Set(['mangum', 'zappa', 'chalice', 'serverless-wsgi', 'apig-wsgi', 'aws-wsgi', 'awslambdaric', 'aws-lambda-powertools', 'functions-framework']);

/** NumPy-class packages: array code in C behind cpyext. */
const NUMERIC: ReadonlySet<string> = new Set(['numpy', 'pandas', 'scipy', 'scikit-learn', 'scikit-image', 'numexpr', 'numba', 'pyarrow', 'polars', 'statsmodels']);

const sorted = (names: Iterable<string>): string[] => [...new Set(names)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
const count = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;
const and = (items: readonly string[]): string => (items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`);
/** "a, b and c" (names cleaned), "a, b, c, d and 3 more" beyond four. */
const names = (list: readonly string[]): string => (list.length > 4 ? nameList(list) : and(list.map(inline)));

/** The knowledge base's status for a finding, read from its evidence ("knowledge base: no-gain: …"). */
function knowledgeStatus(finding: Finding): string | null {
  for (const e of finding.evidence) {
    const m = /^knowledge base: ([a-z-]+):/.exec(e);
    if (m) return m[1]!;
  }
  return null;
}

/** The advice for a scan, in the order of `ADVICE_IDS`; nothing when no PyPy target assessed a package. */
export function adviseOn(result: Omit<ScanResult, 'advice'> | ScanResult): Advice[] {
  const scan = result as ScanResult;
  const pypy = scan.targets.filter((t) => t.implementation === 'pypy');
  const pypyIds = new Set(pypy.map((t) => t.id));
  const findings = scan.findings.filter((f) => pypyIds.has(f.target));
  const live = findings.filter((f) => f.ignored === undefined);
  if (live.length === 0) return [];

  const summaries = bottomLine(scan).filter((s) => pypyIds.has(s.target));
  const label = (id: string): string => targetLabel(scan, id);
  const present = new Set(findings.map((f) => f.name));
  const order = (ids: Iterable<string>): string[] => pypy.map((t) => t.id).filter((id) => new Set(ids).has(id));
  /** "on both PyPy targets", "on PyPy 3.11 (8.0)". */
  const onTargets = (ids: readonly string[]): string => {
    if (ids.length === pypy.length && pypy.length > 1) return pypy.length === 2 ? 'on both PyPy targets' : `on all ${pypy.length} PyPy targets`;
    return `on ${and(ids.map(label))}`;
  };
  /** name → the targets (ids) on which `pick` lists it. */
  const perName = (pick: (s: TargetSummary) => readonly string[]): Map<string, string[]> => {
    const map = new Map<string, string[]>();
    for (const s of summaries) for (const name of pick(s)) map.set(name, [...(map.get(name) ?? []), s.target]);
    return map;
  };
  /** "a, b on both PyPy targets; c on PyPy 3.11 (8.0)": names grouped by the targets they concern. */
  const byTargets = (map: Map<string, string[]>): string => {
    const groups = new Map<string, { ids: string[]; names: string[] }>();
    for (const name of sorted(map.keys())) {
      const ids = order(map.get(name)!);
      const key = ids.join('\n');
      if (!groups.has(key)) groups.set(key, { ids, names: [] });
      groups.get(key)!.names.push(name);
    }
    return [...groups.values()].map((g) => `${names(g.names)} ${onTargets(g.ids)}`).join('; ');
  };

  const blockers = perName((s) => s.blockers);
  const cpyext = perName((s) => s.cpyext);
  const built = perName((s) => s.builtFromSource);
  const problems = new Set([...blockers.keys(), ...cpyext.keys()]);

  const web = sorted([...present].filter((n) => WEB.has(n)));
  const workers = sorted([...present].filter((n) => WORKERS.has(n)));
  const workerNames = and([...new Set(workers.map((n) => WORKERS.get(n)!))]);
  const ioClients = sorted([...present].filter((n) => IO_CLIENTS.has(n)));
  const advice: Advice[] = [];
  const add = (id: AdviceId, text: string, packages: Iterable<string>, targets: Iterable<string>): void => {
    advice.push({ id, text, basedOn: { packages: sorted(packages), targets: order(targets) } });
  };
  const targetsOf = (map: Map<string, string[]>): string[] => [...map.values()].flat();

  // The best PyPy target to try first: fewest blockers, then fewest cpyext packages, then scan order.
  const best = [...summaries].sort((a, b) => a.blockers.length - b.blockers.length || a.cpyext.length - b.cpyext.length)[0];

  if (blockers.size > 0) {
    add(
      'blockers',
      `${count(blockers.size, 'package blocks', 'packages block')} the move: ${byTargets(blockers)}. Each must be replaced or pinned, as its fix says, before the project can run there.`,
      blockers.keys(),
      targetsOf(blockers),
    );
  }

  if (cpyext.size > 0) {
    const fromSource = built.size > 0 ? ` Built from source (a compiler and headers needed): ${byTargets(built)}.` : '';
    add(
      'cpyext',
      `${count(cpyext.size, 'package runs', 'packages run')} through cpyext: ${byTargets(cpyext)}. Each call into ${cpyext.size === 1 ? 'it' : 'them'} costs more than on CPython and the JIT cannot see inside, so time spent there does not speed up.${fromSource}`,
      cpyext.keys(),
      targetsOf(cpyext),
    );
  }

  if (best) {
    const fast = sorted(live.filter((f) => f.target === best.target && ['pure', 'pure-fallback', 'cffi'].includes(f.verdict)).map((f) => f.name));
    if (fast.length > 0) {
      const cffi = sorted(live.filter((f) => f.target === best.target && f.verdict === 'cffi').map((f) => f.name));
      add(
        'jit-gain',
        `PyPy's JIT speeds up CPU-bound pure Python once it has warmed up: on ${label(best.target)}, ${fast.length} of ${best.packages} packages are pure Python${cffi.length > 0 ? ' or CFFI' : ''} (${names(fast)}), and so is the project's own code; that is where a gain can come from.`,
        fast,
        [best.target],
      );
    }
  }

  if (web.length > 0) {
    const waits = ioClients.length > 0 ? `wait on ${names(ioClients)}` : 'wait on the database or other services';
    add(
      'io-bound',
      `In the web tier (${names(web)}), requests that ${waits} gain little from PyPy: time spent waiting is not sped up; only the CPU-bound part of a request (templates, serialisation) can.`,
      [...web, ...ioClients],
      [],
    );
  }

  const numeric = sorted(findings.filter((f) => NUMERIC.has(f.name) || knowledgeStatus(f) === 'no-gain').map((f) => f.name));
  if (numeric.length > 0) {
    add(
      'numpy',
      `${names(numeric)} ${numeric.length === 1 ? 'is' : 'are'} installed: NumPy-heavy code gains nothing on PyPy, since the array work runs in C through cpyext; only the pure-Python code around it can.`,
      numeric,
      order(findings.filter((f) => numeric.includes(f.name)).map((f) => f.target)),
    );
  }

  const shortLived: string[] = [];
  const shortLivedBy: string[] = [];
  if (present.has('django')) {
    shortLived.push("Django's management commands (manage.py)");
    shortLivedBy.push('django');
  }
  const cron = sorted([...present].filter((n) => CRON.has(n)));
  if (cron.length > 0) {
    shortLived.push(`the cron jobs of ${names(cron)}`);
    shortLivedBy.push(...cron);
  }
  const serverless = sorted([...present].filter((n) => SERVERLESS.has(n)));
  if (serverless.length > 0) {
    shortLived.push(`serverless functions (${names(serverless)})`);
    shortLivedBy.push(...serverless);
  }
  if (shortLived.length > 0) {
    add(
      'warm-up',
      `Short-lived processes pay the JIT's warm-up without staying long enough to gain: ${and(shortLived)}. Keep them on CPython, or do not expect them to get faster.`,
      shortLivedBy,
      [],
    );
  }

  if (workers.length > 0) {
    // The task queue and what it pulls in, and where the problem packages sit by their chains.
    const queue = live.filter((f) => workers.includes(f.name) || f.via.some((p) => workers.includes(p)));
    const queueNames = sorted(queue.map((f) => f.name));
    const queueBlocked = queueNames.filter((n) => blockers.has(n));
    const queueCpyext = queueNames.filter((n) => cpyext.has(n) && !blockers.has(n));
    const queueBad = [...queueBlocked, ...queueCpyext];
    const fine = queueNames.length - queueBad.length;
    const status = [
      ...(fine > 0 ? [`${fine === queueNames.length ? (fine === 1 ? 'it is' : `all ${fine} are`) : `${fine} of ${queueNames.length} are`} fine on PyPy${queueBad.length === 0 ? ` (${names(queueNames)})` : ''}`] : []),
      ...(queueBlocked.length > 0 ? [`${names(queueBlocked)} ${queueBlocked.length === 1 ? 'blocks' : 'block'}`] : []),
      ...(queueCpyext.length > 0 ? [`${names(queueCpyext)} ${queueCpyext.length === 1 ? 'runs' : 'run'} through cpyext`] : []),
    ];
    const tierOf = (name: string): 'workers' | 'web' | null => {
      const chains = live.filter((f) => f.name === name).map((f) => f.via);
      if (chains.some((via) => via.some((p) => workers.includes(p)))) return 'workers';
      if (chains.some((via) => via.some((p) => web.includes(p)))) return 'web';
      return null;
    };
    const others = sorted(problems).filter((n) => !queueBad.includes(n));
    const withWeb = others.filter((n) => tierOf(n) === 'web');
    const unplaced = others.filter((n) => tierOf(n) === null);
    const queueWord = `${count(queueNames.length, 'package', 'packages')} the queue brings`;
    const parts = [`${names(workers)} means the project runs ${workerNames} workers${web.length > 0 ? ` besides its web tier (${names(web)})` : ''}.${queueNames.length > 0 ? ` Of the ${queueWord}, ${and(status)}.` : ''}`];
    if (withWeb.length > 0) parts.push(`${names(withWeb)} ${withWeb.length === 1 ? 'comes' : 'come'} in through the web framework.`);
    if (unplaced.length > 0 && !(scan.usage?.projects ?? []).some((p) => p.files > 0)) parts.push(`Which tier imports ${names(unplaced)} the manifests cannot tell.`);
    const named = [...queueBad, ...withWeb, ...unplaced];
    const targets = named.length > 0 ? named.flatMap((n) => [...(blockers.get(n) ?? []), ...(cpyext.get(n) ?? [])]) : queue.map((f) => f.target);
    add('workers', parts.join(' '), [...workers, ...named], targets);

    if (web.length > 0) {
      const blocking = sorted(blockers.keys());
      const drivers = blocking.filter((n) => DB_DRIVERS.has(n));
      const caveat =
        blocking.length === 0
          ? ''
          : drivers.length > 0
            ? ` The workers still need the blockers they import replaced; ${names(drivers)} ${drivers.length === 1 ? 'is a database driver' : 'are database drivers'}, so tasks that use the database need ${drivers.length === 1 ? 'its' : 'their'} fix too.`
            : ` The workers still need the blockers they import replaced (${names(blocking)}).`;
      add(
        'workers-split',
        `A common split: run only the ${workerNames} workers on PyPy, where CPU-bound tasks gain, and keep the web tier (${names(web)}) on CPython.${caveat}`,
        [...workers, ...web, ...drivers],
        [],
      );
    }
  }

  // With the code read: where each blocker is imported, and whether the workers could move first.
  const workerFiles = (scan.usage?.projects ?? []).reduce((n, p) => n + p.roles.workers, 0);
  if (workerFiles > 0 && blockers.size > 0) {
    // Every project's sites, once each; a package no file imports (a dependency of one that is
    // imported) is loaded wherever the direct requirements that pull it in are imported.
    const ownSites = (name: string): UsageLocation[] => {
      const seen = new Map<string, UsageLocation>();
      for (const f of live) if (f.name === name) for (const s of f.usedIn ?? []) seen.set(`${s.file}\n${s.line}`, s);
      return [...seen.values()];
    };
    const sitesOf = (name: string) => {
      const all = live.filter((x) => x.name === name);
      const project = all[0]?.project ?? '';
      const own = ownSites(name);
      if (own.length > 0) return { sites: own, imported: true as boolean | undefined, through: [] as string[], project };
      const through = sorted(all.filter((x) => x.via.length > 0).map((x) => x.via[0]!));
      return { sites: through.flatMap(ownSites), imported: all.some((x) => x.imported === false) ? false : undefined, through, project };
    };
    const at = (project: string, sites: readonly { file: string; line: number }[]): string => {
      const prefix = project === '.' || project === '' ? '' : `${project}/`;
      const shown = sites.slice(0, 3).map((s) => `${inline(s.file.startsWith(prefix) ? s.file.slice(prefix.length) : s.file)}:${s.line}`);
      return `${shown.join(', ')}${sites.length > 3 ? ` and ${sites.length - 3} more` : ''}`;
    };
    const webOnly: string[] = [];
    const optionalOnly: string[] = [];
    const notImported: string[] = [];
    const inWorkers: string[] = [];
    const shared: string[] = [];
    const notes: string[] = [];
    const untraced: string[] = [];
    for (const name of sorted(blockers.keys())) {
      const { sites, imported, through, project } = sitesOf(name);
      const required = sites.filter((x) => !x.optional);
      if (sites.length === 0) {
        if (imported === false) notImported.push(name);
        else untraced.push(name);
        continue;
      }
      // Loaded where what pulls it in is imported.
      const subject = through.length > 0 ? `${inline(name)} (through ${names(through)})` : inline(name);
      if (required.length === 0) {
        optionalOnly.push(name);
      } else if (required.some((x) => x.role === 'workers')) {
        inWorkers.push(name);
      } else if (required.every((x) => x.role === 'web')) {
        webOnly.push(name);
        notes.push(`${subject} is imported by the web tier only (${at(project, required)})`);
      } else if (required.some((x) => x.role === 'other')) {
        shared.push(name);
        notes.push(`${subject} is imported by shared code (${at(project, required.filter((x) => x.role === 'other'))}) that the workers may load too`);
      } else {
        webOnly.push(name); // management commands, tests, scripts: not the workers
        notes.push(`${subject} is imported only outside the workers (${at(project, required)})`);
      }
    }
    if (optionalOnly.length > 0) {
      notes.push(`${names(optionalOnly)} ${optionalOnly.length === 1 ? 'is' : 'are'} imported only under try/except ImportError fallbacks (${optionalOnly.map((n) => at(sitesOf(n).project, sitesOf(n).sites)).join('; ')}), so the code runs without ${optionalOnly.length === 1 ? 'it' : 'them'}`);
    }
    if (untraced.length > 0) notes.push(`no file imports ${names(untraced)} or what pulls ${untraced.length === 1 ? 'it' : 'them'} in, so where ${untraced.length === 1 ? 'it loads' : 'they load'} is not known`);
    if (notImported.length > 0) notes.push(`${names(notImported)} ${notImported.length === 1 ? 'is' : 'are'} imported by no file (a dependency or a setting may load ${notImported.length === 1 ? 'it' : 'them'})`);
    const who = workers.length > 0 ? `${workerNames} workers` : 'task workers';
    const workerSites = (name: string) => sitesOf(name).sites.filter((x) => x.role === 'workers' && !x.optional);
    const cpyextInWorkers = sorted([...cpyext.keys()].filter((n) => !blockers.has(n) && workerSites(n).length > 0));
    const tail = cpyextInWorkers.length > 0 ? ` They import ${names(cpyextInWorkers)}, which ${cpyextInWorkers.length === 1 ? 'runs' : 'run'} through cpyext there: measure those tasks.` : '';
    // Django's ORM loads the database driver in every process that touches the database, workers too.
    const ormDrivers = present.has('django') ? [...webOnly, ...notImported, ...shared].filter((n) => DB_DRIVERS.has(n)) : [];
    const after: string[] = [
      ...(inWorkers.length > 0 ? [`${names(inWorkers)} ${inWorkers.length === 1 ? 'is' : 'are'} replaced where the tasks import ${inWorkers.length === 1 ? 'it' : 'them'} (${inWorkers.map((n) => at(sitesOf(n).project, workerSites(n))).join('; ')})`] : []),
      ...(ormDrivers.length > 0 ? [`${names(ormDrivers)} ${ormDrivers.length === 1 ? 'is' : 'are'} replaced as the ORM's database driver (Django loads it in the workers too)`] : []),
    ];
    const others = shared.filter((n) => !ormDrivers.includes(n));
    const verdict =
      after.length > 0
        ? `your ${who} could move to PyPy after ${and(after)}`
        : others.length > 0
          ? `your ${who} could move to PyPy once ${names(others)} ${others.length === 1 ? 'is' : 'are'} kept out of the code they load`
          : untraced.length > 0
            ? `your ${who} could move to PyPy first if they do not load ${names(untraced)}: no worker file imports a blocker`
            : `your ${who} could move to PyPy first: no worker file imports a blocker`;
    add('workers-first', `In the code: ${notes.length > 0 ? `${notes.join('; ')}; ` : ''}${verdict}.${tail}`, [...blockers.keys(), ...cpyextInWorkers], targetsOf(blockers));
  }

  // Always last: how to measure.
  const workload =
    workers.length > 0 && web.length > 0
      ? `a batch of real ${workerNames} tasks, and the web tier's own load test`
      : workers.length > 0
        ? `a batch of real ${workerNames} tasks`
        : web.length > 0
          ? `the web tier's own load test${ioClients.length > 0 ? ' against the same database' : ''}`
          : 'the CPU-heavy part of the project, as a benchmark';
  const first = best && best.blockers.length > 0 ? `Once ${best.blockers.length === 1 ? 'the blocker is' : 'the blockers are'} replaced, measure` : 'Measure';
  const where = best ? label(best.target) : 'PyPy';
  add(
    'measure',
    `${first} before switching: run the same workload (${workload}) on CPython and on ${where}, timing only after the JIT has warmed up (pyperf discards warm-up runs), and compare throughput and memory.`,
    [...workers, ...web, ...(best?.blockers ?? [])],
    best ? [best.target] : [],
  );
  return advice;
}

/** The scan result with its advice: what `scan()` returns, after ignores are applied. */
export function withAdvice<T extends Omit<ScanResult, 'advice'>>(result: T): T & { advice: Advice[] } {
  return { ...result, advice: adviseOn(result) };
}
