/**
 * The two things a manifest's URL can say about where a project lives: a `file:` URL names a local
 * path, and a `#egg=` fragment names the project. One place for both, so every format reads them alike.
 */
import { cutAtFirst } from './text-scan.js';

/** The local path of a `file:` URL (relative ones kept relative), without fragment or query; null for other URLs. */
export function localPathOfFileUrl(url: string): string | null {
  const m = /^file:(?:\/\/(?:localhost(?=\/))?)?/i.exec(url);
  if (!m) return null;
  const rest = cutAtFirst(url.slice(m[0].length), '#?');
  try {
    return decodeURIComponent(rest);
  } catch {
    return rest; // a stray `%` is part of the name
  }
}

/**
 * The project name in a `#egg=` (or `&egg=`) fragment. Real files write `#egg=name`, `#egg=name-1.0`
 * (legacy) and even `#egg=name==1.0`: only the name is kept.
 */
export function eggName(url: string): string | null {
  const egg = /[#&]egg=([^&]+)/.exec(url);
  if (!egg) return null;
  // Without a legacy `-1.0` version: up to the first "-" followed by a digit.
  const value = egg[1]!;
  const version = /-\d/.exec(value);
  return /^[A-Za-z0-9._-]*[A-Za-z0-9]/.exec(version ? value.slice(0, version.index) : value)?.[0] ?? null;
}
