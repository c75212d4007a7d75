/**
 * Splitting a long HTML body across several Creatio activities.
 *
 * Design:
 * - Lengths are UTF-16 code units (see truncate.ts). Every part is ≤ max.
 * - The HTML is read as a stream of units: tags, and text atoms — one grapheme
 *   cluster each, with an entity (&amp;, &#128512;) always inside one atom —
 *   so a cut can never land inside a tag, an entity, a surrogate pair or a
 *   grapheme cluster.
 * - A cut inside an element closes the open elements at the end of the part
 *   and reopens them, with the same attributes, at the start of the next one,
 *   so every part is well-formed on its own. An <ol> cut inside gets a start
 *   attribute so numbering continues.
 * - Parts are filled greedily. Among the cut points that fit and leave the
 *   part at least half full, the best kind wins: a block boundary (paragraph,
 *   list item, heading…), then a line break (<br>, a newline in <pre>, a table
 *   cell), then a space between words. Without one, the second half is a
 *   single long word: if it would fit whole in the next part the cut goes
 *   before it (a shorter part beats a split word), otherwise the part is
 *   filled and the word (a long URL, say) cut at a grapheme boundary.
 * - Text is never changed, added or dropped: the text content of the parts,
 *   concatenated, is the text content of the input. Only markup can change:
 *   comments are dropped, stray closing tags are dropped, unclosed elements are
 *   closed, an element whose tags are so long (a giant href) that reopening
 *   it could crowd out the text (open elements may cost at most half of max)
 *   is unwrapped — its content kept, the tags dropped — and a void tag longer
 *   than half of max (an image with a giant URL) is dropped.
 * - Sanitised input that fits comes back unchanged as the only part.
 */
import { CELL_ELEMENTS, ENTITY_PATTERN, LINE_ELEMENTS, PARAGRAPH_ELEMENTS, VOID_ELEMENTS, decodeEntity, tokenizeHtml } from './html';
import { assertMax, splitGraphemes } from './truncate';

/** Smallest max we accept: room for nesting plus the longest possible entity. */
export const MIN_SPLIT_MAX = 100;

/** Cut-point quality, best last. None: only when nothing else fits. */
const Cut = { None: 0, Grapheme: 1, Word: 2, Line: 3, Block: 4 } as const;
type Cut = (typeof Cut)[keyof typeof Cut];

interface OpenElement {
  name: string;
  raw: string;
  /** For <ol>: direct <li> children opened so far (numbering on reopen). */
  items: number;
}

type Unit =
  | { kind: 'text'; raw: string; after: Cut }
  | { kind: 'open'; raw: string; name: string }
  | { kind: 'close'; raw: string; name: string }
  | { kind: 'void'; raw: string; name: string };

const isBlock = (name: string): boolean => PARAGRAPH_ELEMENTS.has(name) || LINE_ELEMENTS.has(name);

/** Generous upper bound of what a start="…" attribute adds when an <ol> is reopened. */
const OL_START_ALLOWANCE = ' start="-2147483648"'.length;

/**
 * Splits HTML into parts of at most max UTF-16 code units each, every part
 * well-formed and cut at the best available boundary (see the file comment).
 * Returns one part when the (normalised) HTML fits, and [''] for ''. The
 * input is expected to be sanitised (sanitizeHtml / plainTextToHtml output);
 * anything else still yields well-formed parts with the same text.
 * Throws RangeError when max < MIN_SPLIT_MAX (a programming error).
 */
export function splitHtmlForColumn(html: string, max: number): string[] {
  const limit = assertMax(max);
  if (limit < MIN_SPLIT_MAX) throw new RangeError(`max must be at least ${MIN_SPLIT_MAX}, got ${max}`);
  const units = toUnits(html, limit);

  const parts: string[] = [];
  let stack: OpenElement[] = [];
  let i = 0;
  do {
    const reopened = stack.map((el, idx) => reopenTag(el, stack[idx + 1]));
    const prefix = reopened.join('');
    const end = chooseEnd(units, i, stack, reopened, limit);
    let body = prefix;
    for (let k = i; k < end; k++) {
      const u = units[k] as Unit;
      body += u.raw;
      stack = apply(stack, u);
    }
    for (let k = stack.length - 1; k >= 0; k--) body += closeTag((stack[k] as OpenElement).name);
    parts.push(body);
    i = end;
  } while (i < units.length);
  return parts;
}

/**
 * The end (exclusive unit index) of the part starting at `start`: everything
 * if it fits, else the best cut point within the limit.
 */
function chooseEnd(units: Unit[], start: number, stackAtStart: OpenElement[], reopened: string[], limit: number): number {
  // Only names matter for closing costs while scanning.
  const names = stackAtStart.map((el) => el.name);
  let closeLen = names.reduce((n, name) => n + closeTag(name).length, 0);
  const prefixLen = reopened.reduce((n, tag) => n + tag.length, 0);
  let len = prefixLen;
  // openCosts[d]: what the d outermost open elements cost a part (opening +
  // closing tags), so a part starting at a cut pays openCosts[depth] first.
  const openCosts: number[] = [0];
  stackAtStart.forEach((el, d) => {
    openCosts.push((openCosts[d] as number) + (reopened[d] as string).length + closeTag(el.name).length);
  });
  const best = new Map<Cut, { end: number; len: number; stackCost: number }>();
  let k = start;
  while (k < units.length) {
    const u = units[k] as Unit;
    let nextClose = closeLen;
    if (u.kind === 'open') nextClose += closeTag(u.name).length;
    else if (u.kind === 'close') nextClose -= closeTag(u.name).length;
    if (len + u.raw.length + nextClose > limit) break;
    len += u.raw.length;
    closeLen = nextClose;
    if (u.kind === 'open') {
      names.push(u.name);
      openCosts.push((openCosts[openCosts.length - 1] as number) + u.raw.length + closeTag(u.name).length);
    } else if (u.kind === 'close') {
      names.pop();
      openCosts.pop();
    }
    k++;
    best.set(cutQuality(units[k - 1] as Unit, units[k]), { end: k, len, stackCost: openCosts[openCosts.length - 1] as number });
  }
  if (k === units.length) return k;
  const halfFull = prefixLen + (limit - prefixLen) / 2;
  for (const q of [Cut.Block, Cut.Line, Cut.Word]) {
    const c = best.get(q);
    if (c && c.len >= halfFull) return c.end;
  }
  // No good cut in the second half: the text there is one long word. If that
  // word would fit whole in the next part, cut before it (a short part beats
  // a split word); if it is too long for any part, fill this one and cut it.
  const natural = [best.get(Cut.Block), best.get(Cut.Line), best.get(Cut.Word)].reduce<
    { end: number; len: number; stackCost: number } | undefined
  >((a, c) => (c && (!a || c.end > a.end) ? c : a), undefined);
  if (natural && natural.len > prefixLen && natural.stackCost + wordLength(units, natural.end) <= limit) return natural.end;
  const fallback = best.get(Cut.Grapheme) ?? natural ?? best.get(Cut.None);
  // toUnits guarantees one unit always fits after any prefix; if not, fail loudly rather than exceed the column.
  if (!fallback) throw new Error('splitHtmlForColumn: no unit fits in the part (internal invariant broken)');
  return fallback.end;
}

/**
 * Length of the units from `from` up to the next cut that is not mid-word,
 * plus closing tags for elements opened on the way (an estimate: the real
 * budget check happens when the next part is filled).
 */
function wordLength(units: Unit[], from: number): number {
  let len = 0;
  for (let k = from; k < units.length; k++) {
    const u = units[k] as Unit;
    // An opened element will need its closing tag; a closing tag was already counted.
    if (u.kind === 'open') len += u.raw.length + closeTag(u.name).length;
    else if (u.kind !== 'close') len += u.raw.length;
    const q = cutQuality(units[k] as Unit, units[k + 1]);
    if (q !== Cut.Grapheme && q !== Cut.None) break;
  }
  return len;
}

/** How good a cut between `prev` and `next` is. */
function cutQuality(prev: Unit, next: Unit | undefined): Cut {
  // Never leave an empty element at the end of a part or the start of the next.
  if (prev.kind === 'open' || next?.kind === 'close') return Cut.None;
  if (prev.kind === 'close' && isBlock(prev.name)) return Cut.Block;
  if (next?.kind === 'open' && isBlock(next.name)) return Cut.Block;
  if (prev.kind === 'void' && prev.name === 'hr') return Cut.Block;
  if (prev.kind === 'void' && prev.name === 'br') return Cut.Line;
  if (prev.kind === 'close' && CELL_ELEMENTS.has(prev.name)) return Cut.Line;
  if (prev.kind === 'text') return prev.after;
  return Cut.Grapheme;
}

function apply(stack: OpenElement[], u: Unit): OpenElement[] {
  if (u.kind === 'open') {
    const parent = stack[stack.length - 1];
    if (u.name === 'li' && parent?.name === 'ol') parent.items += 1;
    return [...stack, { name: u.name, raw: u.raw, items: 0 }];
  }
  if (u.kind === 'close') return stack.slice(0, -1);
  return stack;
}

const closeTag = (name: string): string => `</${name}>`;

/**
 * The opening tag to repeat at the start of a continuation part. An <ol> that
 * already showed items continues its numbering (the item cut in two shows its
 * number again, as a continuation).
 */
function reopenTag(el: OpenElement, child: OpenElement | undefined): string {
  if (el.name !== 'ol' || el.items === 0 || /\sreversed\b/i.test(el.raw)) return el.raw;
  const startAttr = /\sstart\s*=\s*(?:"\s*(-?\d+)\s*"|'\s*(-?\d+)\s*'|(-?\d+))/i.exec(el.raw);
  const base = startAttr ? Number(startAttr[1] ?? startAttr[2] ?? startAttr[3]) : 1;
  const insideItem = child?.name === 'li';
  const start = base + el.items - (insideItem ? 1 : 0);
  // Keep within the length budgeted by OL_START_ALLOWANCE.
  if (!Number.isSafeInteger(start) || String(start).length > 11 || (start === 1 && !startAttr)) return el.raw;
  const withoutStart = el.raw.replace(/\sstart\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+)/i, '');
  return withoutStart.replace(/\s*\/?>$/, ` start="${start}">`);
}

// ---------------------------------------------------------------------------
// HTML → units
// ---------------------------------------------------------------------------

/**
 * Tokens become units with well-nested open/close pairs: stray closing tags
 * are dropped, elements closed out of order or left open are closed, and
 * oversized tags are unwrapped (see the file comment). With max ≥
 * MIN_SPLIT_MAX this guarantees any single unit fits after any prefix: the
 * open-element stack costs ≤ max/2 and every other unit ≤ max/2.
 */
function toUnits(html: string, limit: number): Unit[] {
  const units: Unit[] = [];
  // Mirrors the nesting, including unwrapped elements (kept: false), so their
  // closing tags are recognised and dropped too.
  const stack: { name: string; kept: boolean; cost: number }[] = [];
  let stackCost = 0;
  const maxStackCost = limit / 2;
  const maxUnit = Math.floor(limit / 2);
  const inPre = (): boolean => stack.some((e) => e.name === 'pre');

  const closeTop = (): void => {
    const top = stack.pop();
    if (!top) return;
    if (top.kept) {
      units.push({ kind: 'close', raw: closeTag(top.name), name: top.name });
      stackCost -= top.cost;
    }
  };

  for (const token of tokenizeHtml(html)) {
    switch (token.kind) {
      case 'other':
        break; // comments and declarations show nothing
      case 'text':
        pushTextAtoms(units, token.raw, inPre(), maxUnit);
        break;
      case 'open': {
        if (VOID_ELEMENTS.has(token.name) || token.selfClosing) {
          // A void tag longer than half the part (an image with a giant URL) is dropped; it has no text.
          if (token.raw.length <= maxUnit) units.push({ kind: 'void', raw: token.raw, name: token.name });
          break;
        }
        const cost = token.raw.length + closeTag(token.name).length + (token.name === 'ol' ? OL_START_ALLOWANCE : 0);
        const kept = stackCost + cost <= maxStackCost;
        stack.push({ name: token.name, kept, cost });
        if (kept) {
          units.push({ kind: 'open', raw: token.raw, name: token.name });
          stackCost += cost;
        }
        break;
      }
      case 'close': {
        let depth = stack.length - 1;
        while (depth >= 0 && (stack[depth] as { name: string }).name !== token.name) depth--;
        if (depth < 0) break; // closes nothing: dropped
        while (stack.length > depth) closeTop();
        break;
      }
    }
  }
  while (stack.length > 0) closeTop();
  return units;
}

/**
 * One atom per grapheme cluster of the text the raw HTML stands for, each
 * carrying its raw source (entities intact). Grapheme boundaries are found on
 * the decoded text so that, for example, "e&#769;" (e + combining accent)
 * stays together.
 */
function pushTextAtoms(units: Unit[], raw: string, pre: boolean, maxUnit: number): void {
  // decoded[i] comes from raw[rawStart[i]…]; rawStart has a final sentinel.
  let decoded = '';
  const rawStart: number[] = [];
  let pos = 0;
  const addLiteral = (until: number): void => {
    for (; pos < until; pos++) {
      decoded += raw[pos];
      rawStart.push(pos);
    }
  };
  for (const m of raw.matchAll(ENTITY_PATTERN)) {
    const at = m.index ?? 0;
    addLiteral(at);
    // Unknown names stand in as U+FFFC: a character of their own, not whitespace.
    const value = decodeEntity(m[0]) ?? '\uFFFC';
    for (let j = 0; j < value.length; j++) {
      decoded += value[j];
      rawStart.push(j === 0 ? at : -1); // -1: not a place where a cut may fall
    }
    pos = at + m[0].length;
  }
  addLiteral(raw.length);
  rawStart.push(raw.length);

  let d = 0;
  for (const g of splitGraphemes(decoded)) {
    const from = rawStart[d] as number;
    d += g.length;
    const to = rawStart[d] as number;
    if (from < 0 || to < 0) continue; // cannot happen: an entity decodes to one code point
    const atomRaw = raw.slice(from, to);
    if (atomRaw.length > maxUnit) {
      // A pathological cluster (hundreds of combining marks): cut between code points.
      for (const piece of codePointPieces(atomRaw)) units.push({ kind: 'text', raw: piece, after: Cut.Grapheme });
      continue;
    }
    units.push({ kind: 'text', raw: atomRaw, after: atomCut(g, pre) });
  }
}

/** Where the text itself allows a break after this cluster. */
function atomCut(grapheme: string, pre: boolean): Cut {
  if (grapheme === '\n' || grapheme === '\r\n') return pre ? Cut.Line : Cut.Word;
  // Breaking spaces only: a no-break space (U+00A0, &nbsp;) is not a word boundary.
  if (/^[ \t\f\r\u2000-\u200A\u3000]$/u.test(grapheme)) return Cut.Word;
  return Cut.Grapheme;
}

/** Splits raw text into code points, keeping entities whole. */
function codePointPieces(raw: string): string[] {
  const pieces: string[] = [];
  let pos = 0;
  for (const m of raw.matchAll(ENTITY_PATTERN)) {
    const at = m.index ?? 0;
    pieces.push(...Array.from(raw.slice(pos, at)));
    pieces.push(m[0]);
    pos = at + m[0].length;
  }
  pieces.push(...Array.from(raw.slice(pos)));
  return pieces;
}
