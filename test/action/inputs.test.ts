/**
 * The Action's inputs and event, read the way the runner hands them over: `INPUT_<NAME>` variables
 * (hyphens kept, upper-cased) for every input action.yml declares, and the event payload.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pullRequestOf } from '../../src/action/event.js';
import { readInputs } from '../../src/action/inputs.js';
import { outputBlock } from '../../src/action/workflow-files.js';
import { REPO_ROOT } from '../support/shared.js';

/** The input names action.yml declares: the two-space keys between `inputs:` and `outputs:`. */
function declaredInputs(): string[] {
  const text = readFileSync(resolve(REPO_ROOT, 'action.yml'), 'utf8');
  const block = text.slice(text.indexOf('\ninputs:\n'), text.indexOf('\noutputs:\n'));
  return [...block.matchAll(/^ {2}([a-z-]+):$/gm)].map((m) => m[1]!);
}

describe('the Action inputs', () => {
  it('reads exactly the inputs action.yml declares, by the names the runner gives them', () => {
    const read = new Set<string>();
    const env = new Proxy({} as Record<string, string | undefined>, { get: (_t, key) => (read.add(String(key)), undefined) });
    readInputs(env);
    const inputs = [...read].filter((k) => k.startsWith('INPUT_')).sort();
    expect(inputs).toEqual(declaredInputs().map((n) => `INPUT_${n.toUpperCase()}`).sort());
    expect(declaredInputs()).toEqual(['path', 'targets', 'fail-on', 'index-url', 'baseline', 'sarif-file', 'comment', 'github-token']);
  });

  it('defaults: the workspace, the tool\'s targets, fail on blockers, PyPI, the PR base, no SARIF, no comment', () => {
    expect(readInputs({})).toEqual({ paths: ['.'], targets: [], failOn: 'error', indexUrl: null, baseline: 'auto', sarifFile: null, comment: false, token: null });
  });

  it('lists by line, comma or space; booleans as YAML writes them; a bad value is an error naming the input', () => {
    const inputs = readInputs({ INPUT_PATH: 'services/api\nservices/worker\n', INPUT_TARGETS: 'pypy3.11-7.3, pypy3.11-8.0', INPUT_COMMENT: 'True', 'INPUT_FAIL-ON': ' warning ' });
    expect(inputs).toMatchObject({ paths: ['services/api', 'services/worker'], targets: ['pypy3.11-7.3', 'pypy3.11-8.0'], comment: true, failOn: 'warning' });
    expect(() => readInputs({ INPUT_COMMENT: 'yes' })).toThrow('input comment must be true or false');
    expect(() => readInputs({ 'INPUT_FAIL-ON': 'blocker' })).toThrow('input fail-on must be error, warning or never, not "blocker"');
  });
});

describe('the pull request of the event', () => {
  const sha = 'a'.repeat(40);
  const payload = (headRepo: string | null, fork = false) => ({ number: 7, pull_request: { number: 7, base: { sha, repo: { full_name: 'acme/app' } }, head: headRepo === null ? {} : { repo: { full_name: headRepo, fork } } } });

  it('same repository, fork (by name or by flag), and a deleted fork (no head repository: treated as a fork)', () => {
    expect(pullRequestOf(payload('acme/app'), 'acme/app')).toEqual({ number: 7, baseSha: sha, fromFork: false });
    expect(pullRequestOf(payload('eve/app'), 'acme/app')?.fromFork).toBe(true);
    expect(pullRequestOf(payload('acme/app', true), 'acme/app')?.fromFork).toBe(true);
    expect(pullRequestOf(payload(null), 'acme/app')?.fromFork).toBe(true);
  });

  it('no pull request for a push; a payload without a usable base commit is no pull request either', () => {
    expect(pullRequestOf({ ref: 'refs/heads/main', after: sha }, 'acme/app')).toBeNull();
    expect(pullRequestOf({ pull_request: { number: 7, base: { sha: '--upload-pack=evil' } } }, 'acme/app')).toBeNull();
    expect(pullRequestOf({ pull_request: { number: -1, base: { sha } } }, 'acme/app')).toBeNull();
  });
});

describe('step outputs', () => {
  it('a value cannot end its block early and set another output', () => {
    const block = outputBlock('errors', '1\nghadelimiter_x\nwarnings<<EOF\n99\nEOF');
    const [head, ...rest] = block.split('\n');
    const delimiter = head!.slice('errors<<'.length);
    expect(delimiter).toMatch(/^ghadelimiter_[0-9a-f]{32}$/);
    expect(rest.indexOf(delimiter)).toBe(5);
  });
});
