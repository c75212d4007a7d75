import type { SyncLookups } from '../domain/case-records';

/** What Test & Save checks, in the order shown to the admin. */
export const CHECK_IDS = [
  'token',
  'read_case',
  'read_activity',
  'default_owner',
  'default_group',
  'resolved_status',
  'lookup_case_origin',
  'lookup_activity_type',
  'lookup_activity_category',
  'lookup_activity_status',
] as const;
export type CheckId = (typeof CHECK_IDS)[number];

export type CheckStatus = 'passed' | 'failed' | 'warning' | 'skipped';

export interface ChecklistItem {
  id: CheckId;
  title: string;
  status: CheckStatus;
  /** What was found, or what to do about it. Never contains a secret. */
  message: string;
  /** A failed required item blocks saving; warnings never do. */
  required: boolean;
}

export interface ChecklistResult {
  /** true when no required item failed: the settings may be saved. */
  ok: boolean;
  items: ChecklistItem[];
  /** The sync's lookups as resolved on the instance (null = Creatio's default applies). */
  lookups: SyncLookups;
  checkedAt: string;
}

export function checklistPassed(items: readonly ChecklistItem[]): boolean {
  return items.every((i) => !(i.required && i.status === 'failed'));
}
