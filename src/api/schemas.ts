import { z } from 'zod';

/**
 * Request bodies of the public API. Strict: unknown fields are errors, so a
 * misspelt field is reported instead of silently dropped.
 */
export const IdSchema = z
  .string()
  .regex(/^[A-Za-z0-9._:-]{1,128}$/, 'use 1 to 128 letters, digits, ".", "_", ":" or "-"');

const EventIdSchema = z.string().min(1).max(200);
const GuidSchema = z
  .string()
  .regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, 'must be a GUID like 3e7f420c-f46b-1410-fc9a-0050ba5d6c38')
  .transform((s) => s.toLowerCase());

/** Timestamps must say their zone: a bare local time would be guessed, and guesses reorder transcripts. */
export const TimestampSchema = z
  .string()
  .refine(isZonedTimestamp, {
    message: 'must be an ISO 8601 timestamp with a time zone, e.g. 2026-12-03T10:15:00Z or 2026-12-03T11:15:00+01:00',
  })
  .transform((s) => new Date(s).toISOString());

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-](\d{2}):?(\d{2}))$/i;

/** A real calendar date and time with a zone; Date.parse alone would roll 30 February into March. */
function isZonedTimestamp(s: string): boolean {
  const m = TIMESTAMP.exec(s);
  if (!m || Number.isNaN(Date.parse(s))) return false;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6] ?? '0'].map(Number) as [number, number, number, number, number, number];
  const check = new Date(Date.UTC(year, month - 1, day));
  return (
    check.getUTCFullYear() === year &&
    check.getUTCMonth() === month - 1 &&
    check.getUTCDate() === day &&
    hour < 24 &&
    minute < 60 &&
    second < 60 &&
    Number(m[7] ?? 0) < 24 &&
    Number(m[8] ?? 0) < 60
  );
}

export const CustomerSchema = z
  .object({
    name: z.string().trim().min(1).max(500).optional(),
    email: z.string().trim().email().max(320).optional(),
    phone: z.string().trim().min(1).max(64).optional(),
  })
  .strict();

const AttachmentSchema = z
  .object({
    name: z.string().min(1).max(500),
    url: z.string().url().max(2000).optional(),
    contentType: z.string().max(200).optional(),
    sizeBytes: z.number().int().nonnegative().optional(),
  })
  .strict();

const base = {
  eventId: EventIdSchema,
  seq: z.number().int().positive().max(2_000_000_000).optional(),
  customer: CustomerSchema.optional(),
};

const MessageSchema = z
  .object({
    type: z.literal('message'),
    ...base,
    role: z.enum(['customer', 'ai', 'agent', 'system']),
    text: z.string().max(1_000_000).optional(),
    html: z.string().max(2_000_000).optional(),
    sentAt: TimestampSchema,
    channel: z.string().trim().min(1).max(50).optional(),
    senderName: z.string().trim().min(1).max(200).optional(),
    attachments: z.array(AttachmentSchema).max(50).optional(),
    /** The agent reply we relayed from this Creatio activity: stored, never written back (no echo). */
    creatioActivityId: GuidSchema.optional(),
  })
  .strict();

const AiFieldValueSchema = z.union([z.string().max(10_000), z.number(), z.boolean(), z.null()]);

const HandoffSchema = z
  .object({
    type: z.literal('handoff'),
    ...base,
    summary: z.string().max(20_000).optional(),
    language: z.string().trim().min(1).max(35).optional(),
    sentiment: z.string().trim().min(1).max(50).optional(),
    reason: z.string().trim().min(1).max(1000).optional(),
    aiFields: z.record(z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,99}$/, 'must be a Creatio column name'), AiFieldValueSchema).optional(),
    occurredAt: TimestampSchema.optional(),
  })
  .strict();

const ResolveSchema = z
  .object({
    type: z.literal('resolve'),
    ...base,
    occurredAt: TimestampSchema.optional(),
  })
  .strict();

/** Picked by `type`, so errors speak about the event that was meant, not about every possible one. */
export const EventInputSchema = z
  .discriminatedUnion('type', [MessageSchema, HandoffSchema, ResolveSchema], {
    errorMap: (issue, ctx) =>
      issue.code === 'invalid_union_discriminator' ? { message: 'type must be "message", "handoff" or "resolve"' } : { message: ctx.defaultError },
  })
  .superRefine((e, ctx) => {
    if (e.type === 'message' && (e.text ?? '').trim() === '' && (e.html ?? '').trim() === '' && (e.attachments?.length ?? 0) === 0) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'a message needs text, html or attachments', path: ['text'] });
    }
  });
export type EventInput = z.infer<typeof EventInputSchema>;

const EventListSchema = z.array(EventInputSchema).min(1, 'send at least one event').max(500, 'send at most 500 events per request');
const EventsObjectSchema = z.object({ events: EventListSchema }).strict();
const SingleEventSchema = EventInputSchema.transform((e) => [e]);

/**
 * One event, a list, or {"events": [...]}. The shape is chosen from the body
 * first, so validation errors are about what the caller sent, not a union.
 */
export const EventsBodySchema = {
  safeParse(body: unknown): z.SafeParseReturnType<unknown, EventInput[]> {
    if (Array.isArray(body)) return EventListSchema.safeParse(body);
    if (typeof body === 'object' && body !== null && 'events' in body) {
      const r = EventsObjectSchema.safeParse(body);
      return r.success ? { success: true, data: r.data.events } : r;
    }
    return SingleEventSchema.safeParse(body);
  },
  parse(body: unknown): EventInput[] {
    const r = EventsBodySchema.safeParse(body);
    if (!r.success) throw r.error;
    return r.data;
  },
};

export const ConnectionBodySchema = z
  .object({
    instanceUrl: z.string().trim().min(1).max(2000),
    tokenUrl: z.string().trim().min(1).max(2000).nullish(),
    odataBasePath: z.enum(['/0/odata', '/odata']).optional(),
    clientId: z.string().trim().min(1).max(500),
    clientSecret: z.string().trim().min(1).max(2000).optional(),
    ownerId: GuidSchema.nullish(),
    groupId: GuidSchema.nullish(),
    resolvedStatusId: GuidSchema.nullish(),
    handoffOnly: z.boolean().optional(),
  })
  .strict();
export type ConnectionBody = z.infer<typeof ConnectionBodySchema>;

export interface FieldIssue {
  path: string;
  message: string;
}

/** zod issues as "events[0].sentAt: message" pairs a client can show. */
export function fieldIssues(error: z.ZodError): FieldIssue[] {
  const seen = new Set<string>();
  const out: FieldIssue[] = [];
  const visit = (issues: z.ZodIssue[]) => {
    for (const issue of issues) {
      if (issue.code === 'invalid_union') {
        // Report the branch that got furthest rather than "invalid input".
        const branches = issue.unionErrors.map((e) => e.issues).sort((a, b) => depth(b) - depth(a));
        if (branches[0]) visit(branches[0]);
        continue;
      }
      const path = formatPath(issue.path);
      const key = `${path}|${issue.message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ path, message: issue.message });
    }
  };
  visit(error.issues);
  return out;
}

function depth(issues: z.ZodIssue[]): number {
  return Math.max(0, ...issues.map((i) => i.path.length + (i.code === 'invalid_literal' ? -10 : 0)));
}

function formatPath(path: Array<string | number>): string {
  return path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '') || '(body)';
}
