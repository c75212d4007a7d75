/** Builders for event payloads as the platform sends them. */
let clock = Date.parse('2026-12-01T09:00:00Z');

export function at(offsetSeconds: number): string {
  return new Date(clock + offsetSeconds * 1000).toISOString();
}

export function resetClock(iso = '2026-12-01T09:00:00Z'): void {
  clock = Date.parse(iso);
}

export function message(eventId: string, role: 'customer' | 'ai' | 'agent' | 'system', text: string, extra: Record<string, unknown> = {}) {
  return { type: 'message', eventId, role, text, sentAt: at(Number(eventId.replace(/\D/g, '')) || 0), ...extra };
}

export function handoff(eventId: string, extra: Record<string, unknown> = {}) {
  return {
    type: 'handoff',
    eventId,
    summary: 'Customer cannot log in after resetting the password.',
    language: 'en',
    sentiment: 'frustrated',
    reason: 'customer asked for a human',
    ...extra,
  };
}

export function resolve(eventId: string) {
  return { type: 'resolve', eventId };
}
