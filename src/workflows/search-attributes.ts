import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * Custom search attributes the conversation workflow keeps current, so
 * operators can list stuck syncs in the Web UI or with `temporal workflow list
 * --query`. They are stored unencrypted: IDs, states and reason codes only.
 */
export const OrgIdAttr = defineSearchAttributeKey('CreatioOrgId', SearchAttributeType.KEYWORD);
export const CaseIdAttr = defineSearchAttributeKey('CreatioCaseId', SearchAttributeType.KEYWORD);
export const CaseNumberAttr = defineSearchAttributeKey('CreatioCaseNumber', SearchAttributeType.KEYWORD);
export const SyncStateAttr = defineSearchAttributeKey('CreatioSyncState', SearchAttributeType.KEYWORD);
export const SyncReasonAttr = defineSearchAttributeKey('CreatioSyncReason', SearchAttributeType.KEYWORD);

/** Every key, for registering them with a server (dev-server flags or the operator API). */
export const SEARCH_ATTRIBUTE_KEYS = [OrgIdAttr, CaseIdAttr, CaseNumberAttr, SyncStateAttr, SyncReasonAttr] as const;
