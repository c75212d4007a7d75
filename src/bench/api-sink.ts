import { Agent, request } from 'undici';
import type { Sink, SendResult } from './drive';
import type { ConversationPlan, PlannedEvent } from './schedule';

/**
 * Our service through its real HTTP API: POST the events, accepted when the
 * 202 is received (the API has stored them and signalled the workflow).
 */
export class ApiClient {
  private readonly agent: Agent;

  constructor(
    readonly baseUrl: string,
    private readonly token: string,
    connections: number,
  ) {
    this.agent = new Agent({ connections, keepAliveTimeout: 30_000 });
  }

  async call(method: 'GET' | 'PUT' | 'POST' | 'DELETE', route: string, body?: unknown): Promise<{ status: number; body: unknown }> {
    const res = await request(`${this.baseUrl}${route}`, {
      method,
      dispatcher: this.agent,
      headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      headersTimeout: 60_000,
      bodyTimeout: 60_000,
    });
    const text = await res.body.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text for the error message
    }
    return { status: res.statusCode, body: parsed };
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}

export function apiSink(api: ApiClient): Sink {
  return {
    async send(plan: ConversationPlan, events: PlannedEvent[]): Promise<SendResult> {
      const res = await api.call('POST', `/v1/orgs/${plan.orgId}/conversations/${plan.conversationId}/events`, { events: events.map((e) => e.body) });
      const acceptedAt = Date.now();
      if (res.status !== 202) return { ok: false, error: `HTTP ${res.status} ${JSON.stringify(res.body).slice(0, 200)}` };
      // The benchmark numbers events in sending order; the API must agree or latencies would be misattributed.
      const seqs = (res.body as { events?: Array<{ seq?: number }> }).events?.map((e) => e.seq) ?? [];
      if (seqs.some((s, i) => s !== events[i]?.seq)) return { ok: false, error: `sequence numbers ${seqs.join(',')} differ from planned ${events.map((e) => e.seq).join(',')}` };
      return { ok: true, acceptedAt };
    },
  };
}
