/**
 * Credentials reach the index in URLs (`https://user:token@host/simple`), query strings
 * (`?token=…`) and netrc. Every URL that may reach a message, a log line or a cache file goes
 * through `redactUrl` first.
 */

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
