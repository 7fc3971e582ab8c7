/**
 * Which part of a project a Python file belongs to (issue 16), from its path and what it imports
 * and decorates. Pure. One role per file, the first rule that holds, in this order:
 *
 * - `tests`: `test_*.py`, `*_test.py`, `tests.py`, `conftest.py`, or anything under a `tests/` or
 *   `test/` folder;
 * - `management`: Django management commands (`…/management/commands/*.py`) and `manage.py`;
 * - `workers` by name: `tasks.py` (or a `tasks/` folder), `celery.py`, `celery_app.py`,
 *   `worker.py`, `workers.py`;
 * - `web` by name: `views.py`, `urls.py`, `middleware.py`, `asgi.py`, `wsgi.py`, `consumers.py`,
 *   `routing.py` (or `views/`, `urls/`, `middleware/` folders);
 * - `workers` by content: a function decorated as a task (`@shared_task`, `@app.task`,
 *   `@celery.task`, `@dramatiq.actor`, RQ's `@rq.job`, Huey's `@huey.task`/`@db_task`/
 *   `@periodic_task`: a bare `@task` or `@job` alone says nothing, invoke and fabric use them
 *   too); or a module importing a worker API (`celery` but not `celery.schedules`, `dramatiq`,
 *   `rq`, `huey`, `arq`, `taskiq`);
 * - `web` by content: a module importing a request API: `django.http`, `django.views`,
 *   `django.shortcuts`, `django.urls`, `rest_framework`, `flask`, `fastapi`, `starlette`,
 *   `aiohttp.web`, `channels`;
 * - `scripts`: `if __name__ == "__main__":` at the top level, or a file under `scripts/` or `bin/`;
 * - `other`: the rest (models, settings, helpers): code every role may load.
 *
 * Settings modules (`settings.py`, a `settings/` folder) are `other` whatever they import (a
 * Celery beat schedule there does not make them a worker).
 */
import type { PythonFacts } from './imports.js';

export const ROLES = ['web', 'workers', 'management', 'tests', 'scripts', 'other'] as const;
export type Role = (typeof ROLES)[number];

/** How a role reads in a sentence. */
export const ROLE_LABEL: Record<Role, string> = {
  web: 'web',
  workers: 'workers',
  management: 'management commands',
  tests: 'tests',
  scripts: 'scripts',
  other: 'other code',
};

const WEB_FILES = new Set(['views.py', 'urls.py', 'middleware.py', 'asgi.py', 'wsgi.py', 'consumers.py', 'routing.py']);
const WEB_DIRS = new Set(['views', 'urls', 'middleware']);
const WEB_IMPORTS = ['django.http', 'django.views', 'django.shortcuts', 'django.urls', 'rest_framework', 'flask', 'fastapi', 'starlette', 'aiohttp.web', 'channels'];
const WORKER_FILES = new Set(['tasks.py', 'celery.py', 'worker.py', 'workers.py', 'celery_app.py']);
const WORKER_IMPORTS = ['celery', 'dramatiq', 'rq', 'huey', 'arq', 'taskiq'];
/** Imports of a worker package that only configure it (a schedule in settings). */
const WORKER_CONFIG_IMPORTS = ['celery.schedules'];
/** Task decorators by their bare name, and the last part of a dotted one (`app.task`, `dramatiq.actor`, `huey.db_task`). */
const TASK_DECORATORS = new Set(['shared_task', 'db_task', 'periodic_task', 'db_periodic_task']);
const DOTTED_TASK_DECORATOR = /\.(shared_task|task|actor|job|db_task|periodic_task|db_periodic_task)$/;

/** `module` is `prefix` or inside it. */
const within = (module: string, prefix: string): boolean => module === prefix || module.startsWith(`${prefix}.`);

/** The role of a file, by its path relative to the project root (`/`-separated) and its facts. */
export function roleOf(relPath: string, facts: Pick<PythonFacts, 'imports' | 'decorators' | 'mainGuard'>): Role {
  const parts = relPath.split('/');
  const name = parts[parts.length - 1]!;
  const dirs = parts.slice(0, -1);
  if (/^test_.*\.py$|_test\.py$|^tests\.py$|^conftest\.py$/.test(name) || dirs.some((d) => d === 'tests' || d === 'test')) return 'tests';
  if (name === 'manage.py' || /(^|\/)management\/commands$/.test(dirs.join('/'))) return 'management';
  if (name === 'settings.py' || dirs.includes('settings')) return 'other';
  if (WORKER_FILES.has(name) || dirs.includes('tasks')) return 'workers';
  if (WEB_FILES.has(name) || dirs.some((d) => WEB_DIRS.has(d))) return 'web';
  if (facts.decorators.some((d) => TASK_DECORATORS.has(d.name) || (d.name.includes('.') && DOTTED_TASK_DECORATOR.test(d.name)))) return 'workers';
  const modules = facts.imports.filter((i) => !i.relative).map((i) => i.module);
  if (modules.some((m) => WORKER_IMPORTS.some((w) => within(m, w)) && !WORKER_CONFIG_IMPORTS.some((c) => within(m, c)))) return 'workers';
  if (modules.some((m) => WEB_IMPORTS.some((w) => within(m, w)))) return 'web';
  if (facts.mainGuard || dirs[0] === 'scripts' || dirs[0] === 'bin') return 'scripts';
  return 'other';
}
