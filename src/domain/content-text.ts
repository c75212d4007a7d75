/**
 * Small plain-text helpers shared by the content functions (html.ts,
 * truncate.ts, content.ts, content-split.ts). Pure: no I/O, plain JS + Intl.
 */

/**
 * C0 control characters other than tab, LF and CR, plus DEL. PostgreSQL (under
 * Creatio) rejects U+0000 in text outright, and XML/HTML treat the others as
 * errors; none of them is visible, so dropping them is the only change we make
 * to a message's characters.
 */
const CONTROL_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g;

/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Makes a string storable as-is: removes invisible control characters and
 * replaces lone surrogates (which cannot be encoded as UTF-8, so the JSON body
 * or the database would mangle or reject them) with U+FFFD.
 */
export function cleanText(s: string): string {
  return s.replace(CONTROL_CHARS, '').replace(LONE_SURROGATE, '\uFFFD');
}

/** \r\n and lone \r become \n, so every later step sees one kind of line break. */
export function normalizeNewlines(s: string): string {
  return s.replace(/\r\n?/g, '\n');
}

/**
 * One line of plain text: every run of whitespace (including line breaks,
 * tabs, no-break and ideographic spaces) becomes one space; ends trimmed.
 */
export function collapseWhitespace(s: string): string {
  return cleanText(s).replace(/\s+/gu, ' ').trim();
}

/**
 * Strong right-to-left letters (Hebrew, Arabic, Syriac, Thaana, NKo, Samaritan,
 * Mandaic and their presentation forms, plus the RTL supplementary blocks).
 * Used to decide when a paragraph gets dir="auto".
 */
const RTL_CHAR =
  /[\u0590-\u08FF\uFB1D-\uFDFF\uFE70-\uFEFF]|\uD802[\uDC00-\uDFFF]|\uD803[\uDC00-\uDE7F]|\uD83A[\uDC00-\uDFFF]|\uD83B[\uDC00-\uDEFF]/;

export function containsRtl(s: string): boolean {
  return RTL_CHAR.test(s);
}
