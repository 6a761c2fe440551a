// JSON for terminals and files: a serializer (never string concatenation), with C1 controls, bidi and invisible
// characters escaped as \uXXXX as well (JSON.stringify escapes only C0 controls), so a capture's text cannot steer a
// terminal that shows the document.

const UNSAFE = /[\u007f-\u009f\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g;

export function safeJson(doc: unknown, indent = 2): string {
  return JSON.stringify(doc, null, indent).replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
