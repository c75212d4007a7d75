import { MIN_SPLIT_MAX, splitHtmlForColumn } from '../../../src/domain/content-split';
import { plainTextToHtml, sanitizeHtml } from '../../../src/domain/html';
import { graphemeBoundaries, randomText, rng, textContent, wellFormedProblems } from './content-oracle';

/**
 * Everything a split must guarantee, as a list of problems (empty = fine):
 * each part ≤ max and well-formed; the parts' text, joined, is the input's
 * text; every cut falls on a grapheme boundary of that text.
 */
function splitProblems(html: string, parts: string[], max: number): string[] {
  const problems: string[] = [];
  if (parts.length === 0) problems.push('no parts');
  const whole = textContent(html);
  const bounds = graphemeBoundaries(whole);
  let offset = 0;
  parts.forEach((part, i) => {
    if (part.length > max) problems.push(`part ${i} has ${part.length} > ${max} code units`);
    for (const p of wellFormedProblems(part)) problems.push(`part ${i}: ${p}`);
    offset += textContent(part).length;
    if (!bounds.has(offset)) problems.push(`cut after part ${i} at text offset ${offset} is inside a grapheme cluster`);
  });
  const joined = parts.map(textContent).join('');
  if (joined !== whole) problems.push(`text differs: ${joined.length} vs ${whole.length} chars`);
  return problems;
}

/** A realistic long chat message: paragraphs, lines, emoji, RTL, markup characters. */
function longMessage(length: number, seed: number): string {
  const r = rng(seed);
  const sentences = [
    'My order #4521 still has not arrived & the tracking page says <pending>.',
    'Could you check again?',
    'مرحبا، لم يصل طلبي بعد.',
    'שלום, ההזמנה שלי עדיין לא הגיעה.',
    'Thanks 👍🏽 — the family 👩‍👩‍👧‍👦 is waiting 🇵🇹!',
    'Price was 5 < 7 "quoted" and it\'s fine.',
    'e\u0301le\u0300ve café naïve',
    '日本語のテキストも含まれています。',
  ];
  let s = '';
  while (s.length < length) {
    s += r.pick(sentences);
    s += r.pick([' ', ' ', ' ', '  ', '\n', '\n\n']);
  }
  return s.slice(0, length);
}

describe('splitHtmlForColumn', () => {
  it('returns one part when the HTML fits, unchanged', () => {
    const html = `<p>Hello <b>Ana</b> 👩‍👩‍👧‍👦 &amp; مرحبا</p><ul><li>one</li></ul>${'<p>more</p>'.repeat(10)}`;
    expect(html.length).toBeGreaterThan(MIN_SPLIT_MAX);
    expect(splitHtmlForColumn(html, 4000)).toEqual([html]);
    expect(splitHtmlForColumn(html, html.length)).toEqual([html]);
    expect(splitHtmlForColumn(html, html.length - 1)).toHaveLength(2);
  });

  it('returns one empty part for empty input', () => {
    expect(splitHtmlForColumn('', 4000)).toEqual(['']);
  });

  it('rejects a max too small to hold nesting and an entity', () => {
    expect(() => splitHtmlForColumn('<p>x</p>', MIN_SPLIT_MAX - 1)).toThrow(RangeError);
  });

  it.each([4000, 30000])('splits a 60,000-character message at max %i with every guarantee', (max) => {
    const text = longMessage(60000, max);
    const html = plainTextToHtml(text);
    expect(html.length).toBeGreaterThan(60000);
    const parts = splitHtmlForColumn(html, max);
    expect(splitProblems(html, parts, max)).toEqual([]);
    // Greedy filling with "at least half full" cuts: never more than twice the minimum.
    expect(parts.length).toBeGreaterThanOrEqual(Math.ceil(html.length / max));
    expect(parts.length).toBeLessThanOrEqual(2 * Math.ceil(html.length / max) + 1);
    // Paragraphs are short, so every cut falls between them: no tag closed or reopened.
    expect(parts.join('')).toBe(html);
  });

  it('splits a 200,000-character single paragraph quickly', () => {
    const html = plainTextToHtml('lorem ipsum 👋🏽 مرحبا '.repeat(10000));
    const started = Date.now();
    const parts = splitHtmlForColumn(html, 4000);
    const tookMs = Date.now() - started;
    expect(splitProblems(html, parts, 4000)).toEqual([]);
    // Generous bound for slow machines; segmenting the paragraph in one go took tens of seconds.
    expect(tookMs).toBeLessThan(5000);
  });

  it('cuts at paragraph boundaries when they leave parts at least half full', () => {
    const a = `<p>${'a'.repeat(120)}</p>`;
    const b = `<p>${'b '.repeat(60)}</p>`;
    const c = `<p>${'c'.repeat(90)}</p>`;
    expect(splitHtmlForColumn(a + b + c, 200)).toEqual([a, b, c]);
  });

  it('prefers a line break to a space, and a space to a mid-word cut', () => {
    const lines = `<p>${'one two three four five six '.repeat(3)}<br>${'x'.repeat(30)} ${'y'.repeat(30)} ${'z'.repeat(60)}</p>`;
    const parts = splitHtmlForColumn(lines, 120);
    expect(splitProblems(lines, parts, 120)).toEqual([]);
    expect(parts[0]).toMatch(/<br><\/p>$/);
    expect(parts[1]).toMatch(/^<p>x+ y+ <\/p>$/);
  });

  it('splits a very long single word (a URL) at grapheme boundaries, inside its link', () => {
    const url = `https://example.com/${'path/'.repeat(2000)}end`;
    const html = sanitizeHtml(`<p>See <a href="https://example.com/short">${url}</a> now</p>`);
    const parts = splitHtmlForColumn(html, 4000);
    expect(splitProblems(html, parts, 4000)).toEqual([]);
    expect(parts.length).toBeGreaterThan(2);
    // The link is closed at the end of each part and reopened with its attributes.
    for (const part of parts.slice(1, -1)) {
      expect(part.startsWith('<p><a href="https://example.com/short" rel="noopener noreferrer">')).toBe(true);
      expect(part.endsWith('</a></p>')).toBe(true);
    }
  });

  it('unwraps an element whose tags alone would crowd out the text, keeping the text', () => {
    const href = `https://example.com/?q=${'q'.repeat(3000)}`;
    const html = `<p><a href="${href}">${'link text '.repeat(500)}</a></p>`;
    const parts = splitHtmlForColumn(html, 4000);
    expect(splitProblems(html, parts, 4000)).toEqual([]);
    expect(parts.join('')).not.toContain(href);
  });

  it('keeps nested lists well-formed across cuts and continues the numbering', () => {
    const item = (n: number): string => `<li>Item ${n} ${'words '.repeat(8)}<ul><li>sub ${n}a</li><li>sub ${n}b</li></ul></li>`;
    let html = '<ol>';
    for (let n = 1; n <= 12; n++) html += item(n);
    html += '</ol>';
    const parts = splitHtmlForColumn(html, 150);
    expect(splitProblems(html, parts, 150)).toEqual([]);
    expect(parts.length).toBeGreaterThan(3);
    for (const part of parts) expect(part).toMatch(/^<ol( start="\d+")?><li>/);
    // Each continuation starts numbering at the first item it shows.
    for (const part of parts.slice(1)) {
      const first = /^<ol start="(\d+)"><li>(?:Item (\d+)|sub (\d+)|words)/.exec(part);
      expect(first).not.toBeNull();
      const shown = first?.[2] ?? first?.[3];
      if (shown) expect(first?.[1]).toBe(shown);
    }
  });

  it('continues from an explicit start attribute', () => {
    const html = `<ol start="7"><li>${'a '.repeat(60)}</li><li>${'b '.repeat(60)}</li></ol>`;
    const parts = splitHtmlForColumn(html, 140);
    expect(splitProblems(html, parts, 140)).toEqual([]);
    expect(parts[0]?.startsWith('<ol start="7">')).toBe(true);
    expect(parts.some((p) => p.startsWith('<ol start="8"><li>b'))).toBe(true);
  });

  it('never cuts inside an entity', () => {
    const html = `<p>${'&amp;&lt;&gt;&quot;&#128512;&nbsp;'.repeat(400)}</p>`;
    for (const max of [100, 101, 102, 103, 104, 105, 137, 500]) {
      expect(splitProblems(html, splitHtmlForColumn(html, max), max)).toEqual([]);
    }
  });

  it.each([
    ['family emoji', '👩‍👩‍👧‍👦'],
    ['flags', '🇵🇹🇯🇵'],
    ['skin tones', '👍🏽👋🏿'],
    ['combining marks', 'e\u0301a\u0300o\u0302'],
    ['Arabic with a lam-alef', 'لا مرحبا'],
    ['Hebrew', 'שלום'],
  ])('never cuts inside %s, whatever the max', (_label, cluster) => {
    const html = `<p>${cluster.repeat(300)}</p>`;
    for (let max = MIN_SPLIT_MAX; max < MIN_SPLIT_MAX + 40; max++) {
      expect(splitProblems(html, splitHtmlForColumn(html, max), max)).toEqual([]);
    }
  });

  it('cuts a pathological cluster (hundreds of combining marks) between code points, never inside a surrogate pair', () => {
    const zalgo = `a${'\u0301'.repeat(300)}😀${'\u0302'.repeat(300)}`;
    const html = `<p>${zalgo}</p>`;
    const parts = splitHtmlForColumn(html, 200);
    expect(parts.every((p) => p.length <= 200 && wellFormedProblems(p).length === 0)).toBe(true);
    expect(parts.map(textContent).join('')).toBe(zalgo);
  });

  it('keeps <pre> lines and cuts at their line breaks', () => {
    const html = `<pre>${Array.from({ length: 40 }, (_, i) => `line ${i}: ${'x'.repeat(20)}`).join('\n')}</pre>`;
    const parts = splitHtmlForColumn(html, 200);
    expect(splitProblems(html, parts, 200)).toEqual([]);
    for (const part of parts.slice(0, -1)) expect(part.endsWith('\n</pre>')).toBe(true);
  });

  it('makes malformed input well-formed without losing text', () => {
    const html = `<p>a<b>bold ${'w '.repeat(80)}</p>tail</i><div>open ${'v '.repeat(80)}<!-- note -->`;
    const parts = splitHtmlForColumn(html, 120);
    expect(splitProblems(html, parts, 120)).toEqual([]);
    expect(parts.join('')).not.toContain('<!--');
  });

  it('holds every guarantee over many generated HTML bodies and limits', () => {
    const r = rng(17);
    const problems: string[] = [];
    const inline = ['b', 'i', 'em', 'strong', 'u', 's', 'code', 'span'];
    const gen = (depth: number): string => {
      let out = '';
      const n = r.int(1, 4);
      for (let i = 0; i < n; i++) {
        const roll = r.int(0, 9);
        if (roll < 4 || depth >= 3) out += plainTextToHtml(randomText(r, r.int(1, 40), ['\n'])).replace(/^<p[^>]*>|<\/p>$/g, '');
        else if (roll === 4) out += `<p>${gen(depth + 1)}</p>`;
        else if (roll === 5) {
          const tag = r.pick(inline);
          out += `<${tag}>${gen(depth + 1)}</${tag}>`;
        } else if (roll === 6) {
          const list = r.pick(['ul', 'ol']);
          out += `<${list}><li>${gen(depth + 1)}</li><li>${gen(depth + 1)}</li></${list}>`;
        } else if (roll === 7) out += `<a href="https://example.com/${r.int(0, 9999)}" rel="noopener noreferrer">${gen(depth + 1)}</a>`;
        else if (roll === 8) out += '<br>';
        else out += `<blockquote>${gen(depth + 1)}</blockquote>`;
      }
      return out;
    };
    let parts = 0;
    for (let n = 0; n < 200; n++) {
      // As in production, the splitter gets sanitised HTML.
      const html = sanitizeHtml(gen(0));
      const max = r.int(MIN_SPLIT_MAX, 600);
      const split = splitHtmlForColumn(html, max);
      parts += split.length;
      for (const p of splitProblems(html, split, max)) problems.push(`#${n} max=${max}: ${p}`);
      // A part always fits when split again.
      for (const part of split) if (splitHtmlForColumn(part, max).length !== 1) problems.push(`#${n}: a part splits again`);
    }
    expect(problems).toEqual([]);
    // The generator must actually exercise cuts.
    expect(parts).toBeGreaterThan(400);
  });
});
