import { ApplicationFailure, log } from '@temporalio/activity';
import { CaseStatus, eq, InvalidLookupError, NotFoundError, type CreatioClient } from '../creatio';
import { detachCase, setCreatioCaseStatus, type ConversationRow } from '../store/conversations-repo';
import type { ActivityDeps } from './deps';

/**
 * Policies for a case that an agent deleted or closed in Creatio while the
 * conversation goes on (configurable; see README "Configuration").
 */
export interface CasePolicies {
  /** Deleted case: open a replacement holding the whole transcript, or stop and ask a person. */
  deletedCase: 'replace' | 'stop';
  /** Closed/canceled case and the customer writes again: reopen it, or open a new case that refers to it. */
  closedCase: 'reopen' | 'new_case';
}

/** Whether an error from writing to a case means the case itself is gone. */
export function isMissingCase(err: unknown): boolean {
  return (err instanceof InvalidLookupError && err.column === 'CaseId') || (err instanceof NotFoundError && err.entity === 'Case');
}

/** Applies the deleted-case policy: detach (the planner then creates a replacement) or stop. */
export async function handleMissingCase(deps: ActivityDeps, conv: ConversationRow): Promise<void> {
  if (deps.casePolicies.deletedCase === 'stop') {
    throw ApplicationFailure.create({
      type: 'not_found',
      message: `case ${conv.caseNumber ?? conv.caseId} was deleted in Creatio; the conversation waits (policy "stop")`,
      nonRetryable: true,
    });
  }
  log.warn('case deleted in Creatio: a replacement case will hold the transcript', { orgId: conv.orgId, caseId: conv.caseId });
  await detachCase(deps.pool, conv.orgId, conv.conversationId, 'deleted');
}

/**
 * The customer writes again on a case that is resolved or closed in Creatio.
 * Returns 'detached' when a new case must be created for what follows.
 */
export async function prepareCaseForNewMessages(
  deps: ActivityDeps,
  client: CreatioClient,
  conv: ConversationRow,
): Promise<'ready' | 'detached'> {
  if (!conv.caseId || conv.creatioCaseStatus === 'open') return 'ready';
  if (conv.creatioCaseStatus === 'final' && deps.casePolicies.closedCase === 'new_case') {
    await detachCase(deps.pool, conv.orgId, conv.conversationId, 'closed');
    return 'detached';
  }
  const { value } = await client.query<{ Id: string }>('CaseStatus', { filter: eq('Name', 'Reopened'), select: ['Id'], top: 1 });
  await client.update('Case', conv.caseId, { StatusId: value[0]?.Id ?? CaseStatus.Reopened });
  await setCreatioCaseStatus(deps.pool, conv.orgId, conv.conversationId, 'open');
  return 'ready';
}
