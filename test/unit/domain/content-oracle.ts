/**
 * Test-side oracles for the content functions, written independently of the
 * code under test (no shared tokenizer), plus a seeded random generator so
 * the property-style loops are reproducible.
 */
import sanitize from 'sanitize-html';

/** Deterministic PRNG (mulberry32): same seed, same inputs, every run. */
export function rng(seed: number): { int(lo: number, hi: number): number; pick<T>(xs: readonly T[]): T; chance(p: number): boolean } {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: (xs) => xs[Math.floor(next() * xs.length)] as (typeof xs)[number],
    chance: (p) => next() < p,
  };
}

/**
 * DOM-style textContent: the characters of all text nodes, entities decoded
 * by htmlparser2 (through sanitize-html with no tags allowed), nothing added.
 */
export function textContent(html: string): string {
  const stripped = sanitize(html, { allowedTags: [], allowedAttributes: {} });
  return stripped.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/**
 * Grapheme cluster boundaries (code-unit offsets, 0 and length included).
 * V8's segmenter is quadratic on long strings, so the text is first cut where
 * a boundary is obvious — before an ASCII letter or digit that follows a
 * space or a newline — and each piece is segmented on its own.
 */
export function graphemeBoundaries(s: string): Set<number> {
  const seg = new Intl.Segmenter('en', { granularity: 'grapheme' });
  const out = new Set<number>([0, s.length]);
  let start = 0;
  const cut = /[ \n](?=[A-Za-z0-9])/g;
  const segmentPiece = (end: number): void => {
    for (const g of seg.segment(s.slice(start, end))) out.add(start + g.index);
    start = end;
  };
  for (let m = cut.exec(s); m; m = cut.exec(s)) if (m.index + 1 - start > 200) segmentPiece(m.index + 1);
  segmentPiece(s.length);
  return out;
}

const VOID = new Set(['br', 'hr', 'img', 'wbr']);

/**
 * Problems that make a fragment not well-formed on its own: unbalanced or
 * misnested tags, '<' or '>' in text, '&' not starting a complete entity,
 * lone surrogates. Empty list = fine. Expects double-quoted attributes (what
 * our HTML producers write).
 */
export function wellFormedProblems(html: string): string[] {
  const problems: string[] = [];
  if (/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(html)) problems.push('lone surrogate');
  const tagRe = /<(\/?)([a-z][a-z0-9]*)((?:\s+[a-z-]+(?:="[^"<>]*")?)*)\s*(\/?)>/g;
  const stack: string[] = [];
  let last = 0;
  const checkText = (text: string, at: number): void => {
    if (/[<>]/.test(text)) problems.push(`raw < or > in text at ${at}: ${JSON.stringify(text.slice(0, 40))}`);
    const amp = /&/g;
    for (let m = amp.exec(text); m; m = amp.exec(text)) {
      if (!/^&(?:#[0-9]+|#x[0-9a-f]+|[a-z][a-z0-9]*);/i.test(text.slice(m.index, m.index + 40))) {
        problems.push(`broken entity at ${at + m.index}: ${JSON.stringify(text.slice(m.index, m.index + 12))}`);
      }
    }
  };
  for (let m = tagRe.exec(html); m; m = tagRe.exec(html)) {
    checkText(html.slice(last, m.index), last);
    last = m.index + m[0].length;
    const [, slash, name = ''] = m;
    if (VOID.has(name) || m[4] === '/') continue;
    if (slash) {
      const top = stack.pop();
      if (top !== name) problems.push(`</${name}> closes <${top ?? 'nothing'}>`);
    } else {
      stack.push(name);
    }
  }
  checkText(html.slice(last), last);
  if (stack.length) problems.push(`unclosed: ${stack.join(',')}`);
  return problems;
}

/** Building blocks for generated text: every kind of character that has hurt someone. */
export const CLUSTERS = [
  'a', 'b', 'Z', '0', '.', ',', ' ', ' ', ' ', '  ',
  '<', '>', '&', '"', "'", '&amp;', ';',
  'é', 'e\u0301', 'n\u0303', 'ß',
  '👍', '👍🏽', '👩‍👩‍👧‍👦', '🏳️‍🌈', '🇵🇹', '🇯🇵', '❤️', '1️⃣',
  'שלום', 'مرحبا', 'لا', 'ー', '日本語', 'ก่', '\u00A0', '\t',
] as const;

export function randomText(r: ReturnType<typeof rng>, clusters: number, extra: readonly string[] = []): string {
  const pool = [...CLUSTERS, ...extra];
  let s = '';
  for (let i = 0; i < clusters; i++) s += r.pick(pool);
  return s;
}
