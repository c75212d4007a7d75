/**
 * What Creatio stores for a conversation: activity bodies, titles, the case
 * subject and speaker labels. Pure functions; the siblings hold the details:
 * html.ts (sanitising, text ↔ HTML), truncate.ts (grapheme-safe cutting,
 * length unit), content-split.ts (long bodies across several activities).
 */
import { cleanText, collapseWhitespace } from './content-text';
import { hasVisibleContent, plainTextToHtml, sanitizeHtml } from './html';
import { assertMax, truncateAtWord } from './truncate';

export { sanitizeHtml, plainTextToHtml, htmlToPlainText } from './html';
export { truncateText } from './truncate';
export { splitHtmlForColumn, MIN_SPLIT_MAX } from './content-split';

export type SpeakerRole = 'customer' | 'ai' | 'agent' | 'system';

/**
 * The HTML body of one message's activity: the sender's HTML, sanitised, when
 * there is any; otherwise the plain text as HTML. When the HTML shows nothing
 * once sanitised (it was only a script, say) but there is text, the text is used.
 */
export function messageBodyHtml(msg: { text: string; html?: string }): string {
  if (msg.html !== undefined && msg.html.trim() !== '') {
    const sanitized = sanitizeHtml(msg.html);
    if (hasVisibleContent(sanitized) || msg.text.trim() === '') return sanitized;
  }
  return plainTextToHtml(msg.text);
}

/** Shown instead of an empty message. */
export const NO_TEXT = '(no text)';

/**
 * Activity title: "<speaker>: <text>", the text on one line (all whitespace,
 * line breaks included, collapsed to single spaces), cut to max with "…" —
 * at a word boundary when one is near the end. Empty text reads "(no text)".
 */
export function activityTitle(speaker: string, text: string, max = 500): string {
  const who = collapseWhitespace(speaker) || 'Unknown';
  const what = collapseWhitespace(text) || NO_TEXT;
  return truncateAtWord(`${who}: ${what}`, max);
}

// ---------------------------------------------------------------------------
// Case subject
// ---------------------------------------------------------------------------

const sentences = new Intl.Segmenter('en', { granularity: 'sentence' });

/**
 * Abbreviations after which Unicode sentence breaking (which knows none) would
 * wrongly end a sentence: "Mr. Smith wants a refund." is one sentence.
 */
const ABBREVIATION = /(?:^|\s)(?:Mr|Mrs|Ms|Dr|Prof|Sr|Jr|St|No|vs|etc|approx|e\.g|i\.e|Inc|Ltd|Co)\.\s*$/i;

/** The first sentence of s (whitespace collapsed), or '' when s has no text. */
export function firstSentence(s: string): string {
  const text = collapseWhitespace(s);
  let out = '';
  for (const seg of sentences.segment(text)) {
    out += seg.segment;
    if (out.trim() !== '' && !ABBREVIATION.test(out)) break;
  }
  return out.trim();
}

/** Display names for channel identifiers that plain capitalisation gets wrong. */
const CHANNEL_NAMES: Record<string, string> = {
  sms: 'SMS',
  whatsapp: 'WhatsApp',
  email: 'Email',
  'e-mail': 'Email',
  webchat: 'Web chat',
  web_chat: 'Web chat',
  'web-chat': 'Web chat',
  facebook: 'Facebook',
  messenger: 'Messenger',
  instagram: 'Instagram',
  telegram: 'Telegram',
  api: 'API',
};

/** Longest channel label used in a subject prefix. */
const MAX_CHANNEL_LABEL = 40;

function channelLabel(channel: string): string {
  const c = collapseWhitespace(channel);
  const known = CHANNEL_NAMES[c.toLowerCase()];
  const label = known ?? (c === c.toLowerCase() ? c.charAt(0).toUpperCase() + c.slice(1) : c);
  return truncateAtWord(label, MAX_CHANNEL_LABEL);
}

/**
 * Case subject for a support agent scanning a list: the first sentence of the
 * AI summary if there is one, else the start of the first customer message,
 * else "Conversation <id>"; prefixed "[Chat] " when the channel is known
 * ("chat" → "[Chat]", "sms" → "[SMS]"). Plain text on one line, cut to max.
 */
export function caseSubject(
  input: { firstCustomerText?: string; summary?: string; channel?: string; conversationId: string },
  max = 500,
): string {
  const limit = assertMax(max);
  const channel = input.channel !== undefined ? channelLabel(input.channel) : '';
  const prefix = channel ? `[${channel}] ` : '';
  const summary = firstSentence(input.summary ?? '');
  const customer = collapseWhitespace(input.firstCustomerText ?? '');
  const id = collapseWhitespace(input.conversationId);
  const subject = summary || customer || `Conversation ${id}`.trim();
  return truncateAtWord(prefix + subject, limit);
}

// ---------------------------------------------------------------------------
// Speakers
// ---------------------------------------------------------------------------

const ROLE_LABELS: Record<SpeakerRole, string> = {
  customer: 'Customer',
  ai: 'AI agent',
  agent: 'Agent',
  system: 'System',
};

/** Longest name shown in a speaker label, so the title keeps room for the text. */
const MAX_NAME = 100;

/**
 * "Customer (Ana Pérez)", "AI agent", "Agent (Bob)", "System". A name that is
 * empty or just repeats the role is left out; long names are cut.
 */
export function speakerLabel(role: SpeakerRole, name?: string): string {
  const label = ROLE_LABELS[role];
  // A role outside the type is a caller bug; say which instead of printing "undefined".
  if (label === undefined) throw new RangeError(`unknown speaker role: ${String(role)}`);
  const who = truncateAtWord(collapseWhitespace(cleanText(name ?? '')), MAX_NAME);
  if (who === '' || who.toLowerCase() === label.toLowerCase()) return label;
  return `${label} (${who})`;
}
