import {
  ACTIVITY_TEXT_COLUMN,
  buildCaseRow,
  buildEventRows,
  buildSessionLinkRow,
  SUBJECT_MAX,
  TITLE_MAX,
  type ActivityContext,
  type CaseInput,
  type CreatioRow,
  type SyncLookups,
} from '../../../src/domain/case-records';
import type { Customer, HandoffEvent, MessageEvent, ResolveEvent, StoredEvent } from '../../../src/domain/events';
import { eventActivityId, sessionLinkActivityId } from '../../../src/domain/record-ids';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { splitHtmlForColumn } from '../../../src/domain/content';
import { textContent } from './content-oracle';

// ---------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------

const CASE_ID = '0b8a5c1e-7d2f-5a3b-9c4d-1e2f3a4b5c6d';
const NO_LOOKUPS: SyncLookups = { originId: null, activityTypeId: null, activityCategoryId: null, activityStatusId: null };
const LOOKUPS: SyncLookups = {
  originId: '5e6f7a8b-0000-4000-8000-000000000001',
  activityTypeId: 'fbe0acdc-cfc0-df11-b00f-001d60e938c6',
  activityCategoryId: 'f51c4643-58e6-df11-971b-001d60e938c6',
  activityStatusId: '384d4b84-58e6-df11-971b-001d60e938c6',
};
const CUSTOMER: Customer = { name: 'Ana Pérez', email: 'ana.perez@example.com', phone: '+351 912 345 678' };
const SENT = '2026-12-03T10:15:00.000Z';

function ctx(over: Partial<ActivityContext> = {}): ActivityContext {
  return { orgId: 'org-1', conversationId: 'conv-1', caseId: CASE_ID, lookups: NO_LOOKUPS, textMax: 20_000, ...over };
}

function msg(over: Partial<MessageEvent> = {}): MessageEvent {
  return { type: 'message', eventId: 'm1', role: 'customer', text: 'My parcel has not arrived.', sentAt: SENT, ...over };
}

function handoff(over: Partial<HandoffEvent> = {}): HandoffEvent {
  return { type: 'handoff', eventId: 'h1', occurredAt: '2026-12-03T10:20:00.000Z', ...over };
}

function stored(event: MessageEvent | HandoffEvent | ResolveEvent, seq = 1): StoredEvent {
  return { seq, event, receivedAt: '2026-12-03T10:30:00.000Z' };
}

function caseInput(over: Partial<CaseInput> = {}): CaseInput {
  return {
    caseId: CASE_ID,
    conversationId: 'conv-1',
    customer: null,
    registeredOn: SENT,
    assignment: { ownerId: null, groupId: null },
    lookups: NO_LOOKUPS,
    ...over,
  };
}

function str(row: CreatioRow, key: string): string {
  const v = row[key];
  if (typeof v !== 'string') throw new Error(`${key} is ${typeof v}, not a string`);
  return v;
}

const notes = (row: CreatioRow): string => str(row, ACTIVITY_TEXT_COLUMN);
const title = (row: CreatioRow): string => str(row, 'Title');

function messageRows(m: MessageEvent, c: ActivityContext = ctx()): CreatioRow[] {
  return buildEventRows(c, stored(m), { handoffCreatedCase: false });
}

function messageRow(m: MessageEvent, c: ActivityContext = ctx()): CreatioRow {
  const rows = messageRows(m, c);
  expect(rows).toHaveLength(1);
  return rows[0]!;
}

/** Words w0 … w(n-1), so every part of a split can be checked for order. */
function words(n: number): string {
  return Array.from({ length: n }, (_, i) => `w${i}`).join(' ');
}

// ---------------------------------------------------------------------------
// Case
// ---------------------------------------------------------------------------

describe('buildCaseRow', () => {
  it('builds a case from the first customer message', () => {
    const row = buildCaseRow(caseInput({ firstCustomerMessage: msg({ text: 'My parcel has not arrived. It was due Monday.', channel: 'sms' }) }));
    expect(row).toEqual({
      Id: CASE_ID,
      Subject: '[SMS] My parcel has not arrived. It was due Monday.',
      Symptoms: 'My parcel has not arrived. It was due Monday.\n\nConversation: conv-1',
      RegisteredOn: SENT,
    });
  });

  it('prefers the handoff summary: its first sentence as subject, all of it in the symptoms with the handoff facts', () => {
    const row = buildCaseRow(
      caseInput({
        firstCustomerMessage: msg({ text: 'hello?' }),
        handoff: handoff({ summary: 'Customer wants a refund. Order 1234 arrived broken.', reason: 'asked for a human', language: 'de', sentiment: 'negative' }),
      }),
    );
    expect(row.Subject).toBe('Customer wants a refund.');
    expect(row.Symptoms).toBe(
      'Customer wants a refund. Order 1234 arrived broken.\n\nHandoff reason: asked for a human\nLanguage: de\nSentiment: negative\nConversation: conv-1',
    );
  });

  it('uses the first customer message in the symptoms when the handoff has no summary', () => {
    const row = buildCaseRow(caseInput({ firstCustomerMessage: msg({ text: 'Where is it?' }), handoff: handoff({ reason: 'angry' }) }));
    expect(row.Symptoms).toBe('Where is it?\n\nHandoff reason: angry\nConversation: conv-1');
  });

  it('falls back to "Conversation <id>" as subject when there is no text at all', () => {
    const row = buildCaseRow(caseInput({ handoff: handoff() }));
    expect(row.Subject).toBe('Conversation conv-1');
    expect(row.Symptoms).toBe('Conversation: conv-1');
  });

  it('skips an empty first message (attachments only) instead of leaving a blank paragraph', () => {
    const row = buildCaseRow(caseInput({ firstCustomerMessage: msg({ text: '', attachments: [{ name: 'photo.jpg' }], channel: 'whatsapp' }) }));
    expect(row.Symptoms).toBe('Conversation: conv-1');
    expect(row.Subject).toBe('[WhatsApp] Conversation conv-1');
  });

  it('puts the customer details in the symptoms, never in the subject', () => {
    const row = buildCaseRow(caseInput({ customer: CUSTOMER, firstCustomerMessage: msg() }));
    expect(row.Symptoms).toBe(
      'My parcel has not arrived.\n\nCustomer: Ana Pérez\nEmail: ana.perez@example.com\nPhone: +351 912 345 678\nConversation: conv-1',
    );
    for (const detail of [CUSTOMER.name!, CUSTOMER.email!, CUSTOMER.phone!]) expect(str(row, 'Subject')).not.toContain(detail);
  });

  it('lists only the customer details that are known', () => {
    const row = buildCaseRow(caseInput({ customer: { email: 'x@example.com' }, firstCustomerMessage: msg() }));
    expect(row.Symptoms).toBe('My parcel has not arrived.\n\nEmail: x@example.com\nConversation: conv-1');
  });

  it('cuts the subject to 500 characters with a marker, keeping the full text in the symptoms', () => {
    const long = `${'word '.repeat(200)}end`;
    const row = buildCaseRow(caseInput({ firstCustomerMessage: msg({ text: long, channel: 'webchat' }) }));
    const subject = str(row, 'Subject');
    expect(subject.length).toBeLessThanOrEqual(SUBJECT_MAX);
    expect(subject.startsWith('[Web chat] word word')).toBe(true);
    expect(subject.endsWith('…')).toBe(true);
    expect(str(row, 'Symptoms').startsWith(long)).toBe(true);
  });

  it('puts the subject on one line', () => {
    const row = buildCaseRow(caseInput({ firstCustomerMessage: msg({ text: 'Line one\nline two\r\n\tline three' }) }));
    expect(row.Subject).toBe('Line one line two line three');
  });

  it('sets OriginId, OwnerId and GroupId only when configured', () => {
    const bare = buildCaseRow(caseInput({ firstCustomerMessage: msg() }));
    for (const key of ['OriginId', 'OwnerId', 'GroupId']) expect(key in bare).toBe(false);

    const owner = '11111111-2222-4333-8444-555555555555';
    const group = '66666666-7777-4888-9999-000000000000';
    const full = buildCaseRow(caseInput({ firstCustomerMessage: msg(), lookups: LOOKUPS, assignment: { ownerId: owner, groupId: group } }));
    expect(full).toMatchObject({ OriginId: LOOKUPS.originId, OwnerId: owner, GroupId: group });

    const ownerOnly = buildCaseRow(caseInput({ firstCustomerMessage: msg(), assignment: { ownerId: owner, groupId: null } }));
    expect(ownerOnly.OwnerId).toBe(owner);
    expect('GroupId' in ownerOnly).toBe(false);
  });

  it('holds no undefined or null values (every column sent means something)', () => {
    const row = buildCaseRow(caseInput({ firstCustomerMessage: msg(), handoff: handoff() }));
    for (const [k, v] of Object.entries(row)) expect([k, v === undefined || v === null]).toEqual([k, false]);
  });
});

// ---------------------------------------------------------------------------
// Session link
// ---------------------------------------------------------------------------

describe('buildSessionLinkRow', () => {
  const link = 'https://platform.example.com/conversations/conv-1?tab=chat&x="y"';

  it('links back to the conversation, with the customer in the text but not the title', () => {
    const row = buildSessionLinkRow(ctx(), { sessionLink: link, customer: CUSTOMER, at: SENT });
    expect(row).toEqual({
      Id: sessionLinkActivityId(CASE_ID),
      CaseId: CASE_ID,
      Title: 'Conversation conv-1: view in the support platform',
      Notes:
        '<p>Conversation <b>conv-1</b></p>' +
        '<p><a href="https://platform.example.com/conversations/conv-1?tab=chat&amp;x=&quot;y&quot;">View the conversation in the support platform</a></p>' +
        '<p>Customer: Ana Pérez<br>Email: ana.perez@example.com<br>Phone: +351 912 345 678</p>',
      StartDate: SENT,
      DueDate: SENT,
    });
  });

  it('leaves the customer paragraph out when nothing is known', () => {
    for (const customer of [null, {}]) {
      expect(notes(buildSessionLinkRow(ctx(), { sessionLink: link, customer, at: SENT }))).not.toContain('Customer');
    }
  });

  it('escapes customer details and the conversation ID', () => {
    const row = buildSessionLinkRow(ctx({ conversationId: 'c<1>' }), {
      sessionLink: link,
      customer: { name: '<script>alert(1)</script>', email: 'a&b@example.com' },
      at: SENT,
    });
    expect(notes(row)).toContain('Customer: &lt;script&gt;alert(1)&lt;/script&gt;<br>Email: a&amp;b@example.com');
    expect(notes(row)).toContain('<b>c&lt;1&gt;</b>');
    expect(notes(row)).not.toContain('<script>');
  });

  it('sets the configured activity lookups', () => {
    const row = buildSessionLinkRow(ctx({ lookups: LOOKUPS }), { sessionLink: link, customer: null, at: SENT });
    expect(row).toMatchObject({ TypeId: LOOKUPS.activityTypeId, ActivityCategoryId: LOOKUPS.activityCategoryId, StatusId: LOOKUPS.activityStatusId });
    expect('OriginId' in row).toBe(false);
  });

  it('keeps the title within 500 characters for the longest conversation ID', () => {
    const row = buildSessionLinkRow(ctx({ conversationId: 'c'.repeat(128) }), { sessionLink: link, customer: null, at: SENT });
    expect(title(row).length).toBeLessThanOrEqual(TITLE_MAX);
  });
});

// ---------------------------------------------------------------------------
// Messages
// ---------------------------------------------------------------------------

describe('buildEventRows: messages', () => {
  it('writes one activity per message: deterministic ID, speaker title, text as HTML, sent time', () => {
    const row = messageRow(msg({ senderName: 'Ana' }));
    expect(row).toEqual({
      Id: eventActivityId('org-1', 'conv-1', 'm1', 0, CASE_ID),
      CaseId: CASE_ID,
      Title: 'Customer (Ana): My parcel has not arrived.',
      Notes: '<p>My parcel has not arrived.</p>',
      StartDate: SENT,
      DueDate: SENT,
    });
    expect(messageRow(msg({ senderName: 'Ana' }))).toEqual(row);
  });

  it.each([
    ['ai', undefined, 'AI agent: Hi'],
    ['agent', 'Bob', 'Agent (Bob): Hi'],
    ['system', undefined, 'System: Hi'],
    ['customer', undefined, 'Customer: Hi'],
  ] as const)('labels role %s (name %s) as "%s"', (role, senderName, expected) => {
    expect(title(messageRow(msg({ role, text: 'Hi', ...(senderName && { senderName }) })))).toBe(expected);
  });

  it('never puts the conversation customer details in message activities', () => {
    const row = messageRow(msg());
    const all = JSON.stringify(row);
    for (const detail of [CUSTOMER.name!, CUSTOMER.email!, CUSTOMER.phone!]) expect(all).not.toContain(detail);
  });

  it('shows plain text literally: < > & escaped, line breaks kept, emoji and RTL intact', () => {
    const row = messageRow(msg({ text: 'if a < b && c > d\nthen <b>not bold</b>\n\nשלום 👋' }));
    expect(notes(row)).toBe(
      '<p>if a &lt; b &amp;&amp; c &gt; d<br>then &lt;b&gt;not bold&lt;/b&gt;</p><p dir="auto">שלום 👋</p>',
    );
    expect(title(row)).toBe('Customer: if a < b && c > d then <b>not bold</b> שלום 👋');
  });

  it('sanitises HTML: scripts and handlers removed, formatting kept', () => {
    const row = messageRow(
      msg({
        text: 'Hi there',
        html: '<p onclick="steal()">Hi <b>there</b><script>alert(1)</script></p><img src="x" onerror="steal()"><a href="javascript:alert(1)">x</a>',
      }),
    );
    const html = notes(row);
    expect(html).toContain('<b>there</b>');
    expect(html).not.toMatch(/script|onclick|onerror|javascript:/i);
    expect(title(row)).toBe('Customer: Hi there');
  });

  it('falls back to the text when the HTML shows nothing once sanitised', () => {
    expect(notes(messageRow(msg({ text: 'plain', html: '<script>x()</script>' })))).toBe('<p>plain</p>');
  });

  it('cuts a long title to 500 characters at a word, on one line', () => {
    const row = messageRow(msg({ text: `${'lorem ipsum '.repeat(100)}\nend` }));
    expect(title(row).length).toBeLessThanOrEqual(TITLE_MAX);
    expect(title(row)).toMatch(/^Customer: lorem ipsum .*…$/);
    expect(title(row)).not.toContain('\n');
  });
});

describe('buildEventRows: messages that fit', () => {
  // Every message of the sample conversations, with the attachments list where it has one.
  const examples = join(__dirname, '../../../examples');
  const samples = readdirSync(examples)
    .filter((f) => f.endsWith('.json'))
    .flatMap((f) => (JSON.parse(readFileSync(join(examples, f), 'utf8')) as { events: Array<Partial<MessageEvent> & { type: string }> }).events)
    .filter((e) => e.type === 'message')
    .map((e) => msg({ eventId: e.eventId ?? 'm1', text: e.text ?? '', ...(e.html ? { html: e.html } : {}), ...(e.attachments ? { attachments: e.attachments } : {}) }));

  it('are one part each, exactly what the splitter makes of them (the row skips the splitter then)', () => {
    expect(samples.length).toBeGreaterThan(40);
    expect(samples.some((m) => m.html)).toBe(true);
    expect(samples.some((m) => m.attachments?.length)).toBe(true);
    for (const m of samples) {
      const body = notes(messageRow(m));
      expect([m.eventId, splitHtmlForColumn(body, 20_000)]).toEqual([m.eventId, [body]]);
    }
  });
});

describe('buildEventRows: long messages split into parts', () => {
  const c = ctx({ textMax: 200 });
  const text = words(300); // ~1,600 characters

  it('splits into parts of at most textMax, titled "(part i of n)", in order', () => {
    const rows = messageRows(msg({ text, senderName: 'Ana' }), c);
    expect(rows.length).toBeGreaterThan(5);
    rows.forEach((row, i) => {
      expect(notes(row).length).toBeLessThanOrEqual(200);
      expect(title(row).endsWith(` (part ${i + 1} of ${rows.length})`)).toBe(true);
      expect(title(row).startsWith('Customer (Ana): w0 w1 w2')).toBe(true);
      expect(title(row).length).toBeLessThanOrEqual(TITLE_MAX);
      expect(row.StartDate).toBe(SENT);
      expect(row.CaseId).toBe(CASE_ID);
    });
  });

  it('loses and adds no text: the parts read back as the whole message', () => {
    const rows = messageRows(msg({ text }), c);
    const whole = messageRow(msg({ text }), ctx({ textMax: 1_000_000 }));
    expect(rows.map((r) => textContent(notes(r))).join('')).toBe(textContent(notes(whole)));
    expect(rows.map((r) => textContent(notes(r))).join('').replace(/\s+/g, ' ').trim()).toBe(text);
  });

  it('gives each part a distinct, deterministic ID (event ID + part index + case)', () => {
    const rows = messageRows(msg({ text }), c);
    const ids = rows.map((r) => r.Id);
    expect(new Set(ids).size).toBe(rows.length);
    expect(ids).toEqual(rows.map((_, i) => eventActivityId('org-1', 'conv-1', 'm1', i, CASE_ID)));
    expect(messageRows(msg({ text }), c).map((r) => r.Id)).toEqual(ids);
  });

  it('keeps the titles within 500 characters with a long sender name and text', () => {
    const rows = messageRows(msg({ text: `${'x'.repeat(600)} ${words(400)}`, senderName: 'N'.repeat(300) }), c);
    expect(rows.length).toBeGreaterThan(9);
    for (const [i, row] of rows.entries()) {
      expect(title(row).length).toBeLessThanOrEqual(TITLE_MAX);
      expect(title(row).endsWith(` (part ${i + 1} of ${rows.length})`)).toBe(true);
    }
  });

  it('does not add a part suffix when the message fits', () => {
    expect(title(messageRow(msg({ text: 'short' }), c))).toBe('Customer: short');
  });

  it('splits a long HTML message into well-formed parts', () => {
    const html = `<ul>${Array.from({ length: 40 }, (_, i) => `<li>item <b>${i}</b> of the list</li>`).join('')}</ul>`;
    const rows = messageRows(msg({ text: 'list', html }), c);
    expect(rows.length).toBeGreaterThan(1);
    for (const row of rows) {
      const part = notes(row);
      expect(part.length).toBeLessThanOrEqual(200);
      expect(part.startsWith('<ul>')).toBe(true);
      expect(part.endsWith('</ul>')).toBe(true);
    }
  });
});

describe('buildEventRows: attachments', () => {
  it('lists attachments as references, linking only http(s) URLs', () => {
    const row = messageRow(
      msg({
        text: 'See attached',
        attachments: [
          { name: 'invoice.pdf', url: 'https://files.example.com/invoice.pdf?sig=a&b=c', contentType: 'application/pdf', sizeBytes: 1000 },
          { name: 'photo.jpg', url: 'HTTP://files.example.com/photo.jpg' },
          { name: 'evil', url: 'javascript:alert(1)' },
          { name: 'data', url: 'data:text/html;base64,PHNjcmlwdD4=' },
          { name: 'ftp', url: 'ftp://files.example.com/x' },
          { name: 'no-url' },
        ],
      }),
    );
    expect(notes(row)).toBe(
      '<p>See attached</p><p>Attachments:</p><ul>' +
        '<li><a href="https://files.example.com/invoice.pdf?sig=a&amp;b=c">invoice.pdf</a></li>' +
        '<li><a href="HTTP://files.example.com/photo.jpg">photo.jpg</a></li>' +
        '<li>evil</li><li>data</li><li>ftp</li><li>no-url</li></ul>',
    );
    expect(notes(row)).not.toMatch(/javascript:|data:|ftp:/);
  });

  it('escapes attachment names and URLs', () => {
    const row = messageRow(msg({ text: 'x', attachments: [{ name: '<img src=x onerror=alert(1)>.png', url: 'https://x.example/a"onmouseover="b' }] }));
    expect(notes(row)).toContain('<a href="https://x.example/a&quot;onmouseover=&quot;b">&lt;img src=x onerror=alert(1)&gt;.png</a>');
  });

  it('titles an attachment-only message by its attachment names', () => {
    const row = messageRow(msg({ role: 'agent', text: '', attachments: [{ name: 'a.pdf' }, { name: 'b.png' }] }));
    expect(title(row)).toBe('Agent: [attachment: a.pdf] [attachment: b.png]');
    expect(notes(row)).toBe('<p>Attachments:</p><ul><li>a.pdf</li><li>b.png</li></ul>');
  });
});

// ---------------------------------------------------------------------------
// Handoff and resolve
// ---------------------------------------------------------------------------

describe('buildEventRows: handoff and resolve', () => {
  it('writes a handoff note on an existing case: summary, reason, language, sentiment', () => {
    const rows = buildEventRows(
      ctx({ lookups: LOOKUPS }),
      stored(handoff({ summary: 'Wants a refund for <order 12>', reason: 'asked for a human', language: 'pt', sentiment: 'negative' })),
      { handoffCreatedCase: false },
    );
    expect(rows).toEqual([
      {
        Id: eventActivityId('org-1', 'conv-1', 'h1', 0, CASE_ID),
        CaseId: CASE_ID,
        Title: 'Handoff to a human agent: asked for a human',
        Notes:
          '<p><b>Summary:</b> Wants a refund for &lt;order 12&gt;</p><p>Handoff reason: asked for a human<br>Language: pt<br>Sentiment: negative</p>',
        StartDate: '2026-12-03T10:20:00.000Z',
        DueDate: '2026-12-03T10:20:00.000Z',
        TypeId: LOOKUPS.activityTypeId,
        ActivityCategoryId: LOOKUPS.activityCategoryId,
        StatusId: LOOKUPS.activityStatusId,
      },
    ]);
  });

  it('titles the note by the summary when there is no reason', () => {
    const [row] = buildEventRows(ctx(), stored(handoff({ summary: 'Refund\nplease' })), { handoffCreatedCase: false });
    expect(title(row!)).toBe('Handoff to a human agent: Refund please');
  });

  it('writes a plain note when the handoff carries nothing', () => {
    const [row] = buildEventRows(ctx(), stored(handoff()), { handoffCreatedCase: false });
    expect(notes(row!)).toBe('<p>The AI agent handed the conversation to a human.</p>');
    expect(title(row!).startsWith('Handoff to a human agent')).toBe(true);
  });

  it('writes no note for the handoff that created the case (its content is in the case already)', () => {
    expect(buildEventRows(ctx(), stored(handoff({ summary: 'x' })), { handoffCreatedCase: true })).toEqual([]);
  });

  it('the handoffCreatedCase flag does not suppress messages', () => {
    expect(buildEventRows(ctx(), stored(msg()), { handoffCreatedCase: true })).toHaveLength(1);
  });

  it('writes nothing for a resolve', () => {
    const resolve: ResolveEvent = { type: 'resolve', eventId: 'r1', occurredAt: SENT };
    expect(buildEventRows(ctx(), stored(resolve), { handoffCreatedCase: false })).toEqual([]);
  });
});
