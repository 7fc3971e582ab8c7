/**
 * Text that came from strangers (manifests, index pages, URLs with credentials) on its way into a
 * message: one line, bounded, quoted, and with every secret a URL can carry removed. One leaf
 * module, so there is one rule for the whole tool.
 *
 * Credentials reach the index in URLs (`https://user:token@host/simple`), query strings
 * (`?token=…`) and netrc. Every URL that may reach a message, a log line or a cache file goes
 * through `redactUrl` first.
 */
/** Collapse whitespace and cap length so a hostile input cannot make a multi-line or huge message. */
export function oneLine(text: string, max = 300): string {
  const flat = text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 3)}...` : flat;
}

/** Quote untrusted text for an error message: bounded, escaped, on one line. */
export function quote(text: string, max = 80): string {
  const shown = text.length > max ? `${text.slice(0, max - 3)}...` : text;
  return JSON.stringify(shown);
}


// Query parameter names that carry secrets on private indexes and signed download URLs.
const SECRET_PARAM = /(token|key|secret|password|passwd|pwd|auth|signature|sig|credential|session)/i;

/** `scheme://` at the start of a URL (`https://`, `git+ssh://` …). */
const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

/**
 * A URL that does not parse (`https://user:ab/cd@host/`, a bad port, a space): everything between
 * `//` and the last `@` goes, since a password may hold `/`, `?`, `#` or `@` and only the last `@`
 * surely ends it (over-redacting a path that holds an `@` is the safe mistake); secret-looking
 * query values go as in a parsed URL.
 */
function redactUnparsed(text: string): string {
  const scheme = SCHEME.exec(text)?.[0] ?? (text.startsWith('//') ? '//' : null);
  let out = text;
  if (scheme !== null) {
    const rest = text.slice(scheme.length);
    const at = rest.lastIndexOf('@');
    out = at === -1 ? text : `${scheme}***@${rest.slice(at + 1)}`;
  } else {
    // Not even a scheme: any `//…@` inside the text.
    out = text.replace(/\/\/[^\s]*@/g, '//***@');
  }
  return out.replace(/([?&;])([^=&#\s]*)=([^&#\s]*)/g, (whole, sep: string, key: string) => (SECRET_PARAM.test(key) ? `${sep}${key}=***` : whole));
}

/** Replace `user:password@` with `***@` and secret-looking query values with `***`. */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return redactUnparsed(url);
  }
  // The username alone can be the secret (`https://<token>@host/`), so both parts go.
  const hadUser = parsed.username !== '' || parsed.password !== '';
  parsed.username = '';
  parsed.password = '';
  let changedQuery = false;
  for (const key of [...parsed.searchParams.keys()]) {
    if (SECRET_PARAM.test(key)) {
      parsed.searchParams.set(key, '***');
      changedQuery = true;
    }
  }
  let text = parsed.toString();
  if (changedQuery) text = text.replace(/=%2A%2A%2A/g, '=***');
  if (hadUser) text = text.replace(/^([a-z][a-z0-9+.-]*:\/\/)/i, '$1***@');
  return text;
}

/** A URL inside free text: from its scheme to the next space, quote or angle bracket. */
const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]+/gi;

/** Redact every URL inside free text (messages from lower layers may embed one). */
export function redactUrlsIn(text: string): string {
  return text.replace(URL_IN_TEXT, (match) => redactUrl(match));
}

/**
 * How a message names an index: scheme, host and port only. A path can hold a token
 * (`https://pkgs.example/TOKEN/simple/`, as Gemfury and others issue), and nothing tells a token
 * from a directory, so messages and evidence never show the path; the full URL, redacted, goes
 * only where it was asked for (`--verbose`, the JSON report's `errors[].url`).
 */
export function indexLabel(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.host !== '') return `${parsed.protocol}//${parsed.host}`;
    return `${parsed.protocol}//`;
  } catch {
    // Unparseable: the host is what follows the last `@` (or the `//`), up to a `/`, `?` or `#`.
    const scheme = SCHEME.exec(url)?.[0];
    if (scheme === undefined) return '(not a URL)';
    const rest = url.slice(scheme.length);
    const host = rest.slice(rest.lastIndexOf('@') + 1).split(/[/?#\s]/, 1)[0]!;
    return `${scheme.toLowerCase()}${host}`;
  }
}

// Distribution and metadata files: the last path segment of their URLs is a public file name.
const FILE_NAME = /\.(whl|tar\.gz|tgz|tar\.bz2|tar\.xz|zip|egg|metadata)$/i;

/**
 * How a message names any URL: `indexLabel`, plus the file name when the URL is a distribution
 * or metadata file (`https://host/.../pkg-1.0-py3-none-any.whl.metadata`), which says which file
 * without the directories above it.
 */
export function urlLabel(url: string): string {
  const label = indexLabel(url);
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    return label;
  }
  const last = path.slice(path.lastIndexOf('/') + 1);
  // ASCII dots, not an ellipsis: a label stays the same when it is redacted or labelled again.
  return FILE_NAME.test(last) ? `${label}/.../${last}` : label;
}

/** Every URL inside free text shown by its `urlLabel`: what messages and evidence carry. */
export function labelUrlsIn(text: string): string {
  return text.replace(URL_IN_TEXT, (match) => {
    // Punctuation after a URL belongs to the sentence ("on https://a/simple/, https://b/simple/").
    const tail = /[.,;:)\]]+$/.exec(match)?.[0] ?? '';
    return `${urlLabel(match.slice(0, match.length - tail.length))}${tail}`;
  });
}

/** The URL without userinfo: what goes on the wire once credentials moved to a header. */
export function stripCredentials(url: string): string {
  const parsed = new URL(url);
  parsed.username = '';
  parsed.password = '';
  return parsed.toString();
}
