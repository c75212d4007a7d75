import { getConversation, recordStepDone, setCreatioCaseStatus } from '../store/conversations-repo';
import type { ActivityDeps } from './deps';
import type { ConversationRef, ResolveOutcome } from './types';
import { withCreatio } from './with-creatio';

interface CaseStatusRead {
  StatusId?: string;
  Status?: { IsFinal?: boolean; IsResolved?: boolean };
}

/**
 * Sets the connection's resolved status on the case. A case an agent already
 * closed (final status) or resolved is left as it is: we never move a case
 * backwards in its lifecycle.
 */
export async function resolveCase(deps: ActivityDeps, input: ConversationRef & { seq: number }): Promise<{ outcome: ResolveOutcome }> {
  const { orgId, conversationId } = input;
  const outcome = await withCreatio(deps, orgId, async ({ record, client }): Promise<ResolveOutcome> => {
    const conv = await getConversation(deps.pool, orgId, conversationId);
    const statusId = record.resolvedStatusId;
    if (!conv?.caseId || !statusId) return 'no_status_configured';
    const current = await client.get<CaseStatusRead & Record<string, unknown>>('Case', conv.caseId, {
      select: ['Id', 'StatusId'],
      expand: ['Status($select=IsFinal,IsResolved)'],
    });
    if (current.Status?.IsFinal) {
      await setCreatioCaseStatus(deps.pool, orgId, conversationId, 'final');
      return 'already_final';
    }
    if (current.StatusId?.toLowerCase() !== statusId.toLowerCase()) await client.update('Case', conv.caseId, { StatusId: statusId });
    await setCreatioCaseStatus(deps.pool, orgId, conversationId, 'resolved');
    return current.StatusId?.toLowerCase() === statusId.toLowerCase() ? 'already_resolved' : 'resolved';
  });
  // The state is recorded here too, so the workflow does not spend a step on it.
  await recordStepDone(deps.pool, orgId, conversationId, input.seq, 'resolved');
  return { outcome };
}
