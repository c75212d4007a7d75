import { Agent, request } from 'undici';
import type { CreatioSimulator, SimClientInfo } from '../creatio-sim';
import { CaseStatus } from '../creatio/stock';
import { caseRecordId, eventActivityId } from '../domain/record-ids';
import type { Sink, SendResult } from './drive';
import type { ConversationPlan, PlannedEvent } from './schedule';

/**
 * The naive direct implementation the issue compares against: no Temporal, no
 * database, no batching. Each record is one HTTP call to Creatio, each call
 * preceded by its own token request. Events count as accepted when they are
 * handed to it; it writes them before taking the next (in order per
 * conversation). In handoff-only mode messages wait in memory for the handoff.
 */
interface NaiveState {
  caseCreated: boolean;
  buffered: PlannedEvent[];
}

export function naiveSink(sim: CreatioSimulator, client: SimClientInfo, mode: 'every' | 'handoff-only', connections: number): Sink & { close(): Promise<void> } {
  const agent = new Agent({ connections, keepAliveTimeout: 30_000 });
  const states = new Map<string, NaiveState>();

  const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: client.clientId, client_secret: client.clientSecret }).toString();

  async function call(method: 'POST' | 'PATCH', url: string, body: string, headers: Record<string, string>): Promise<string> {
    const res = await request(url, { method, dispatcher: agent, headers, body });
    const text = await res.body.text();
    if (res.statusCode >= 300) throw new Error(`${method} ${url.replace(sim.url, '')}: HTTP ${res.statusCode} ${text.slice(0, 200)}`);
    return text;
  }

  /** A fresh token for every write: the naive way. */
  async function write(method: 'POST' | 'PATCH', path: string, row: Record<string, unknown>): Promise<void> {
    const { access_token: token } = JSON.parse(await call('POST', sim.tokenUrl, form, { 'content-type': 'application/x-www-form-urlencoded' })) as { access_token: string };
    await call(method, `${sim.odataUrl}/${path}`, JSON.stringify(row), { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json' });
  }

  async function writeEvent(plan: ConversationPlan, state: NaiveState, e: PlannedEvent): Promise<void> {
    const caseId = caseRecordId(plan.orgId, plan.conversationId);
    if (!state.caseCreated) {
      await write('POST', 'Case', {
        Id: caseId,
        Subject: `Conversation ${plan.conversationId}`,
        Symptoms: `Conversation ${plan.conversationId}`,
        RegisteredOn: new Date().toISOString(),
      });
      state.caseCreated = true;
    }
    if (e.kind === 'resolve') {
      await write('PATCH', `Case(${caseId})`, { StatusId: CaseStatus.Resolved });
      return;
    }
    const text = String(e.body.text ?? e.body.summary ?? '');
    const at = String(e.body.sentAt ?? new Date().toISOString());
    await write('POST', 'Activity', {
      Id: eventActivityId(plan.orgId, plan.conversationId, String(e.body.eventId), 0, caseId),
      CaseId: caseId,
      Title: text.slice(0, 250),
      Notes: `<p>${text}</p>`,
      StartDate: at,
      DueDate: at,
    });
  }

  return {
    async send(plan, events): Promise<SendResult> {
      const acceptedAt = Date.now();
      let state = states.get(plan.key);
      if (!state) states.set(plan.key, (state = { caseCreated: false, buffered: [] }));
      try {
        for (const e of events) {
          if (mode === 'handoff-only' && !state.caseCreated && e.kind === 'message') {
            state.buffered.push(e);
            continue;
          }
          for (const b of state.buffered.splice(0)) await writeEvent(plan, state, b);
          await writeEvent(plan, state, e);
        }
        return { ok: true, acceptedAt };
      } catch (err) {
        return { ok: false, error: String(err instanceof Error ? err.message : err) };
      }
    },
    close: () => agent.close(),
  };
}
