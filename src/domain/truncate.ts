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

/**
 * The largest grapheme-cluster boundary ≤ pos (0 and s.length are boundaries).
 * Only the text around pos is examined, so this is cheap on long strings.
 */
export function graphemeBoundaryAtOrBefore(s: string, pos: number): number {
  if (pos >= s.length) return s.length;
  if (pos <= 0) return 0;
  // `containing(pos)` is the cluster holding code unit pos; it starts at or before pos.
  const seg = graphemes.segment(s).containing(pos);
  return seg ? seg.index : pos;
}

/** The grapheme clusters of s, in order. */
export function splitGraphemes(s: string): string[] {
  const out: string[] = [];
  for (const seg of graphemes.segment(s)) out.push(seg.segment);
  return out;
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
