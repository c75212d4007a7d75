/**
 * Workflow IDs, built only here. Org and conversation IDs are validated by the
 * API to [A-Za-z0-9._:-], so "/" separates them unambiguously.
 */
export function conversationWorkflowId(orgId: string, conversationId: string): string {
  return `creatio-sync/${orgId}/${conversationId}`;
}

export function parseConversationWorkflowId(workflowId: string): { orgId: string; conversationId: string } | undefined {
  const m = /^creatio-sync\/([^/]+)\/([^/]+)$/.exec(workflowId);
  return m ? { orgId: m[1]!, conversationId: m[2]! } : undefined;
}

export function orgNotificationsWorkflowId(orgId: string): string {
  return `creatio-org-notifications/${orgId}`;
}
