import { graphemeBoundaryAtOrBefore, isCertainBoundary, splitGraphemes, truncateAtWord, truncateText } from '../../../src/domain/truncate';
import { graphemeBoundaries, randomText, rng } from './content-oracle';

const FAMILY = '👩‍👩‍👧‍👦'; // 11 code units, one cluster
const FLAG = '🇵🇹'; // 4
const THUMB = '👍🏽'; // 4
const E_ACUTE = 'e\u0301'; // 2

describe('truncateText', () => {
  it('returns strings that fit unchanged, including exactly max', () => {
    expect(truncateText('', 0)).toBe('');
    expect(truncateText('hello', 5)).toBe('hello');
    expect(truncateText(FAMILY, 11)).toBe(FAMILY);
  });

  it('cuts with the marker counted in the limit', () => {
    expect(truncateText('Hello world', 8)).toBe('Hello w…');
    expect(truncateText('Hello world', 8, '...')).toBe('Hello...');
    expect(truncateText('abcdef', 5, ' [cut]')).toBe('abcde'); // marker longer than the limit: left out
  });

  it('drops whitespace before the marker', () => {
    expect(truncateText('Hello     world', 9)).toBe('Hello…');
  });

  it.each([
    ['a family emoji (ZWJ sequence)', `ab${FAMILY}cd`, 5, 'ab…'],
    ['a family emoji that just fits', `ab${FAMILY}cd`, 14, `ab${FAMILY}…`],
    ['a flag', `ab${FLAG}cd`, 5, 'ab…'],
    ['a skin-tone emoji', `ab${THUMB}cd`, 5, 'ab…'],
    ['a combining accent', `caf${E_ACUTE}s`, 5, 'caf…'],
    ['a surrogate pair', 'ab😀cd', 4, 'ab…'],
  ])('never cuts inside %s', (_label, s, max, expected) => {
    expect(truncateText(s, max)).toBe(expected);
  });

  it('keeps right-to-left text in logical order', () => {
    expect(truncateText('שלום עולם ומלואו', 10)).toBe('שלום עולם…');
    expect(truncateText('مرحبا بكم في الدعم', 9)).toBe('مرحبا بك…');
  });

  it('rejects a negative or NaN limit', () => {
    expect(() => truncateText('x', -1)).toThrow(RangeError);
    expect(() => truncateText('x', Number.NaN)).toThrow(RangeError);
  });

  it('respects the limit and cluster boundaries for every max over many generated strings', () => {
    const r = rng(3);
    const problems: string[] = [];
    for (let n = 0; n < 150; n++) {
      const s = randomText(r, r.int(1, 30));
      const bounds = graphemeBoundaries(s);
      for (let max = 0; max <= s.length + 1; max++) {
        const out = truncateText(s, max);
        const fail = (why: string): void => void problems.push(`${why}: ${JSON.stringify(s)} max=${max} → ${JSON.stringify(out)}`);
        if (out.length > max) fail('too long');
        if (s.length <= max) {
          if (out !== s) fail('changed although it fits');
          continue;
        }
        if (out.endsWith('…') !== max >= 1) fail('marker missing or unexpected');
        const head = out.endsWith('…') ? out.slice(0, -1) : out;
        if (!s.startsWith(head)) fail('not a prefix');
        // The kept text ends on a cluster boundary of the original…
        if (!bounds.has(head.length)) fail('cut inside a cluster');
        // …and is the longest such cut, give or take the trimmed whitespace.
        for (const b of bounds) {
          if (b > head.length && b <= max - 1 && s.slice(head.length, b).trim() !== '') fail(`a longer cut at ${b} fits`);
        }
      }
    }
    expect(problems).toEqual([]);
  });
});

describe('truncateAtWord', () => {
  it('cuts at the last space when one is near the end', () => {
    expect(truncateAtWord('The quick brown fox jumps', 20)).toBe('The quick brown fox…');
    expect(truncateAtWord('The quick brown fox jumps', 18)).toBe('The quick brown…');
  });

  it('cuts mid-word when the last space is far back, and in scripts without spaces', () => {
    expect(truncateAtWord('Hi Supercalifragilisticexpialidocious', 20)).toBe('Hi Supercalifragili…');
    expect(truncateAtWord('日本語のテキストはスペースがありません', 10)).toBe('日本語のテキストは…');
  });

  it('never cuts a cluster and respects the limit over many generated strings', () => {
    const r = rng(5);
    const problems: string[] = [];
    for (let n = 0; n < 150; n++) {
      const s = randomText(r, r.int(1, 40));
      const bounds = graphemeBoundaries(s);
      for (let max = 0; max <= s.length + 1; max++) {
        const out = truncateAtWord(s, max);
        const head = out === s ? s : out.replace(/…$/, '');
        const fail = (why: string): void => void problems.push(`${why}: ${JSON.stringify(s)} max=${max} → ${JSON.stringify(out)}`);
        if (out.length > max) fail('too long');
        if (!s.startsWith(head)) fail('not a prefix');
        if (!bounds.has(head.length)) fail('cut inside a cluster');
      }
    }
    expect(problems).toEqual([]);
  });
});

describe('grapheme helpers', () => {
  it('finds the cluster start at or before a position', () => {
    const s = `a${FAMILY}b`;
    expect(graphemeBoundaryAtOrBefore(s, 0)).toBe(0);
    expect(graphemeBoundaryAtOrBefore(s, 1)).toBe(1);
    expect(graphemeBoundaryAtOrBefore(s, 5)).toBe(1);
    expect(graphemeBoundaryAtOrBefore(s, 12)).toBe(12);
    expect(graphemeBoundaryAtOrBefore(s, 99)).toBe(s.length);
    expect(splitGraphemes(`${FLAG}${THUMB}${E_ACUTE}x`)).toEqual([FLAG, THUMB, E_ACUTE, 'x']);
  });

  // Clusters where a break is suppressed by context: CR LF, prepend, Hangul
  // jamo, Indic conjuncts, Thai SARA AM, keycaps, flag pairs, ZWJ sequences.
  const NASTY = [
    '\r\n', '\r', '\n', '\u0600\u0661', '\u1100\u1161\u11A8', '\uAC00\u11A8', '각', 'क्ष', 'क्‍ष', 'स्त्र',
    'ก\u0E33', 'ำ', '1\uFE0F\u20E3', '🇵', '🇹', '🇵🇹🇯', '\u200D', '👩\u200D', '\u0301', '\uFF76\uFF9E', '\u{1F3FD}',
    '\uD83D', '\uDE00', 'a', ' ', 'ー',
  ];

  it('segments in chunks exactly as the segmenter does on the whole string', () => {
    const segmenter = new Intl.Segmenter('en', { granularity: 'grapheme' });
    const r = rng(29);
    const problems: string[] = [];
    for (let n = 0; n < 400; n++) {
      const s = randomText(r, r.int(0, 40), NASTY);
      const expected = [...segmenter.segment(s)].map((g) => g.segment);
      for (const chunk of [1, 2, 3, 5, 8, 256]) {
        const got = splitGraphemes(s, chunk);
        if (JSON.stringify(got) !== JSON.stringify(expected)) problems.push(`chunk ${chunk}: ${JSON.stringify(s)}`);
      }
      const bounds = new Set([0, s.length, ...[...segmenter.segment(s)].map((g) => g.index)]);
      for (let p = 1; p < s.length; p++) {
        if (isCertainBoundary(s, p) && !bounds.has(p)) problems.push(`not a boundary at ${p}: ${JSON.stringify(s)}`);
        const at = graphemeBoundaryAtOrBefore(s, p);
        const want = Math.max(...[...bounds].filter((b) => b <= p));
        if (at !== want) problems.push(`boundary before ${p} is ${want}, got ${at}: ${JSON.stringify(s)}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('stays fast on very long text (the segmenter alone is quadratic)', () => {
    const text = 'word 👋🏽 مرحبا '.repeat(15000); // 240,000 code units, 13 clusters per repeat
    const started = Date.now();
    const clusters = splitGraphemes(text);
    const tookMs = Date.now() - started;
    expect(clusters.join('')).toBe(text);
    expect(clusters.length).toBe(13 * 15000);
    // Unchunked this takes about a minute; generous bound for slow machines.
    expect(tookMs).toBeLessThan(5000);
  });
});
