import type { CreatioSimulator } from '../creatio-sim';
import { CaseStatus } from '../creatio/stock';
import { caseRecordId, eventActivityId } from '../domain/record-ids';
import type { ConversationPlan } from './schedule';
import type { CompletionTracker } from './tracker';

/**
 * Marks messages readable the moment their activity is committed in the
 * simulator, and conversations resolved when their case gets the resolved
 * status. Record IDs are derived the way the service derives them (UUIDv5 of
 * org, conversation and event), which the naive implementation uses too.
 */
export function watchSimulator(sim: CreatioSimulator, plans: readonly ConversationPlan[], tracker: CompletionTracker): () => void {
  const activities = new Map<string, { key: string; seq: number }>();
  const cases = new Map<string, string>();
  for (const p of plans) {
    const caseId = caseRecordId(p.orgId, p.conversationId);
    cases.set(caseId, p.key);
    for (const e of p.events) {
      if (e.kind !== 'message') continue;
      activities.set(eventActivityId(p.orgId, p.conversationId, String(e.body.eventId), 0, caseId), { key: p.key, seq: e.seq });
    }
  }
  const resolved = CaseStatus.Resolved.toLowerCase();
  return sim.onRecordChange((change) => {
    const at = Date.now();
    if (change.entity === 'Activity' && change.op === 'insert') {
      const hit = activities.get(change.id.toLowerCase());
      if (hit) tracker.readable(hit.key, hit.seq, at);
    } else if (change.entity === 'Case' && change.op === 'update') {
      const key = cases.get(change.id.toLowerCase());
      const status = change.after?.StatusId;
      if (key && typeof status === 'string' && status.toLowerCase() === resolved) tracker.resolved(key, at);
    }
  });
}
