// Makes capture-derived text safe for a terminal: control, format and bidi characters become visible escapes.

/**
 * C0 controls (tab and newline included), DEL and C1 controls become `\xNN`; bidi embeddings/overrides/isolates
 * (U+202A-202E, U+2066-2069), marks (U+200E/F, U+061C), zero-width and line/paragraph separators and the BOM become
 * `\u{...}`. Everything else, backslash included, is left as it is. A lone surrogate becomes `\u{D8xx}`.
 */
export function escapeTerminal(s: string): string {
  // Fast path: most capture strings are plain printable ASCII.
  let plain = true;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c >= 0x7f) {
      plain = false;
      break;
    }
  }
  if (plain) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) {
      out += '\\x' + c.toString(16).toUpperCase().padStart(2, '0');
    } else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && s.charCodeAt(i + 1) >= 0xdc00 && s.charCodeAt(i + 1) <= 0xdfff) {
      out += s[i] + s[i + 1];
      i++;
    } else if ((c >= 0xd800 && c <= 0xdfff) || isInvisible(c)) {
      out += '\\u{' + c.toString(16).toUpperCase() + '}';
    } else {
      out += s[i];
    }
  }
  return out;
}

function isInvisible(c: number): boolean {
  return (
    (c >= 0x202a && c <= 0x202e) ||
    (c >= 0x2066 && c <= 0x2069) ||
    (c >= 0x200b && c <= 0x200f) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x061c ||
    c === 0xfeff
  );
}
