import type { AiFieldValue } from './events';

/**
 * AI-filled case fields from a handoff: the platform's AI picks a value per
 * Case column (free text, or a lookup value by its display name such as
 * "High"). Lookup names are turned into GUIDs on the customer's instance;
 * anything we cannot map is reported, never guessed and never allowed to
 * block the transcript.
 */
export const LOOKUP_COLUMNS: Readonly<Record<string, string>> = {
  PriorityId: 'CasePriority',
  CategoryId: 'CaseCategory',
  OriginId: 'CaseOrigin',
  StatusId: 'CaseStatus',
  ServiceItemId: 'ServiceItem',
  ServicePactId: 'ServicePact',
  SupportLevelId: 'SupportLevel',
};

/** Columns the AI must never set: ours to manage, or system columns. */
const PROTECTED = new Set(['Id', 'Number', 'CreatedOn', 'CreatedById', 'ModifiedOn', 'ModifiedById', 'Subject', 'Symptoms', 'OwnerId', 'GroupId', 'ContactId', 'AccountId', 'StatusId']);

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface AiFieldPlan {
  /** Ready to PATCH as they are. */
  direct: Record<string, string | number | boolean>;
  /** Lookup columns whose value is a display name to resolve: column → { entity, name }. */
  byName: Record<string, { entity: string; name: string }>;
  /** Fields left out, with why (shown to admins; no values, they may be personal). */
  skipped: Array<{ column: string; reason: string }>;
}

export function planAiFields(fields: Record<string, AiFieldValue> | undefined): AiFieldPlan {
  const plan: AiFieldPlan = { direct: {}, byName: {}, skipped: [] };
  for (const [column, value] of Object.entries(fields ?? {})) {
    if (PROTECTED.has(column)) {
      plan.skipped.push({ column, reason: 'managed by the integration' });
    } else if (value === null || value === '') {
      plan.skipped.push({ column, reason: 'no value' });
    } else if (column.endsWith('Id')) {
      if (typeof value !== 'string') plan.skipped.push({ column, reason: 'a lookup needs a name or a GUID' });
      else if (GUID.test(value)) plan.direct[column] = value.toLowerCase();
      else if (LOOKUP_COLUMNS[column]) plan.byName[column] = { entity: LOOKUP_COLUMNS[column], name: value.trim() };
      else plan.skipped.push({ column, reason: 'unknown lookup column: give a GUID' });
    } else {
      plan.direct[column] = typeof value === 'string' ? value.slice(0, 4000) : value;
    }
  }
  return plan;
}
