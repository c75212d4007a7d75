import { EventsBodySchema, type EventInput } from '../../../src/api/schemas';
import { toConversationEvent } from '../../../src/api/to-event';
import type { ConversationEvent, MessageEvent } from '../../../src/domain/events';

const RECEIVED = '2026-12-03T10:20:00.000Z';
const SENT = '2026-12-03T10:15:00.000Z';

type MessageInput = Extract<EventInput, { type: 'message' }>;

function msg(over: Partial<MessageInput> = {}): MessageInput {
  return { type: 'message', eventId: 'm1', role: 'customer', text: 'Hello', sentAt: SENT, ...over };
}

function asMessage(e: ConversationEvent): MessageEvent {
  if (e.type !== 'message') throw new Error(`expected a message, got ${e.type}`);
  return e;
}

describe('toConversationEvent: messages', () => {
  it('copies the message fields and nothing else', () => {
    const e = toConversationEvent(
      msg({
        seq: 4,
        customer: { name: 'Ana', email: 'ana@example.com' },
        html: '<p>Hello</p>',
        channel: 'sms',
        senderName: 'Ana',
        attachments: [{ name: 'a.pdf', url: 'https://x.example/a.pdf' }],
      }),
      RECEIVED,
    );
    // seq and customer travel separately (the customer belongs to the conversation).
    expect(e).toEqual({
      type: 'message',
      eventId: 'm1',
      role: 'customer',
      text: 'Hello',
      html: '<p>Hello</p>',
      sentAt: SENT,
      channel: 'sms',
      senderName: 'Ana',
      attachments: [{ name: 'a.pdf', url: 'https://x.example/a.pdf' }],
    });
  });

  it('leaves absent optional fields absent (not undefined keys)', () => {
    const e = toConversationEvent(msg(), RECEIVED);
    expect(Object.keys(e).sort()).toEqual(['eventId', 'role', 'sentAt', 'text', 'type']);
  });

  it('keeps the text exactly as sent when there is text, even with html', () => {
    const text = '  Line 1\nLine 2 <not a tag> & more 😀  ';
    expect(asMessage(toConversationEvent(msg({ text, html: '<p>something else</p>' }), RECEIVED)).text).toBe(text);
  });

  it('derives the text from the html when there is no text', () => {
    const e = asMessage(toConversationEvent(msg({ text: undefined, html: '<p>Hello <b>world</b></p><p>Bye &amp; thanks</p>' }), RECEIVED));
    expect(e.text).toBe('Hello world\n\nBye & thanks');
    expect(e.html).toBe('<p>Hello <b>world</b></p><p>Bye &amp; thanks</p>');
  });

  it('derives the text from the html when the text is only whitespace', () => {
    expect(asMessage(toConversationEvent(msg({ text: ' \n ', html: 'line<br>next' }), RECEIVED)).text).toBe('line\nnext');
  });

  it('drops script content when deriving text from html', () => {
    const text = asMessage(toConversationEvent(msg({ text: undefined, html: '<p>Hi</p><script>steal()</script>' }), RECEIVED)).text;
    expect(text).toBe('Hi');
  });

  it('gives empty text for an attachment-only message', () => {
    const e = asMessage(toConversationEvent(msg({ text: undefined, attachments: [{ name: 'photo.jpg' }] }), RECEIVED));
    expect(e.text).toBe('');
    expect(e.attachments).toEqual([{ name: 'photo.jpg' }]);
  });

  it('uses sentAt, never the receive time, for messages', () => {
    expect(asMessage(toConversationEvent(msg(), RECEIVED)).sentAt).toBe(SENT);
  });
});

describe('toConversationEvent: handoff and resolve', () => {
  it('copies the handoff fields and keeps occurredAt when given', () => {
    const e = toConversationEvent(
      {
        type: 'handoff',
        eventId: 'h1',
        summary: 'Refund',
        language: 'de',
        sentiment: 'negative',
        reason: 'asked for a human',
        aiFields: { Priority: 'High', Score: 2, Vip: false, Note: null },
        occurredAt: SENT,
        customer: { name: 'Ana' },
        seq: 9,
      },
      RECEIVED,
    );
    expect(e).toEqual({
      type: 'handoff',
      eventId: 'h1',
      summary: 'Refund',
      language: 'de',
      sentiment: 'negative',
      reason: 'asked for a human',
      aiFields: { Priority: 'High', Score: 2, Vip: false, Note: null },
      occurredAt: SENT,
    });
  });

  it('defaults occurredAt to the receive time', () => {
    expect(toConversationEvent({ type: 'handoff', eventId: 'h1' }, RECEIVED)).toEqual({ type: 'handoff', eventId: 'h1', occurredAt: RECEIVED });
    expect(toConversationEvent({ type: 'resolve', eventId: 'r1' }, RECEIVED)).toEqual({ type: 'resolve', eventId: 'r1', occurredAt: RECEIVED });
  });

  it('keeps a resolve occurredAt when given, dropping seq and customer', () => {
    expect(toConversationEvent({ type: 'resolve', eventId: 'r1', occurredAt: SENT, seq: 3, customer: { phone: '1' } }, RECEIVED)).toEqual({
      type: 'resolve',
      eventId: 'r1',
      occurredAt: SENT,
    });
  });
});

describe('schema + toConversationEvent together (what the route does)', () => {
  it('stores UTC times and html-derived text for an html-only message with an offset timestamp', () => {
    const parsed = EventsBodySchema.parse({
      type: 'message',
      eventId: 'm1',
      role: 'agent',
      html: '<ul><li>one</li><li>two</li></ul>',
      sentAt: '2026-12-03T11:15:00+01:00',
    });
    const e = asMessage(toConversationEvent(parsed[0]!, RECEIVED));
    expect(e.sentAt).toBe(SENT);
    expect(e.text).toBe('one\ntwo');
  });
});
