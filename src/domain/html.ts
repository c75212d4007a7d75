/**
 * HTML for Creatio rich-text columns: sanitising what the chat platform sends,
 * turning plain text into HTML that shows exactly that text, and back to plain
 * text for titles and subjects. Pure functions.
 */
import sanitize from 'sanitize-html';
import { cleanText, containsRtl, normalizeNewlines } from './content-text';

// ---------------------------------------------------------------------------
// Element classes (shared with content-split.ts)
// ---------------------------------------------------------------------------

/** Elements that never have content or a closing tag. */
export const VOID_ELEMENTS: ReadonlySet<string> = new Set([
  'area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'param', 'source', 'track', 'wbr',
]);

/** Blocks that read as separate paragraphs (a blank line in plain text). */
export const PARAGRAPH_ELEMENTS: ReadonlySet<string> = new Set([
  'p', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'blockquote', 'pre',
]);

/** Blocks that start a new line (a single line break in plain text). */
export const LINE_ELEMENTS: ReadonlySet<string> = new Set([
  'div', 'ul', 'ol', 'li', 'table', 'thead', 'tbody', 'tfoot', 'tr', 'caption', 'hr',
]);

/** Table cells: separated by a space in plain text. */
export const CELL_ELEMENTS: ReadonlySet<string> = new Set(['td', 'th']);

// ---------------------------------------------------------------------------
// Escaping and entities
// ---------------------------------------------------------------------------

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes the five HTML-significant characters, so text shows literally in text and attribute context. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

/**
 * Named entities we decode ourselves. sanitize-html (which decodes the full
 * HTML5 table while parsing) only ever emits &amp; &lt; &gt; &quot;, so this
 * short list covers its output plus what plainTextToHtml and common editors write.
 */
const NAMED_ENTITIES: Record<string, string> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00A0',
  copy: '©', reg: '®', trade: '™', hellip: '…', mdash: '—', ndash: '–', bull: '•', middot: '·',
  lsquo: '‘', rsquo: '’', ldquo: '“', rdquo: '”', laquo: '«', raquo: '»', euro: '€', shy: '\u00AD',
  zwj: '\u200D', zwnj: '\u200C', lrm: '\u200E', rlm: '\u200F',
};

/**
 * One character reference, with bounded lengths so a stray '&' never makes a
 * scan run far. Exported so the splitter treats exactly these as indivisible.
 */
export const ENTITY_PATTERN = /&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{0,31});/g;

/** The text a single entity stands for, or undefined for a named one we do not know. */
export function decodeEntity(entity: string): string | undefined {
  const body = entity.slice(1, -1);
  if (body.startsWith('#')) {
    const code = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
    // Like browsers: NUL, surrogates and out-of-range values show as U+FFFD.
    if (!(code > 0 && code <= 0x10ffff) || (code >= 0xd800 && code <= 0xdfff)) return '\uFFFD';
    return String.fromCodePoint(code);
  }
  return NAMED_ENTITIES[body];
}

/** Decodes character references once (&amp;amp; → &amp;); unknown names stay as written. */
export function decodeEntities(s: string): string {
  return s.replace(ENTITY_PATTERN, (e) => decodeEntity(e) ?? e);
}

// ---------------------------------------------------------------------------
// Tokenizer (for HTML we produced or sanitised; tolerant of anything)
// ---------------------------------------------------------------------------

export type HtmlToken =
  | { kind: 'text'; raw: string }
  | { kind: 'open'; raw: string; name: string; selfClosing: boolean }
  | { kind: 'close'; raw: string; name: string }
  /** Comments, doctypes, processing instructions: not content. */
  | { kind: 'other'; raw: string };

const COMMENT_RE = /<!--[\s\S]*?(?:-->|$)/y;
const DECL_RE = /<[!?][^>]*(?:>|$)/y;
const CLOSE_RE = /<\/([A-Za-z][^\s/>]*)[^>]*>/y;
// Quoted attribute values may contain '>'; the alternatives start with
// distinct characters, so matching is linear.
const OPEN_RE = /<([A-Za-z][^\s/>]*)(?:[^>"']|"[^"]*"|'[^']*')*>/y;

/**
 * Splits HTML into text, tags and other markup. A '<' that does not start a
 * tag is text (as in browsers). Raw text of every token is kept verbatim, so
 * joining all `raw` values gives the input back.
 */
export function tokenizeHtml(html: string): HtmlToken[] {
  const tokens: HtmlToken[] = [];
  const lastGt = html.lastIndexOf('>');
  let text = '';
  let pos = 0;
  const flushText = (): void => {
    if (text) tokens.push({ kind: 'text', raw: text });
    text = '';
  };
  while (pos < html.length) {
    const lt = html.indexOf('<', pos);
    if (lt < 0) {
      text += html.slice(pos);
      break;
    }
    text += html.slice(pos, lt);
    pos = lt;
    // No '>' anywhere ahead: nothing can be a tag, the rest is text.
    if (lt > lastGt) {
      text += html.slice(lt);
      break;
    }
    const match = matchAt(COMMENT_RE, html, pos) ?? matchAt(DECL_RE, html, pos);
    if (match) {
      flushText();
      tokens.push({ kind: 'other', raw: match[0] });
      pos += match[0].length;
      continue;
    }
    const close = matchAt(CLOSE_RE, html, pos);
    if (close) {
      flushText();
      tokens.push({ kind: 'close', raw: close[0], name: (close[1] ?? '').toLowerCase() });
      pos += close[0].length;
      continue;
    }
    const open = matchAt(OPEN_RE, html, pos);
    if (open) {
      flushText();
      const raw = open[0];
      tokens.push({ kind: 'open', raw, name: (open[1] ?? '').toLowerCase(), selfClosing: raw.endsWith('/>') });
      pos += raw.length;
      continue;
    }
    text += '<';
    pos += 1;
  }
  flushText();
  return tokens;
}

function matchAt(re: RegExp, s: string, pos: number): RegExpExecArray | null {
  re.lastIndex = pos;
  return re.exec(s);
}

// ---------------------------------------------------------------------------
// Sanitising
// ---------------------------------------------------------------------------

const ALLOWED_TAGS = [
  'p', 'br', 'b', 'strong', 'i', 'em', 'u', 's', 'ul', 'ol', 'li', 'a', 'blockquote', 'code', 'pre',
  'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'span', 'div', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'img',
  // Equally inert formatting that chat widgets and mail clients produce.
  'hr', 'sub', 'sup', 'del', 'ins', 'tfoot', 'caption',
];

/**
 * Elements whose content is not readable text: dropped with the element
 * rather than shown as text (a script's code, a style sheet, an iframe's
 * fallback, an SVG's drawing instructions).
 */
const NON_TEXT_TAGS = [
  'script', 'style', 'textarea', 'option', 'select', 'noscript', 'iframe', 'frame', 'frameset', 'object', 'embed',
  'applet', 'noembed', 'noframes', 'template', 'title', 'head', 'svg', 'math',
];

const SAFE_HREF = /^(?:https?:\/\/|mailto:)/i;
const SAFE_SRC = /^https?:\/\//i;

/**
 * Attribute values checked by our own allow-list (on top of sanitize-html's
 * scheme check): only absolute http(s)/mailto links and http(s) images —
 * relative URLs would resolve against the Creatio host — and only valid values
 * for dir, start, colspan and rowspan.
 */
function filterAttributes(tagName: string, attribs: sanitize.Attributes): sanitize.Attributes {
  const out: sanitize.Attributes = {};
  for (const [name, rawValue] of Object.entries(attribs)) {
    const value = rawValue.trim();
    switch (name) {
      case 'href':
        if (SAFE_HREF.test(value)) out[name] = value;
        break;
      case 'src':
        if (SAFE_SRC.test(value)) out[name] = value;
        break;
      case 'dir':
        if (/^(?:ltr|rtl|auto)$/i.test(value)) out[name] = value.toLowerCase();
        break;
      case 'start':
        if (/^-?\d{1,9}$/.test(value)) out[name] = value;
        break;
      case 'colspan':
      case 'rowspan':
        if (/^\d{1,4}$/.test(value)) out[name] = value;
        break;
      default:
        out[name] = rawValue; // allowedAttributes decides (alt); on* handlers are never allowed
    }
  }
  if (tagName === 'a') out.rel = 'noopener noreferrer';
  return out;
}

const SANITIZE_OPTIONS: sanitize.IOptions = {
  allowedTags: ALLOWED_TAGS,
  allowedAttributes: {
    a: ['href', 'rel'],
    img: ['src', 'alt'],
    ol: ['start'],
    td: ['colspan', 'rowspan'],
    th: ['colspan', 'rowspan'],
    '*': ['dir'],
  },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesByTag: { img: ['http', 'https'] },
  allowedSchemesAppliedToAttributes: ['href', 'src'],
  allowProtocolRelative: false,
  disallowedTagsMode: 'discard',
  nonTextTags: NON_TEXT_TAGS,
  // Deeper nesting is never real formatting; tags below this depth are dropped, text kept.
  nestingLimit: 40,
  transformTags: { '*': (tagName, attribs) => ({ tagName, attribs: filterAttributes(tagName, attribs) }) },
  // An image whose src was refused would show as a broken box.
  exclusiveFilter: (frame) => frame.tag === 'img' && !frame.attribs.src,
  parser: { lowerCaseTags: true, lowerCaseAttributeNames: true, decodeEntities: true },
};

/**
 * Keeps safe formatting (paragraphs, emphasis, lists, links, quotes, code,
 * headings, tables, http(s) images) and removes everything that runs code or
 * loads content: script/style/iframe/object/embed/form and friends, event
 * handler attributes, javascript:/data:/relative URLs. The content of script,
 * style and the other NON_TEXT_TAGS is dropped; the text inside other removed
 * tags (form, font, center, …) is kept. Links get rel="noopener noreferrer".
 * Output is well-formed (every element closed), text is escaped (& < >), and
 * it is idempotent: sanitising the output again changes nothing.
 */
export function sanitizeHtml(html: string): string {
  let out = normalizeNewlines(cleanText(html));
  // One pass keeps the sender's nesting even where HTML forbids it ("<p>a<p>b"
  // inside an inline element comes out as a <p> within a <p>); parsing that
  // output again applies HTML's implied closes. Repeat until nothing changes
  // (two passes in practice) so the result is stable and idempotent.
  for (let pass = 0; pass < 4; pass++) {
    // Control characters can also arrive as entities (&#1;), hence cleaning after each pass.
    const next = cleanText(sanitize(out, SANITIZE_OPTIONS)).trim();
    if (next === out) break;
    out = next;
  }
  return out;
}

// ---------------------------------------------------------------------------
// Plain text → HTML
// ---------------------------------------------------------------------------

/** Tab width used when a tab has to be shown with spaces. */
const TAB_SPACES = '    ';

/**
 * Spaces inside one line. HTML collapses runs of spaces and drops them at the
 * start and end of a line, so: a single space between words stays a space; a
 * run of two or more alternates &nbsp; and a space ("&nbsp; &nbsp;"), which
 * keeps every space visible but still lets the line wrap; spaces at the start
 * or end of a line are all &nbsp;. Tabs become four spaces first.
 */
function preserveSpaces(escapedLine: string): string {
  const line = escapedLine.replace(/\t/g, TAB_SPACES);
  return line.replace(/ +/g, (run: string, offset: number) => {
    const atEdge = offset === 0 || offset + run.length === line.length;
    if (atEdge) return '&nbsp;'.repeat(run.length);
    if (run.length === 1) return ' ';
    let out = '';
    for (let i = 0; i < run.length; i++) out += i % 2 === 0 ? '&nbsp;' : ' ';
    return out;
  });
}

/**
 * Turns plain text into HTML that displays the same text:
 * - & < > " ' are escaped, so "a < b" shows literally and is never markup;
 * - \r\n and \r count as \n; one or more blank (empty or whitespace-only) lines
 *   separate paragraphs (<p>…</p>), a single newline becomes <br>; blank lines
 *   at the start and end are dropped and several blank lines in a row read as
 *   one paragraph break;
 * - spaces are preserved as described at preserveSpaces;
 * - a paragraph containing right-to-left letters gets dir="auto", so Arabic or
 *   Hebrew reads right-to-left while Latin paragraphs stay as they are;
 * - emoji and all other characters pass through unchanged (invisible control
 *   characters are dropped, see cleanText).
 * Empty or whitespace-only text gives ''.
 */
export function plainTextToHtml(text: string): string {
  const normalized = normalizeNewlines(cleanText(text));
  const paragraphs = normalized
    // Blank (whitespace-only) lines end a paragraph; the next line keeps its indentation.
    .split(/\n(?:[^\S\n]*\n)+/u)
    .map((p) => p.replace(/^(?:[^\S\n]*\n)+/u, '').replace(/(?:\n[^\S\n]*)+$/u, ''))
    .filter((p) => p.trim() !== '');
  return paragraphs
    .map((p) => {
      const body = p
        .split('\n')
        .map((line) => preserveSpaces(escapeHtml(line)))
        .join('<br>');
      return containsRtl(p) ? `<p dir="auto">${body}</p>` : `<p>${body}</p>`;
    })
    .join('');
}

// ---------------------------------------------------------------------------
// HTML → plain text
// ---------------------------------------------------------------------------

/** Structure-only sanitising: the tags that matter for line breaks, no attributes. */
const TEXT_ONLY_OPTIONS: sanitize.IOptions = {
  allowedTags: ['br', 'pre', ...PARAGRAPH_ELEMENTS, ...LINE_ELEMENTS, ...CELL_ELEMENTS],
  allowedAttributes: {},
  disallowedTagsMode: 'discard',
  nonTextTags: NON_TEXT_TAGS,
  parser: { lowerCaseTags: true, decodeEntities: true },
};

// Markers for breaks while whitespace is collapsed: control characters, which
// cleanText has removed from the text itself, so they cannot clash with it.
const LINE_MARK = '\u0001';
const PARA_MARK = '\u0002';
const HARD_BREAK = '\u0003';
const BREAK_RUN = /[\s\u0001-\u0003]*[\u0001-\u0003][\s\u0001-\u0003]*/gu;

/**
 * Plain text for titles and subjects: tags removed, script/style content
 * dropped, entities decoded exactly once (&amp;amp; → "&amp;"), paragraphs
 * and headings separated by a blank line, <br>, list items, divs and table
 * rows by a line break, table cells by a space. Within a line every run of
 * whitespace (including no-break spaces and, outside <pre>, source newlines)
 * becomes one space; lines are trimmed; at most one blank line in a row.
 */
export function htmlToPlainText(html: string): string {
  const structural = sanitize(normalizeNewlines(cleanText(html)), TEXT_ONLY_OPTIONS);
  let out = '';
  let preDepth = 0;
  for (const token of tokenizeHtml(structural)) {
    if (token.kind === 'text') {
      const text = cleanText(decodeEntities(token.raw));
      // Source newlines are layout only, except inside <pre>.
      out += text.replace(/\n/g, preDepth > 0 ? HARD_BREAK : ' ');
    } else if (token.kind === 'open' || token.kind === 'close') {
      const { name } = token;
      if (name === 'pre') preDepth = Math.max(0, preDepth + (token.kind === 'open' ? 1 : -1));
      if (name === 'br') out += HARD_BREAK;
      else if (PARAGRAPH_ELEMENTS.has(name)) out += PARA_MARK;
      else if (LINE_ELEMENTS.has(name)) out += LINE_MARK;
      else if (CELL_ELEMENTS.has(name)) out += ' ';
    }
  }
  const joined = out.replace(BREAK_RUN, (run: string, offset: number) => {
    if (offset === 0 || offset + run.length === out.length) return '';
    const hard = run.split(HARD_BREAK).length - 1;
    const strength = Math.max(run.includes(PARA_MARK) ? 2 : run.includes(LINE_MARK) ? 1 : 0, Math.min(hard, 2));
    return '\n'.repeat(strength);
  });
  return joined
    .split('\n')
    .map((line) => line.replace(/\s+/gu, ' ').trim())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** True when the HTML shows something: non-whitespace text or an image. */
export function hasVisibleContent(html: string): boolean {
  return tokenizeHtml(html).some(
    (t) => (t.kind === 'text' && /\S/u.test(decodeEntities(t.raw))) || (t.kind === 'open' && t.name === 'img'),
  );
}
