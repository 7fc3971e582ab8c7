/**
 * The pull request the workflow runs for, from the event payload the runner writes to
 * `GITHUB_EVENT_PATH`: its number, its base commit (PR mode's baseline) and whether it comes from a
 * fork, where the token is read-only and the Action cannot comment. Pure: the parsed payload in.
 */

export interface PullRequest {
  number: number;
  baseSha: string;
  /** The head repository is not the one the workflow runs in. */
  fromFork: boolean;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function repoName(side: unknown): string | null {
  if (!isRecord(side) || !isRecord(side['repo'])) return null;
  const name = side['repo']['full_name'];
  return typeof name === 'string' ? name : null;
}

/** The pull request of a `pull_request` or `pull_request_target` payload; null for any other event. */
export function pullRequestOf(payload: unknown, repository: string | undefined): PullRequest | null {
  if (!isRecord(payload) || !isRecord(payload['pull_request'])) return null;
  const pr = payload['pull_request'];
  const number = pr['number'] ?? payload['number'];
  const base = pr['base'];
  const baseSha = isRecord(base) ? base['sha'] : undefined;
  if (typeof number !== 'number' || !Number.isInteger(number) || number < 1) return null;
  if (typeof baseSha !== 'string' || !/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(baseSha)) return null;
  const head = repoName(pr['head']);
  const headIsFork = isRecord(pr['head']) && isRecord(pr['head']['repo']) && pr['head']['repo']['fork'] === true;
  const fromFork = headIsFork || head === null || head !== (repository ?? repoName(base));
  return { number, baseSha, fromFork };
}
