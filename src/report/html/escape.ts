// HTML/XML escaping for capture-derived text: markup characters become entities, invisible characters visible escapes.

import { escapeTerminal } from '../../util/escape.js';

const ENTITY: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * Safe in element content and in quoted attribute values of HTML and SVG/XML. Control characters, bidi
 * overrides/isolates, zero-width characters and lone surrogates are first made visible (`\x1B`, `\u{202E}`) so a
 * capture cannot reorder or hide what the report shows; then `& < > " '` become entities.
 */
export function escapeHtml(value: unknown): string {
  const s = escapeTerminal(String(value ?? ''));
  return s.replace(/[&<>"']/g, (c) => ENTITY[c]);
}

/** Shortens to at most `max` characters (before escaping), marking the cut with an ellipsis. */
export function clip(s: string, max: number): string {
  if (s.length <= max) return s;
  // Do not split a surrogate pair.
  let end = max - 1;
  const c = s.charCodeAt(end - 1);
  if (c >= 0xd800 && c <= 0xdbff) end--;
  return s.slice(0, end) + '\u2026';
}
