import { planFromSnapshot, writeRange } from '../domain/sync-plan';
import type { ConversationRef, PlanAndWriteResult, SyncSnapshot, WriteToCaseInput, WriteToCaseResult } from './types';

/**
 * Plans the next step from the database and, when it is a write, does it in
 * the same activity: the workflow's first step of a run (or after a wait)
 * costs one activity instead of a local activity to plan and then one to
 * write. Any other step is only planned; the workflow takes it from the
 * returned snapshot. The plan is the workflow's own (planFromSnapshot).
 */
export async function planAndWrite(
  input: ConversationRef & { planLimit: number },
  plan: (input: ConversationRef & { limit: number }) => Promise<SyncSnapshot>,
  write: (input: WriteToCaseInput) => Promise<WriteToCaseResult>,
): Promise<PlanAndWriteResult> {
  const { orgId, conversationId, planLimit } = input;
  const snapshot = await plan({ orgId, conversationId, limit: planLimit });
  const action = planFromSnapshot(snapshot);
  if (action.kind !== 'write') return { snapshot };
  const written = await write({ orgId, conversationId, ...writeRange(action), planLimit });
  return { snapshot, written };
}
