import { z } from 'zod';
import {
  ConnectionBodySchema,
  EventsBodySchema,
  fieldIssues,
  IdSchema,
  TimestampSchema,
  type ConnectionBody,
  type EventInput,
  type FieldIssue,
} from '../../../src/api/schemas';

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

const MSG = { type: 'message', eventId: 'm1', role: 'customer', text: 'Hello', sentAt: '2026-12-03T10:15:00Z' } as const;
const HANDOFF = { type: 'handoff', eventId: 'h1' } as const;
const RESOLVE = { type: 'resolve', eventId: 'r1' } as const;

function parseOk(body: unknown): EventInput[] {
  const r = EventsBodySchema.safeParse(body);
  if (!r.success) throw new Error(`expected valid, got ${JSON.stringify(fieldIssues(r.error))}`);
  return r.data;
}

function issuesOf(body: unknown): FieldIssue[] {
  const r = EventsBodySchema.safeParse(body);
  if (r.success) throw new Error(`expected invalid, got ${JSON.stringify(r.data)}`);
  return fieldIssues(r.error);
}

function one(body: unknown): EventInput {
  const list = parseOk(body);
  expect(list).toHaveLength(1);
  return list[0]!;
}

function message(body: unknown): Extract<EventInput, { type: 'message' }> {
  const e = one(body);
  if (e.type !== 'message') throw new Error(`expected a message, got ${e.type}`);
  return e;
}

function connectionOk(body: unknown): ConnectionBody {
  const r = ConnectionBodySchema.safeParse(body);
  if (!r.success) throw new Error(`expected valid, got ${JSON.stringify(fieldIssues(r.error))}`);
  return r.data;
}

function connectionIssues(body: unknown): FieldIssue[] {
  const r = ConnectionBodySchema.safeParse(body);
  if (r.success) throw new Error(`expected invalid, got ${JSON.stringify(r.data)}`);
  return fieldIssues(r.error);
}

const paths = (issues: FieldIssue[]): string[] => issues.map((i) => i.path);

// ---------------------------------------------------------------------------
// EventsBodySchema: shapes
// ---------------------------------------------------------------------------

describe('EventsBodySchema: body shapes', () => {
  it('accepts a single event and returns it as a list of one', () => {
    expect(parseOk(MSG)).toEqual([{ ...MSG, sentAt: '2026-12-03T10:15:00.000Z' }]);
  });

  it('accepts a bare list, keeping the order', () => {
    const list = parseOk([MSG, { ...MSG, eventId: 'm2' }, RESOLVE]);
    expect(list.map((e) => e.eventId)).toEqual(['m1', 'm2', 'r1']);
  });

  it('accepts {"events": [...]}', () => {
    expect(parseOk({ events: [HANDOFF, RESOLVE] }).map((e) => e.type)).toEqual(['handoff', 'resolve']);
  });

  it('rejects an empty list in both list forms', () => {
    expect(issuesOf([])).toEqual([{ path: '(body)', message: 'send at least one event' }]);
    expect(issuesOf({ events: [] })).toEqual([{ path: 'events', message: 'send at least one event' }]);
  });

  it('accepts 500 events and rejects 501', () => {
    const list = (n: number) => Array.from({ length: n }, (_, i) => ({ ...RESOLVE, eventId: `r${i}` }));
    expect(parseOk(list(500))).toHaveLength(500);
    expect(issuesOf({ events: list(501) })).toEqual([{ path: 'events', message: 'send at most 500 events per request' }]);
  });

  it.each([
    ['null', null],
    ['a string', 'message'],
    ['a number', 42],
    ['no body', undefined],
  ])('rejects %s', (_name, body) => {
    expect(EventsBodySchema.safeParse(body).success).toBe(false);
  });

  it('rejects unknown fields next to "events"', () => {
    expect(EventsBodySchema.safeParse({ events: [MSG], orgId: 'x' }).success).toBe(false);
  });
});

// ---------------------------------------------------------------------------
// EventsBodySchema: events
// ---------------------------------------------------------------------------

describe('EventsBodySchema: messages', () => {
  it('keeps every optional field', () => {
    const m = message({
      ...MSG,
      seq: 7,
      html: '<p>Hello</p>',
      channel: 'sms',
      senderName: 'Ana',
      attachments: [{ name: 'invoice.pdf', url: 'https://files.example.com/i.pdf', contentType: 'application/pdf', sizeBytes: 1234 }],
      customer: { name: 'Ana Pérez', email: 'ana@example.com', phone: '+351 912 345 678' },
    });
    expect(m).toEqual({
      ...MSG,
      seq: 7,
      html: '<p>Hello</p>',
      channel: 'sms',
      senderName: 'Ana',
      sentAt: '2026-12-03T10:15:00.000Z',
      attachments: [{ name: 'invoice.pdf', url: 'https://files.example.com/i.pdf', contentType: 'application/pdf', sizeBytes: 1234 }],
      customer: { name: 'Ana Pérez', email: 'ana@example.com', phone: '+351 912 345 678' },
    });
  });

  it.each(['customer', 'ai', 'agent', 'system'])('accepts role %s', (role) => {
    expect(message({ ...MSG, role }).role).toBe(role);
  });

  it('rejects another role, naming the field', () => {
    expect(paths(issuesOf({ events: [{ ...MSG, role: 'bot' }] }))).toEqual(['events[0].role']);
  });

  it('needs text, html or attachments', () => {
    const { text: _t, ...noText } = MSG;
    expect(issuesOf({ events: [noText] })).toEqual([{ path: 'events[0].text', message: 'a message needs text, html or attachments' }]);
    expect(issuesOf({ events: [{ ...MSG, text: ' \n\t ' }] })).toEqual([
      { path: 'events[0].text', message: 'a message needs text, html or attachments' },
    ]);
    expect(issuesOf({ events: [{ ...noText, html: '   ' }] })[0]?.path).toBe('events[0].text');
    expect(issuesOf({ events: [{ ...noText, attachments: [] }] })[0]?.path).toBe('events[0].text');
    expect(message({ ...noText, html: '<p>hi</p>' }).html).toBe('<p>hi</p>');
    expect(message({ ...noText, attachments: [{ name: 'photo.jpg' }] }).attachments).toEqual([{ name: 'photo.jpg' }]);
  });

  it('keeps text exactly (no trimming, line breaks, < > &, emoji, RTL)', () => {
    const text = '  line 1\r\nline 2 <b>not html</b> & co 👩‍👩‍👧‍👦 مرحبا  ';
    expect(message({ ...MSG, text }).text).toBe(text);
  });

  it('requires sentAt on messages', () => {
    const { sentAt: _s, ...noTime } = MSG;
    expect(issuesOf({ events: [noTime] })).toEqual([{ path: 'events[0].sentAt', message: 'Required' }]);
  });

  it('rejects unknown fields, naming them', () => {
    const issues = issuesOf({ events: [{ ...MSG, colour: 'red' }] });
    expect(issues).toHaveLength(1);
    expect(issues[0]!.path).toBe('events[0]');
    expect(issues[0]!.message).toContain("'colour'");
  });

  it('rejects unknown fields inside customer and attachments', () => {
    expect(paths(issuesOf({ events: [{ ...MSG, customer: { name: 'A', age: 3 } }] }))).toEqual(['events[0].customer']);
    expect(paths(issuesOf({ events: [{ ...MSG, attachments: [{ name: 'a', bytes: 3 }] }] }))).toEqual(['events[0].attachments[0]']);
  });

  it('checks text, html, eventId, seq, channel, sender and attachment limits', () => {
    expect(message({ ...MSG, text: 'x'.repeat(1_000_000) }).text).toHaveLength(1_000_000);
    expect(paths(issuesOf({ events: [{ ...MSG, text: 'x'.repeat(1_000_001) }] }))).toEqual(['events[0].text']);
    expect(paths(issuesOf({ events: [{ ...MSG, html: 'x'.repeat(2_000_001) }] }))).toEqual(['events[0].html']);
    expect(message({ ...MSG, eventId: 'e'.repeat(200) }).eventId).toHaveLength(200);
    expect(paths(issuesOf({ events: [{ ...MSG, eventId: 'e'.repeat(201) }] }))).toEqual(['events[0].eventId']);
    expect(paths(issuesOf({ events: [{ ...MSG, eventId: '' }] }))).toEqual(['events[0].eventId']);
    expect(message({ ...MSG, seq: 2_000_000_000 }).seq).toBe(2_000_000_000);
    for (const seq of [0, -1, 1.5, 2_000_000_001, '3']) {
      expect(paths(issuesOf({ events: [{ ...MSG, seq }] }))).toEqual(['events[0].seq']);
    }
    expect(message({ ...MSG, channel: '  webchat ' }).channel).toBe('webchat');
    expect(paths(issuesOf({ events: [{ ...MSG, channel: 'c'.repeat(51) }] }))).toEqual(['events[0].channel']);
    expect(paths(issuesOf({ events: [{ ...MSG, channel: '   ' }] }))).toEqual(['events[0].channel']);
    expect(message({ ...MSG, senderName: ' Ana ' }).senderName).toBe('Ana');
    expect(paths(issuesOf({ events: [{ ...MSG, senderName: 'n'.repeat(201) }] }))).toEqual(['events[0].senderName']);
    const att = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `f${i}` }));
    expect(message({ ...MSG, attachments: att(50) }).attachments).toHaveLength(50);
    expect(paths(issuesOf({ events: [{ ...MSG, attachments: att(51) }] }))).toEqual(['events[0].attachments']);
  });

  it('checks attachments: name required, URL must be a URL, size a non-negative integer', () => {
    expect(paths(issuesOf({ events: [{ ...MSG, attachments: [{ name: '' }] }] }))).toEqual(['events[0].attachments[0].name']);
    expect(paths(issuesOf({ events: [{ ...MSG, attachments: [{ name: 'a', url: 'not a url' }] }] }))).toEqual([
      'events[0].attachments[0].url',
    ]);
    expect(paths(issuesOf({ events: [{ ...MSG, attachments: [{ name: 'a', sizeBytes: -1 }] }] }))).toEqual([
      'events[0].attachments[0].sizeBytes',
    ]);
    expect(paths(issuesOf({ events: [{ ...MSG, attachments: [{ name: 'a', sizeBytes: 1.5 }] }] }))).toEqual([
      'events[0].attachments[0].sizeBytes',
    ]);
  });

  it('trims and validates customer details', () => {
    expect(message({ ...MSG, customer: { name: ' Ana ', email: ' ana@example.com ', phone: ' 123 ' } }).customer).toEqual({
      name: 'Ana',
      email: 'ana@example.com',
      phone: '123',
    });
    expect(issuesOf({ events: [{ ...MSG, customer: { email: 'not-an-email' } }] })).toEqual([
      { path: 'events[0].customer.email', message: 'Invalid email' },
    ]);
    expect(paths(issuesOf({ events: [{ ...MSG, customer: { name: '  ' } }] }))).toEqual(['events[0].customer.name']);
    expect(paths(issuesOf({ events: [{ ...MSG, customer: { phone: '1'.repeat(65) } }] }))).toEqual(['events[0].customer.phone']);
  });
});

describe('EventsBodySchema: handoff and resolve', () => {
  it('accepts a bare handoff and resolve (occurredAt optional)', () => {
    expect(one(HANDOFF)).toEqual(HANDOFF);
    expect(one(RESOLVE)).toEqual(RESOLVE);
  });

  it('keeps the handoff fields, trimming language, sentiment and reason', () => {
    expect(
      one({
        ...HANDOFF,
        summary: ' Customer wants a refund. ',
        language: ' de ',
        sentiment: ' negative ',
        reason: ' asked for a human ',
        aiFields: { Priority: 'High', Score: 0.8, Vip: true, Note: null },
        occurredAt: '2026-12-03T11:15:00+01:00',
      }),
    ).toEqual({
      ...HANDOFF,
      summary: ' Customer wants a refund. ',
      language: 'de',
      sentiment: 'negative',
      reason: 'asked for a human',
      aiFields: { Priority: 'High', Score: 0.8, Vip: true, Note: null },
      occurredAt: '2026-12-03T10:15:00.000Z',
    });
  });

  it('checks aiFields keys (Creatio column names) and values', () => {
    expect(issuesOf({ events: [{ ...HANDOFF, aiFields: { '1st': 'x' } }] })).toEqual([
      { path: 'events[0].aiFields.1st', message: 'must be a Creatio column name' },
    ]);
    expect(paths(issuesOf({ events: [{ ...HANDOFF, aiFields: { Nested: { a: 1 } } }] }))[0]).toBe('events[0].aiFields.Nested');
    expect(paths(issuesOf({ events: [{ ...HANDOFF, aiFields: { Long: 'x'.repeat(10_001) } }] }))[0]).toBe('events[0].aiFields.Long');
  });

  it('checks handoff limits', () => {
    expect(paths(issuesOf({ events: [{ ...HANDOFF, summary: 's'.repeat(20_001) }] }))).toEqual(['events[0].summary']);
    expect(paths(issuesOf({ events: [{ ...HANDOFF, language: 'l'.repeat(36) }] }))).toEqual(['events[0].language']);
  });

  it('rejects message fields on a resolve and an unknown type', () => {
    expect(issuesOf({ events: [{ ...RESOLVE, text: 'bye' }] })[0]?.message).toContain("'text'");
    expect(EventsBodySchema.safeParse({ type: 'typing', eventId: 'x' }).success).toBe(false);
  });
});

// ---------------------------------------------------------------------------
// Timestamps
// ---------------------------------------------------------------------------

describe('TimestampSchema', () => {
  it.each([
    ['2026-12-03T10:15:00Z', '2026-12-03T10:15:00.000Z'],
    ['2026-12-03T10:15Z', '2026-12-03T10:15:00.000Z'],
    ['2026-12-03T11:15:00+01:00', '2026-12-03T10:15:00.000Z'],
    ['2026-12-03T11:15:00+0100', '2026-12-03T10:15:00.000Z'],
    ['2026-12-03T05:15:00-05:00', '2026-12-03T10:15:00.000Z'],
    ['2026-12-03T15:45:00.5+05:30', '2026-12-03T10:15:00.500Z'],
    ['2026-12-03T10:15:00.123456789Z', '2026-12-03T10:15:00.123Z'],
    ['2026-12-04T00:30:00+14:00', '2026-12-03T10:30:00.000Z'],
    ['2026-01-01T00:15:00+01:00', '2025-12-31T23:15:00.000Z'],
    ['2026-12-03t10:15:00z', '2026-12-03T10:15:00.000Z'],
  ])('normalises %s to UTC ISO %s', (input, utc) => {
    expect(TimestampSchema.parse(input)).toBe(utc);
  });

  it.each([
    ['no zone', '2026-12-03T10:15:00'],
    ['date only', '2026-12-03'],
    ['space instead of T', '2026-12-03 10:15:00Z'],
    ['no seconds and no zone', '2026-12-03T10:15'],
    ['RFC 2822', 'Thu, 03 Dec 2026 10:15:00 GMT'],
    ['epoch as a string', '1796292900000'],
    ['month 13', '2026-13-03T10:15:00Z'],
    ['second 60', '2026-12-03T10:15:60Z'],
    ['offset hour 24', '2026-12-03T10:15:00+24:00'],
    ['empty', ''],
    ['zone name', '2026-12-03T10:15:00 Europe/Lisbon'],
  ])('rejects %s (%s) with a message asking for a zone', (_name, input) => {
    const r = TimestampSchema.safeParse(input);
    expect(r.success).toBe(false);
    if (!r.success) expect(r.error.issues[0]?.message).toMatch(/ISO 8601 timestamp with a time zone/);
  });

  it('rejects numbers', () => {
    expect(TimestampSchema.safeParse(1796292900000).success).toBe(false);
  });

  it('applies to sentAt and occurredAt in events', () => {
    expect(message({ ...MSG, sentAt: '2026-12-03T11:15:00+01:00' }).sentAt).toBe('2026-12-03T10:15:00.000Z');
    expect(issuesOf({ events: [{ ...MSG, sentAt: '2026-12-03T10:15:00' }] })[0]?.path).toBe('events[0].sentAt');
  });

  // BUG (src/api/schemas.ts, TimestampSchema): validity is checked with Date.parse,
  // which in V8 rolls impossible calendar dates over instead of rejecting them, so
  // "2026-02-30T10:00:00Z" is accepted and stored as 2026-03-02T10:00:00.000Z
  // (and 2026-04-31 as 2026-05-01): the message silently moves by days.
  it.each([['2026-02-30T10:00:00Z'], ['2026-04-31T00:00:00Z'], ['2025-02-29T12:00:00+01:00']])(
    'rejects the impossible calendar date %s',
    (input) => {
      expect(TimestampSchema.safeParse(input).success).toBe(false);
    },
  );

  it('accepts 29 February in a leap year', () => {
    expect(TimestampSchema.parse('2028-02-29T12:00:00Z')).toBe('2028-02-29T12:00:00.000Z');
  });
});

// ---------------------------------------------------------------------------
// fieldIssues
// ---------------------------------------------------------------------------

describe('fieldIssues: paths and branch choice', () => {
  it('writes paths as events[0].sentAt for the {"events"} form and [1].sentAt for a bare list', () => {
    expect(paths(issuesOf({ events: [MSG, { ...MSG, sentAt: 'soon' }] }))).toEqual(['events[1].sentAt']);
    expect(paths(issuesOf([MSG, { ...MSG, sentAt: 'soon' }]))).toEqual(['[1].sentAt']);
  });

  it('writes nested array and object paths', () => {
    expect(paths(issuesOf({ events: [{ ...MSG, attachments: [{ name: 'a' }, { name: 'b', url: 'x' }] }] }))).toEqual([
      'events[0].attachments[1].url',
    ]);
  });

  it('reports every problem of the chosen branch', () => {
    expect(paths(issuesOf({ events: [{ ...MSG, role: 'bot', sentAt: 'x', channel: '' }] })).sort()).toEqual([
      'events[0].channel',
      'events[0].role',
      'events[0].sentAt',
    ]);
  });

  it('reports a bad message field in a list as the message branch, not "expected handoff"', () => {
    const issues = issuesOf({ events: [{ ...MSG, sentAt: 'x' }] });
    expect(issues).toHaveLength(1);
    expect(issues[0]!.path).toBe('events[0].sentAt');
    expect(issues[0]!.message).not.toMatch(/literal/i);
  });

  // BUG (src/api/schemas.ts, fieldIssues/depth): a single-event body (the first
  // body form the API documents) never gets its own error reported. The
  // {"events": [...]} branch of EventsBodySchema reports "events: Required" at
  // depth 1, while the single-event branch is one invalid_union issue at the
  // root (depth 0, its nested branches are not looked into), so the wrapper
  // branch wins: a message with sentAt "2026-12-03T10:15:00" yields
  // [{path:"events",message:"Required"},{path:"(body)",message:"Unrecognized key(s)
  // in object: 'type', 'eventId', 'role', 'text', 'sentAt'"}] instead of sentAt's
  // "must be an ISO 8601 timestamp with a time zone".
  it('reports the real problem of a single-event body (bad sentAt → sentAt)', () => {
    expect(issuesOf({ ...MSG, sentAt: '2026-12-03T10:15:00' })).toEqual([
      { path: 'sentAt', message: expect.stringMatching(/time zone/) },
    ]);
  });

  it('reports an unknown field of a single-event body by its own name only', () => {
    const issues = issuesOf({ ...MSG, colour: 'red' });
    expect(issues).toHaveLength(1);
    expect(issues[0]!.message).toBe("Unrecognized key(s) in object: 'colour'");
  });

  it('reports a missing text in a single-event body at text', () => {
    expect(issuesOf({ ...MSG, text: ' ' })).toEqual([{ path: 'text', message: 'a message needs text, html or attachments' }]);
  });

  // BUG (src/api/schemas.ts, fieldIssues/depth): the -10 penalty for
  // invalid_literal is per issue, but a branch's depth is the max over its issues,
  // so the message branch (wrong "type" literal, plus "role"/"sentAt" Required at
  // the same depth as the real problem) ties with the right branch and wins by
  // order. A resolve or handoff with a bad occurredAt is reported as
  // events[0].type "expected message", events[0].role Required, events[0].sentAt
  // Required and "Unrecognized key(s): 'occurredAt'" — never the timestamp problem.
  it('reports a resolve with a bad occurredAt at events[0].occurredAt', () => {
    expect(paths(issuesOf({ events: [{ ...RESOLVE, occurredAt: '2026-12-03T10:15:00' }] }))).toEqual(['events[0].occurredAt']);
  });

  it('reports a handoff with a bad occurredAt at events[0].occurredAt', () => {
    expect(paths(issuesOf({ events: [{ ...HANDOFF, occurredAt: 'yesterday' }] }))).toEqual(['events[0].occurredAt']);
  });

  it('reports a resolve without eventId as eventId Required only', () => {
    expect(issuesOf({ events: [{ type: 'resolve' }] })).toEqual([{ path: 'events[0].eventId', message: 'Required' }]);
  });

  it('picks the right branch when the right branch is the only deep one (handoff with a bad aiFields key)', () => {
    expect(paths(issuesOf({ events: [{ ...HANDOFF, aiFields: { 'bad key': 1 } }] }))).toEqual(['events[0].aiFields.bad key']);
  });
});

describe('fieldIssues on hand-made errors', () => {
  const issue = (path: Array<string | number>, message: string): z.ZodIssue => ({ code: 'custom', path, message });

  it('names the root "(body)" and joins keys and indexes', () => {
    expect(fieldIssues(new z.ZodError([issue([], 'bad'), issue(['a', 0, 'b', 12], 'worse'), issue([3], 'idx')]))).toEqual([
      { path: '(body)', message: 'bad' },
      { path: 'a[0].b[12]', message: 'worse' },
      { path: '[3]', message: 'idx' },
    ]);
  });

  it('drops exact duplicates (same path and message) but keeps different messages on one path', () => {
    expect(fieldIssues(new z.ZodError([issue(['x'], 'm'), issue(['x'], 'm'), issue(['x'], 'n')]))).toEqual([
      { path: 'x', message: 'm' },
      { path: 'x', message: 'n' },
    ]);
  });

  it('follows the union branch whose issues go deepest', () => {
    const union: z.ZodIssue = {
      code: 'invalid_union',
      path: [],
      message: 'Invalid input',
      unionErrors: [new z.ZodError([issue(['a'], 'shallow')]), new z.ZodError([issue(['a', 'b', 'c'], 'deep')])],
    };
    expect(fieldIssues(new z.ZodError([union]))).toEqual([{ path: 'a.b.c', message: 'deep' }]);
  });

  it('discounts a branch whose only deep issue is a wrong literal', () => {
    const literal: z.ZodIssue = { code: 'invalid_literal', path: ['e', 0, 'type'], message: 'Invalid literal', expected: 'x', received: 'y' };
    const union: z.ZodIssue = {
      code: 'invalid_union',
      path: [],
      message: 'Invalid input',
      unionErrors: [new z.ZodError([literal]), new z.ZodError([issue(['e'], 'relevant')])],
    };
    expect(fieldIssues(new z.ZodError([union]))).toEqual([{ path: 'e', message: 'relevant' }]);
  });
});

// ---------------------------------------------------------------------------
// ConnectionBodySchema
// ---------------------------------------------------------------------------

describe('ConnectionBodySchema', () => {
  const BASE = { instanceUrl: 'https://acme.creatio.com', clientId: 'client-1' };
  const GUID = '3E7F420C-F46B-1410-FC9A-0050BA5D6C38';

  it('accepts the minimal body', () => {
    expect(connectionOk(BASE)).toEqual(BASE);
  });

  it('lower-cases GUIDs', () => {
    expect(connectionOk({ ...BASE, ownerId: GUID, groupId: GUID, resolvedStatusId: GUID })).toMatchObject({
      ownerId: GUID.toLowerCase(),
      groupId: GUID.toLowerCase(),
      resolvedStatusId: GUID.toLowerCase(),
    });
  });

  it('keeps null (clear the setting) apart from absent', () => {
    const withNulls = connectionOk({ ...BASE, ownerId: null, groupId: null, resolvedStatusId: null, tokenUrl: null });
    expect(withNulls).toEqual({ ...BASE, ownerId: null, groupId: null, resolvedStatusId: null, tokenUrl: null });
    const absent = connectionOk(BASE);
    expect('ownerId' in absent).toBe(false);
    expect('tokenUrl' in absent).toBe(false);
  });

  it.each([
    ['not a GUID', 'owner'],
    ['braces', `{${GUID}}`],
    ['no dashes', GUID.replace(/-/g, '')],
    ['one digit short', GUID.slice(0, -1)],
    ['non-hex', 'g'.repeat(8) + GUID.slice(8)],
    ['empty', ''],
  ])('rejects a GUID with %s, naming the field', (_name, value) => {
    expect(connectionIssues({ ...BASE, ownerId: value })).toEqual([
      { path: 'ownerId', message: 'must be a GUID like 3e7f420c-f46b-1410-fc9a-0050ba5d6c38' },
    ]);
  });

  it('trims instanceUrl, tokenUrl, clientId and clientSecret', () => {
    expect(
      connectionOk({ instanceUrl: ' https://acme.creatio.com ', tokenUrl: ' https://id.example.com/connect/token ', clientId: ' c ', clientSecret: ' s ' }),
    ).toEqual({ instanceUrl: 'https://acme.creatio.com', tokenUrl: 'https://id.example.com/connect/token', clientId: 'c', clientSecret: 's' });
  });

  it('requires instanceUrl and clientId; a blank secret is an error, an absent one is not', () => {
    expect(paths(connectionIssues({})).sort()).toEqual(['clientId', 'instanceUrl']);
    expect(paths(connectionIssues({ ...BASE, clientId: '   ' }))).toEqual(['clientId']);
    expect(paths(connectionIssues({ ...BASE, clientSecret: '   ' }))).toEqual(['clientSecret']);
    expect(connectionOk({ ...BASE, clientSecret: 'secret' }).clientSecret).toBe('secret');
  });

  it('accepts only the two OData base paths', () => {
    expect(connectionOk({ ...BASE, odataBasePath: '/odata' }).odataBasePath).toBe('/odata');
    expect(connectionOk({ ...BASE, odataBasePath: '/0/odata' }).odataBasePath).toBe('/0/odata');
    expect(paths(connectionIssues({ ...BASE, odataBasePath: '/0/odata/' }))).toEqual(['odataBasePath']);
  });

  it('takes handoffOnly as a boolean only', () => {
    expect(connectionOk({ ...BASE, handoffOnly: true }).handoffOnly).toBe(true);
    expect(paths(connectionIssues({ ...BASE, handoffOnly: 'true' }))).toEqual(['handoffOnly']);
  });

  it('rejects unknown fields at the body level', () => {
    const issues = connectionIssues({ ...BASE, client_secret: 'x' });
    expect(issues).toHaveLength(1);
    expect(issues[0]!.path).toBe('(body)');
    expect(issues[0]!.message).toContain("'client_secret'");
  });

  it('never echoes the secret in an issue', () => {
    const secret = 'super-secret-value-123';
    const issues = connectionIssues({ ...BASE, clientSecret: secret + 'x'.repeat(2000) });
    expect(JSON.stringify(issues)).not.toContain(secret);
  });
});

describe('IdSchema', () => {
  it.each(['org-1', 'a', 'A.b_c:d-9', 'x'.repeat(128)])('accepts %s', (id) => {
    expect(IdSchema.safeParse(id).success).toBe(true);
  });

  it.each(['', 'x'.repeat(129), 'has space', 'a/b', 'ü', 'a%2Fb'])('rejects %j', (id) => {
    expect(IdSchema.safeParse(id).success).toBe(false);
  });
});
