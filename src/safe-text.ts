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

/** Replace `user:password@` with `***@` and secret-looking query values with `***`. */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Not a URL we can parse: strip anything that looks like userinfo before an `@`.
    return url.replace(/\/\/[^/@\s]*@/g, '//***@');
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

/** Redact every URL inside free text (messages from lower layers may embed one). */
export function redactUrlsIn(text: string): string {
  return text.replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]+/gi, (match) => redactUrl(match));
}

/** The URL without userinfo: what goes on the wire once credentials moved to a header. */
export function stripCredentials(url: string): string {
  const parsed = new URL(url);
  parsed.username = '';
  parsed.password = '';
  return parsed.toString();
}
