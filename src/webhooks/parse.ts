/**
 * What a Creatio business process may POST to us, read liberally (key
 * spelling, GUID formatting, JSON or form fields) and validated strictly
 * (we only need IDs: the real text and status are read back from Creatio).
 */
export type WebhookKind = 'agent_reply' | 'case_status';

export interface CreatioWebhook {
  kind: WebhookKind;
  caseId: string;
  activityId?: string;
}

export type ParseResult = { ok: true; value: CreatioWebhook } | { ok: false; reason: string };

const AGENT_REPLY_TYPES = new Set(['newactivity', 'activityadded', 'agentreply', 'activity', 'newreply', 'reply']);
const CASE_STATUS_TYPES = new Set([
  'casestatuschanged',
  'caseresolved',
  'caseclosed',
  'caseupdated',
  'casemodified',
  'statuschanged',
  'caseclosure',
]);

/** event_type / eventType / EventType / "event type" all become "eventtype". */
function normaliseKey(key: string): string {
  return key.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** Accepts {GUID}, upper case and surrounding spaces, as Creatio templates produce them. */
export function normaliseGuid(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const v = value.trim().replace(/^\{(.*)\}$/, '$1').toLowerCase();
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(v) ? v : undefined;
}

export function parseWebhookBody(body: unknown): ParseResult {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, reason: 'the body must be a JSON object or form fields' };
  }
  const fields = new Map<string, unknown>();
  for (const [k, v] of Object.entries(body)) fields.set(normaliseKey(k), v);

  const rawCase = fields.get('caseid') ?? fields.get('case');
  const caseId = normaliseGuid(rawCase);
  if (rawCase === undefined) return { ok: false, reason: 'caseId is missing' };
  if (!caseId) return { ok: false, reason: 'caseId is not a GUID (was the process parameter mapped, e.g. [#Case.Id#]?)' };

  // An unmapped process parameter arrives as null or "": treat it as absent.
  const rawActivity = fields.get('activityid');
  const activityAbsent = rawActivity === undefined || rawActivity === null || rawActivity === '';
  const activityId = activityAbsent ? undefined : normaliseGuid(rawActivity);
  if (!activityAbsent && !activityId) return { ok: false, reason: 'activityId is not a GUID' };

  const rawType = fields.get('eventtype') ?? fields.get('event') ?? fields.get('type');
  let kind: WebhookKind | undefined;
  if (rawType !== undefined) {
    if (typeof rawType !== 'string') return { ok: false, reason: 'event_type must be a string' };
    const t = normaliseKey(rawType);
    if (AGENT_REPLY_TYPES.has(t)) kind = 'agent_reply';
    else if (CASE_STATUS_TYPES.has(t)) kind = 'case_status';
    else return { ok: false, reason: `unknown event_type "${rawType.slice(0, 50)}" (use new_activity or case_status_changed)` };
  } else {
    kind = activityId ? 'agent_reply' : 'case_status';
  }
  return { ok: true, value: activityId ? { kind, caseId, activityId } : { kind, caseId } };
}

/** application/x-www-form-urlencoded → fields (last value wins). */
export function parseFormBody(raw: string): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(raw));
}

/** multipart/form-data with plain text fields only (files are ignored). */
export function parseMultipartBody(raw: string, contentType: string): Record<string, string> | undefined {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  const b = boundary?.[1] ?? boundary?.[2];
  if (!b) return undefined;
  const out: Record<string, string> = {};
  for (const part of raw.split(`--${b.trim()}`)) {
    const sep = part.indexOf('\r\n\r\n');
    if (sep === -1) continue;
    const headers = part.slice(0, sep);
    const name = /content-disposition:[^\r\n]*\bname="([^"]*)"/i.exec(headers)?.[1];
    if (!name || /filename=/i.test(headers)) continue;
    out[name] = part.slice(sep + 4).replace(/\r\n$/, '');
  }
  return out;
}
