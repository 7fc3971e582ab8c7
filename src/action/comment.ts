/**
 * The pull-request comment (input `comment: true`): one comment per pull request, found again by
 * a hidden marker and edited in place on later pushes, so a busy PR does not collect a comment per
 * push. Uses the REST API at `GITHUB_API_URL` (GitHub Enterprise Server has its own).
 */

/** Hidden in the rendered comment; identifies the one this Action owns. */
export const COMMENT_MARKER = '<!-- pypy-ready: pull-request comment -->';

export interface CommentTarget {
  apiUrl: string;
  /** `owner/name`. */
  repository: string;
  number: number;
  token: string;
}

export type CommentOutcome = { kind: 'created' | 'updated'; id: number } | { kind: 'failed'; reason: string };

const REQUEST_TIMEOUT_MS = 15_000;
/** Comments read while looking for ours: 10 pages of 100. */
const MAX_PAGES = 10;

async function call(target: CommentTarget, method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const response = await fetch(`${target.apiUrl.replace(/\/+$/, '')}${path}`, {
    method,
    headers: {
      accept: 'application/vnd.github+json',
      authorization: `Bearer ${target.token}`,
      'x-github-api-version': '2022-11-28',
      'user-agent': 'pypy-ready-action',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const text = await response.text();
  let json: unknown = null;
  try {
    json = text === '' ? null : JSON.parse(text);
  } catch {
    json = null;
  }
  return { status: response.status, json };
}

function ownCommentId(comments: unknown): number | null {
  if (!Array.isArray(comments)) return null;
  for (const c of comments) {
    if (typeof c === 'object' && c !== null && typeof (c as { body?: unknown }).body === 'string' && (c as { body: string }).body.includes(COMMENT_MARKER)) {
      const id = (c as { id?: unknown }).id;
      if (typeof id === 'number') return id;
    }
  }
  return null;
}

/** Creates or edits the comment. Never throws: a comment that cannot be posted is a warning, not a failed check. */
export async function upsertComment(target: CommentTarget, markdown: string): Promise<CommentOutcome> {
  const body = `${COMMENT_MARKER}\n${markdown}`;
  const repo = target.repository.split('/').map(encodeURIComponent).join('/');
  try {
    let existing: number | null = null;
    for (let page = 1; page <= MAX_PAGES && existing === null; page++) {
      const list = await call(target, 'GET', `/repos/${repo}/issues/${target.number}/comments?per_page=100&page=${page}`);
      if (list.status !== 200) return { kind: 'failed', reason: `listing the comments answered HTTP ${list.status}` };
      existing = ownCommentId(list.json);
      if (!Array.isArray(list.json) || list.json.length < 100) break;
    }
    const sent = existing === null ? await call(target, 'POST', `/repos/${repo}/issues/${target.number}/comments`, { body }) : await call(target, 'PATCH', `/repos/${repo}/issues/comments/${existing}`, { body });
    if (sent.status !== 200 && sent.status !== 201) return { kind: 'failed', reason: `${existing === null ? 'creating' : 'editing'} the comment answered HTTP ${sent.status}` };
    const id = (sent.json as { id?: unknown } | null)?.id;
    return { kind: existing === null ? 'created' : 'updated', id: typeof id === 'number' ? id : (existing ?? 0) };
  } catch (error) {
    const reason = (error as Error).name === 'TimeoutError' ? `no answer within ${REQUEST_TIMEOUT_MS / 1000} s` : ((error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name);
    return { kind: 'failed', reason };
  }
}
