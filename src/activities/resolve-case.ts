import { getConversation, recordWriteProgress, type CreatioCaseStatus } from '../store/conversations-repo';
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
  let learned: CreatioCaseStatus | undefined;
  const outcome = await withCreatio(deps, orgId, async ({ record, client }): Promise<ResolveOutcome> => {
    const conv = await getConversation(deps.pool, orgId, conversationId);
    const statusId = record.resolvedStatusId;
    if (!conv?.caseId || !statusId) return 'no_status_configured';
    const current = await client.get<CaseStatusRead & Record<string, unknown>>('Case', conv.caseId, {
      select: ['Id', 'StatusId'],
      expand: ['Status($select=IsFinal,IsResolved)'],
    });
    if (current.Status?.IsFinal) {
      learned = 'final';
      return 'already_final';
    }
    const already = current.StatusId?.toLowerCase() === statusId.toLowerCase();
    if (!already) await client.update('Case', conv.caseId, { StatusId: statusId });
    learned = 'resolved';
    return already ? 'already_resolved' : 'resolved';
  });
  // The state is recorded here too (with what we learned of the case), so the workflow does not spend a step on it.
  await recordWriteProgress(deps.pool, orgId, conversationId, { syncedSeq: input.seq, state: 'resolved', ...(learned ? { creatioCaseStatus: learned } : {}) });
  return { outcome };
}
