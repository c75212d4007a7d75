import { z } from 'zod';

/**
 * The chaos driver's client for our public HTTP API: the same requests the
 * support platform makes. Network errors come back as status 0, so callers
 * decide whether to retry (the API is restarted during the run).
 */
export interface ApiAnswer {
  /** HTTP status, or 0 when no answer came (connection refused, reset, timeout). */
  status: number;
  body: unknown;
  error?: string;
}

export class ChaosApi {
  constructor(
    readonly baseUrl: string,
    private readonly token: string,
  ) {}

  async call(method: 'GET' | 'PUT' | 'POST' | 'DELETE', route: string, body?: unknown, timeoutMs = 15_000): Promise<ApiAnswer> {
    try {
      const res = await fetch(`${this.baseUrl}${route}`, {
        method,
        headers: {
          authorization: `Bearer ${this.token}`,
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        // Not JSON: keep the text for messages.
      }
      return { status: res.status, body: parsed };
    } catch (err) {
      return { status: 0, body: undefined, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
    }
  }

  /** GET the conversation's sync state; undefined when the API did not answer 200 (down, 404). */
  async conversation(orgId: string, conversationId: string): Promise<ConversationView | undefined> {
    const res = await this.call('GET', `/v1/orgs/${orgId}/conversations/${conversationId}`, undefined, 10_000);
    if (res.status !== 200) return undefined;
    const parsed = ConversationView.safeParse(res.body);
    return parsed.success ? parsed.data : undefined;
  }
}

/** The fields of GET /v1/orgs/{org}/conversations/{id} the run relies on. */
export const ConversationView = z
  .object({
    state: z.string(),
    reason: z.string().nullable(),
    caseId: z.string().nullable(),
    caseNumber: z.string().nullable(),
    storedUpTo: z.number(),
    syncedUpTo: z.number(),
  })
  .passthrough();
export type ConversationView = z.infer<typeof ConversationView>;

export function describe(answer: ApiAnswer): string {
  if (answer.status === 0) return answer.error ?? 'no answer';
  const text = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
  return `HTTP ${answer.status} ${(text ?? '').slice(0, 300)}`;
}
