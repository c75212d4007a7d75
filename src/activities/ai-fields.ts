import { log } from '@temporalio/activity';
import type { Pool } from 'pg';
import { eq, InvalidLookupError, ValidationError, type CreatioClient } from '../creatio';
import { planAiFields } from '../domain/ai-fields';
import type { AiFieldValue } from '../domain/events';

export interface AiFieldsReport {
  applied: string[];
  skipped: Array<{ column: string; reason: string }>;
}

/**
 * Writes a handoff's AI-filled fields to the case, best effort: a field
 * Creatio refuses (unknown column, bad lookup) is dropped and reported, the
 * rest are written. Transient errors are thrown so the activity retries.
 */
export async function applyAiFields(
  pool: Pool,
  client: CreatioClient,
  ref: { orgId: string; conversationId: string; caseId: string },
  fields: Record<string, AiFieldValue> | undefined,
): Promise<AiFieldsReport | undefined> {
  if (!fields || Object.keys(fields).length === 0) return undefined;
  const plan = planAiFields(fields);
  const patch: Record<string, unknown> = { ...plan.direct };
  const skipped = [...plan.skipped];
  for (const [column, { entity, name }] of Object.entries(plan.byName)) {
    const { value } = await client.query<{ Id: string }>(entity, { filter: eq('Name', name), select: ['Id'], top: 1 });
    if (value[0]) patch[column] = value[0].Id;
    else skipped.push({ column, reason: `no ${entity} value with that name` });
  }
  // Each refusal names one column: drop it and try the rest again.
  for (let attempt = 0; attempt <= Object.keys(patch).length && Object.keys(patch).length > 0; attempt++) {
    try {
      await client.update('Case', ref.caseId, patch);
      break;
    } catch (err) {
      const column = err instanceof InvalidLookupError || err instanceof ValidationError ? err.column : undefined;
      if (!column || !(column in patch)) {
        if (err instanceof InvalidLookupError || err instanceof ValidationError) {
          skipped.push(...Object.keys(patch).map((c) => ({ column: c, reason: 'refused by Creatio' })));
          for (const c of Object.keys(patch)) delete patch[c];
          break;
        }
        throw err;
      }
      skipped.push({ column, reason: err instanceof InvalidLookupError ? 'lookup value does not exist' : 'refused by Creatio' });
      delete patch[column];
    }
  }
  const report: AiFieldsReport = { applied: Object.keys(patch), skipped };
  if (skipped.length > 0) log.warn('some AI fields were not written', { orgId: ref.orgId, skipped: skipped.map((s) => s.column) });
  await pool.query('UPDATE conversations SET ai_fields_report = $3 WHERE org_id = $1 AND conversation_id = $2', [
    ref.orgId,
    ref.conversationId,
    JSON.stringify(report),
  ]);
  return report;
}
