/**
 * Length-limited text, cut only where a reader sees a character boundary.
 *
 * Length unit: UTF-16 code units, i.e. JavaScript's `string.length`. Creatio's
 * string columns are .NET strings stored as nvarchar/varchar(N) (MS SQL counts
 * UTF-16 code units, PostgreSQL counts code points, which is never more), so a
 * string whose `.length` ≤ N always fits. An emoji such as 👍 counts as 2, the
 * family 👩‍👩‍👧‍👦 as 11.
 */

// Grapheme rules (UAX #29) are the same in every locale; the tag only pins it.
const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

/** Rejects limits that are programming errors rather than data. */
export function assertMax(max: number, name = 'max'): number {
  if (Number.isNaN(max) || max < 0) throw new RangeError(`${name} must be a number ≥ 0, got ${max}`);
  return Math.floor(max);
}

/*
 * V8's grapheme segmenter slows down with the length of the string it works
 * on (segmenting 100,000 characters in one go takes seconds, 200,000 a
 * minute), so long strings are segmented in chunks cut at positions that are
 * certainly cluster boundaries, and pure-ASCII chunks skip the segmenter.
 */

const CHUNK = 256;

/** Characters that attach to the character before them (no boundary before). */
const JOINS_PREVIOUS = /[\p{Grapheme_Extend}\p{Mc}\u200D\u0E33\u0EB3\u{1F3FB}-\u{1F3FF}\uDC00-\uDFFF]/u;

/**
 * Characters that may attach to the character after them: Prepend
 * (Unicode 15.1 list), ZWJ, regional indicators (flags pair up), Hangul jamo
 * and syllables, and combining marks (Indic conjuncts, GB9c).
 */
const JOINS_NEXT =
  /[\p{M}\u200D\u0600-\u0605\u06DD\u070F\u0890\u0891\u08E2\u0D4E\u{110BD}\u{110CD}\u{111C2}\u{111C3}\u{1193F}\u{11941}\u{11A3A}\u{11A84}-\u{11A89}\u{11D46}\u{11F02}\u{1F1E6}-\u{1F1FF}\u1100-\u11FF\uA960-\uA97F\uAC00-\uD7A3\uD7B0-\uD7FF]/u;

/**
 * True when position p (0 < p < s.length) is a grapheme boundary whatever
 * the rest of the string is: by UAX #29, only the character right after a
 * boundary and the characters before it matter, and these classes cover every
 * rule that can suppress a break (GB3–GB13).
 */
export function isCertainBoundary(s: string, p: number): boolean {
  const before = s.charCodeAt(p - 1);
  const after = s.charCodeAt(p);
  if (before === 0x0d) return after !== 0x0a; // CR × LF
  if (before === 0x0a || after === 0x0a || after === 0x0d) return true; // around line breaks, always
  const next = String.fromCodePoint(s.codePointAt(p) ?? 0);
  if (JOINS_PREVIOUS.test(next)) return false;
  // The code point ending at p - 1 (step back over a surrogate pair).
  const startPrev = before >= 0xdc00 && before <= 0xdfff && p >= 2 ? p - 2 : p - 1;
  const prev = String.fromCodePoint(s.codePointAt(startPrev) ?? 0);
  return !JOINS_NEXT.test(prev);
}

/** The first certain boundary at or after `from`, or s.length. */
function certainBoundaryFrom(s: string, from: number): number {
  for (let p = Math.max(1, from); p < s.length; p++) if (isCertainBoundary(s, p)) return p;
  return s.length;
}

/** The last certain boundary at or before `from`, or 0. */
function certainBoundaryUpTo(s: string, from: number): number {
  for (let p = Math.min(from, s.length - 1); p > 0; p--) if (isCertainBoundary(s, p)) return p;
  return 0;
}

function pushClusters(out: string[], chunk: string): void {
  // ASCII: every character is a cluster, except CR LF.
  if (/^[\x00-\x7F]*$/.test(chunk) && !chunk.includes('\r\n')) {
    for (let i = 0; i < chunk.length; i++) out.push(chunk.charAt(i));
    return;
  }
  for (const seg of graphemes.segment(chunk)) out.push(seg.segment);
}

/** The grapheme clusters of s, in order. `chunk` is the work size (tests vary it). */
export function splitGraphemes(s: string, chunk = CHUNK): string[] {
  const out: string[] = [];
  let start = 0;
  while (start < s.length) {
    const end = s.length - start <= chunk ? s.length : certainBoundaryFrom(s, start + chunk);
    pushClusters(out, s.slice(start, end));
    start = end;
  }
  return out;
}

/**
 * The largest grapheme-cluster boundary ≤ pos (0 and s.length are boundaries).
 * Only the text around pos is segmented, so this is cheap on long strings.
 */
export function graphemeBoundaryAtOrBefore(s: string, pos: number): number {
  if (pos >= s.length) return s.length;
  if (pos <= 0) return 0;
  if (isCertainBoundary(s, pos)) return pos;
  const from = certainBoundaryUpTo(s, pos);
  const to = certainBoundaryFrom(s, pos + 1);
  let at = from;
  for (const cluster of splitGraphemes(s.slice(from, to))) {
    if (at + cluster.length > pos) break;
    at += cluster.length;
  }
  return at;
}

/**
 * Cuts s so that the result, marker included, is at most max UTF-16 code units,
 * never inside a surrogate pair or a grapheme cluster (ZWJ sequences, skin
 * tones, flags, combining marks). Whitespace before the marker is dropped.
 * Strings that fit are returned unchanged. If the marker alone is longer than
 * max it is left out (the limit wins). A single cluster longer than the budget
 * (only pathological stacks of combining marks) is dropped rather than split.
 */
export function truncateText(s: string, max: number, marker = '…'): string {
  const limit = assertMax(max);
  if (s.length <= limit) return s;
  const mark = marker.length <= limit ? marker : '';
  const cut = graphemeBoundaryAtOrBefore(s, limit - mark.length);
  return s.slice(0, cut).trimEnd() + mark;
}

/**
 * Like truncateText, but for human-read titles: when a word boundary lies in
 * the last fifth of the budget, cuts there instead of mid-word. Scripts
 * without spaces (Chinese, Japanese, Thai) fall back to the grapheme cut.
 */
export function truncateAtWord(s: string, max: number, marker = '…'): string {
  const limit = assertMax(max);
  if (s.length <= limit) return s;
  const mark = marker.length <= limit ? marker : '';
  const budget = limit - mark.length;
  const cut = graphemeBoundaryAtOrBefore(s, budget);
  // If the cut already sits right before whitespace, it is a word boundary.
  if (!/\s/u.test(s.charAt(cut))) {
    const window = Math.max(1, Math.floor(budget / 5));
    const head = s.slice(0, cut);
    const m = /\s\S*$/u.exec(head);
    if (m && m.index > 0 && m.index >= cut - window && graphemeBoundaryAtOrBefore(s, m.index) === m.index) {
      return head.slice(0, m.index).trimEnd() + mark;
    }
  }
  return s.slice(0, cut).trimEnd() + mark;
}
