/**
 * Text that came from strangers (manifests, index responses) is cleaned before it reaches a
 * terminal: escape sequences could otherwise move the cursor, rewrite earlier lines or set the
 * window title.
 */

// C0 controls except tab and newline, DEL, and C1 controls (which include the 8-bit CSI).
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
// Bidirectional overrides can make a line read differently from what it contains.
const BIDI = /[\u202a-\u202e\u2066-\u2069]/g;

/** Remove control characters (keeping `\n` and `\t`). */
export function stripControl(text: string): string {
  return text.replace(CONTROL, '').replace(BIDI, '');
}

/** Like `stripControl`, and also folds newlines and tabs: for values shown inside one line. */
export function inline(text: string): string {
  return stripControl(text).replace(/[\n\t]+/g, ' ');
}
