import { createHash } from 'node:crypto';

/**
 * Creatio record IDs are UUIDv5 names derived from our own IDs, so every
 * retry, replay, reset or new run computes the same ID and Creatio's primary
 * key refuses a second copy. Never change the namespace or the name formats:
 * that would make already-written records look new.
 */
export const RECORD_ID_NAMESPACE = '6c4b73d6-fa26-4f43-9eef-d19dfee50dad';

export function uuidV5(name: string, namespace = RECORD_ID_NAMESPACE): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  const hash = createHash('sha1').update(ns).update(name, 'utf8').digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50; // version 5
  bytes[8] = (bytes[8]! & 0x3f) | 0x80; // RFC 4122 variant
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The conversation's case. `generation` > 1 only for a replacement case (the first was deleted in Creatio). */
export function caseRecordId(orgId: string, conversationId: string, generation = 1): string {
  return uuidV5(generation === 1 ? `${orgId}/${conversationId}/case` : `${orgId}/${conversationId}/case/${generation}`);
}

/** The first activity of a case: the link back to the conversation. */
export function sessionLinkActivityId(caseId: string): string {
  return uuidV5(`case/${caseId}/session-link`);
}

/** Activity for part `part` (0-based) of an event written to a case. */
export function eventActivityId(orgId: string, conversationId: string, eventId: string, part: number, caseId: string): string {
  // The case is part of the name so the same event written to a replacement case gets a fresh ID.
  return uuidV5(`${orgId}/${conversationId}/event/${eventId}/part/${part}/case/${caseId}`);
}
