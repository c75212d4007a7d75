/**
 * Whether a re-sent event (same event ID) carries the same content as the
 * stored one. `occurredAt` is left out: when the caller omits it we fill in
 * the time we received the event, which differs on every retry.
 */
export function sameEventContent(stored: Record<string, unknown>, incoming: Record<string, unknown>): boolean {
  return canonical(withoutDefaults(stored)) === canonical(withoutDefaults(incoming));
}

function withoutDefaults(payload: Record<string, unknown>): Record<string, unknown> {
  const { occurredAt: _ignored, ...rest } = payload;
  return rest;
}

/** JSON with object keys sorted: PostgreSQL's jsonb does not keep key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
