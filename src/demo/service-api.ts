import { z } from 'zod';

/**
 * The demo's client for our own HTTP API: it drives the service exactly as the
 * support platform would (service token, JSON), never through internals.
 */
export interface ApiResult {
  status: number;
  body: unknown;
}

export interface ServiceApi {
  readonly baseUrl: string;
  call(method: 'GET' | 'PUT' | 'POST' | 'DELETE', route: string, body?: unknown): Promise<ApiResult>;
}

export function serviceApi(baseUrl: string, token: string): ServiceApi {
  return {
    baseUrl,
    async call(method, route, body) {
      const res = await fetch(`${baseUrl}${route}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(15_000),
      });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        // Not JSON (a proxy error page, say): keep the text for the message.
      }
      return { status: res.status, body: parsed };
    },
  };
}

/** GET /v1/orgs/{org}/conversations/{id}: only the fields the demo relies on. */
export const ConversationView = z
  .object({
    workflowId: z.string(),
    state: z.string(),
    reason: z.string().nullable(),
    caseId: z.string().nullable(),
    caseNumber: z.string().nullable(),
    storedUpTo: z.number(),
    lastSeq: z.number(),
    syncedUpTo: z.number(),
  })
  .passthrough();
export type ConversationView = z.infer<typeof ConversationView>;

export async function getConversation(api: ServiceApi, orgId: string, conversationId: string): Promise<ConversationView | undefined> {
  const res = await api.call('GET', `/v1/orgs/${orgId}/conversations/${conversationId}`);
  if (res.status === 404) return undefined;
  if (res.status !== 200) throw new Error(`GET conversation ${conversationId}: HTTP ${res.status} ${describeBody(res.body)}`);
  return ConversationView.parse(res.body);
}

/** A short, readable rendering of an error body for messages. */
export function describeBody(body: unknown): string {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return (text ?? '').slice(0, 600);
}
