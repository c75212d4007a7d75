import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/**
 * Loads the sample conversations in examples/ (format: examples/README.md),
 * expands their repeat blocks and checks that each file's declared outcome is
 * the one its mode and events imply, so a wrong file fails before anything
 * starts instead of as a confusing verification failure.
 */
export type OrgMode = 'every-conversation' | 'handoff-only';
export type FinalState = 'resolved' | 'syncing' | 'closed_without_case' | 'pending';

const Role = z.enum(['customer', 'ai', 'agent', 'system']);
/** Seconds after the previous event; the replay turns these into timestamps. */
const After = z.number().nonnegative().max(86_400);
const EventId = z.string().min(1).max(200);

const Customer = z
  .object({
    name: z.string().trim().min(1),
    email: z.string().email().optional(),
    phone: z.string().trim().min(1).optional(),
  })
  .strict();

const Attachment = z
  .object({
    name: z.string().min(1),
    url: z.string().url().optional(),
    contentType: z.string().optional(),
    sizeBytes: z.number().int().nonnegative().optional(),
  })
  .strict();

const messageFields = {
  type: z.literal('message'),
  eventId: EventId,
  role: Role,
  html: z.string().min(1).optional(),
  senderName: z.string().trim().min(1).optional(),
  channel: z.string().trim().min(1).optional(),
  attachments: z.array(Attachment).optional(),
  after: After.optional(),
  /** Strings that must not reach Creatio (e.g. a script the sanitiser has to strip). */
  mustNotAppear: z.array(z.string().min(1)).optional(),
};

const Message = z
  .object({ ...messageFields, text: z.string().min(1).optional() })
  .strict()
  .refine((m) => m.text !== undefined || m.html !== undefined, { message: 'a message needs text or html', path: ['text'] });

/** In a repeat block a text may be a list, used in turn ({n}=1 takes the first). */
const MessageTemplate = z
  .object({ ...messageFields, text: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional() })
  .strict()
  .refine((m) => m.text !== undefined || m.html !== undefined, { message: 'a message needs text or html', path: ['text'] });

const Handoff = z
  .object({
    type: z.literal('handoff'),
    eventId: EventId,
    summary: z.string().min(1).optional(),
    language: z.string().min(1).optional(),
    sentiment: z.string().min(1).optional(),
    reason: z.string().min(1).optional(),
    aiFields: z.record(z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
    after: After.optional(),
  })
  .strict();

const Resolve = z.object({ type: z.literal('resolve'), eventId: EventId, after: After.optional() }).strict();

const Repeat = z
  .object({ repeat: z.object({ times: z.number().int().min(1).max(1000), events: z.array(MessageTemplate).min(1) }).strict() })
  .strict();

const ExampleFile = z
  .object({
    title: z.string().min(1),
    description: z.string().optional(),
    orgMode: z.enum(['every-conversation', 'handoff-only']),
    conversationId: z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/, 'use 1 to 128 letters, digits, ".", "_", ":" or "-"'),
    /** Default channel of the messages. */
    channel: z.string().trim().min(1).optional(),
    customer: Customer,
    expect: z
      .object({
        case: z.boolean(),
        finalState: z.enum(['resolved', 'syncing', 'closed_without_case', 'pending']),
      })
      .strict(),
    events: z.array(z.union([Message, Handoff, Resolve, Repeat])).min(1),
  })
  .strict();

export type ExampleMessage = Omit<z.infer<typeof Message>, 'text'> & { text?: string };
export type ExampleHandoff = z.infer<typeof Handoff>;
export type ExampleResolve = z.infer<typeof Resolve>;
export type ExampleEvent = ExampleMessage | ExampleHandoff | ExampleResolve;
export type Customer = z.infer<typeof Customer>;

export interface Expectation {
  case: boolean;
  finalState: FinalState;
}

export interface Example {
  /** File name, for messages. */
  file: string;
  title: string;
  orgMode: OrgMode;
  conversationId: string;
  customer: Customer;
  expect: Expectation;
  /** Repeat blocks expanded, default channel applied. */
  events: ExampleEvent[];
}

export class ExampleError extends Error {}

export function loadExamples(dir: string): Example[] {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
  } catch (err) {
    throw new ExampleError(`Cannot read the examples folder ${dir}: ${(err as Error).message}`);
  }
  if (files.length === 0) throw new ExampleError(`No *.json examples in ${dir}`);
  const examples = files.map((file) => {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(path.join(dir, file), 'utf8'));
    } catch (err) {
      throw new ExampleError(`${file}: not valid JSON (${(err as Error).message})`);
    }
    return parseExample(file, json);
  });
  const seen = new Map<string, string>();
  for (const ex of examples) {
    const other = seen.get(ex.conversationId);
    if (other) throw new ExampleError(`${ex.file}: conversationId ${ex.conversationId} is also used by ${other}`);
    seen.set(ex.conversationId, ex.file);
  }
  return examples;
}

export function parseExample(file: string, json: unknown): Example {
  const parsed = ExampleFile.safeParse(json);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(file)'}: ${i.message}`);
    throw new ExampleError(`${file}: invalid example\n${lines.join('\n')}`);
  }
  const data = parsed.data;
  const events: ExampleEvent[] = [];
  for (const item of data.events) {
    if ('repeat' in item) events.push(...expandRepeat(item.repeat.times, item.repeat.events));
    else events.push(item);
  }
  const withChannel = events.map((e) => (e.type === 'message' && data.channel && !e.channel ? { ...e, channel: data.channel } : e));
  checkEvents(file, withChannel);
  const derived = deriveExpectation(data.orgMode, withChannel);
  if (derived.case !== data.expect.case || derived.finalState !== data.expect.finalState) {
    throw new ExampleError(
      `${file}: "expect" says case=${data.expect.case}, finalState=${data.expect.finalState}, ` +
        `but a ${data.orgMode} org and these events give case=${derived.case}, finalState=${derived.finalState}`,
    );
  }
  return {
    file,
    title: data.title,
    orgMode: data.orgMode,
    conversationId: data.conversationId,
    customer: data.customer,
    expect: data.expect,
    events: withChannel,
  };
}

type Template = z.infer<typeof MessageTemplate>;

/** {n} → iteration number, {n:03} → zero-padded to 3 digits. */
function fill(s: string, n: number): string {
  return s.replace(/\{n(?::0(\d+))?\}/g, (_m, width: string | undefined) => (width ? String(n).padStart(Number(width), '0') : String(n)));
}

function expandRepeat(times: number, templates: Template[]): ExampleMessage[] {
  const out: ExampleMessage[] = [];
  for (let n = 1; n <= times; n++) {
    for (const t of templates) {
      const text = Array.isArray(t.text) ? t.text[(n - 1) % t.text.length] : t.text;
      const msg: ExampleMessage = { ...t, eventId: fill(t.eventId, n), text: text === undefined ? undefined : fill(text, n) };
      if (t.html !== undefined) msg.html = fill(t.html, n);
      if (msg.text === undefined) delete msg.text;
      out.push(msg);
    }
  }
  return out;
}

function checkEvents(file: string, events: ExampleEvent[]): void {
  const ids = new Set<string>();
  for (const e of events) {
    if (ids.has(e.eventId)) throw new ExampleError(`${file}: eventId ${e.eventId} appears twice`);
    ids.add(e.eventId);
  }
  // A message after resolve would start a second life of the conversation: out of scope for a sample.
  const resolveAt = events.findIndex((e) => e.type === 'resolve');
  if (resolveAt >= 0 && resolveAt !== events.length - 1) throw new ExampleError(`${file}: "resolve" must be the last event`);
  if (events.filter((e) => e.type === 'handoff').length > 1) throw new ExampleError(`${file}: at most one handoff per sample`);
}

/** What the product promises for a conversation (issue 2, section 6). */
export function deriveExpectation(mode: OrgMode, events: readonly ExampleEvent[]): Expectation {
  const hasCustomerMessage = events.some((e) => e.type === 'message' && e.role === 'customer');
  const hasHandoff = events.some((e) => e.type === 'handoff');
  const resolved = events.some((e) => e.type === 'resolve');
  const hasCase = mode === 'every-conversation' ? hasCustomerMessage : hasHandoff;
  const finalState: FinalState = resolved ? (hasCase ? 'resolved' : 'closed_without_case') : hasCase ? 'syncing' : 'pending';
  return { case: hasCase, finalState };
}

export function messagesOf(example: Example): ExampleMessage[] {
  return example.events.filter((e): e is ExampleMessage => e.type === 'message');
}
