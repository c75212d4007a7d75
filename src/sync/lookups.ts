import type { Pool } from 'pg';
import { eq, type CreatioClient } from '../creatio';
import type { SyncLookups } from '../domain/case-records';

/**
 * Lookup values the sync writes, resolved by name on the customer's instance
 * (stock GUIDs differ between instances). A missing one is left out of the
 * record so Creatio applies its own default; Test & Save warns about it.
 */
export const LOOKUP_NAMES = {
  originId: { entity: 'CaseOrigin', name: 'Chat' },
  activityTypeId: { entity: 'ActivityType', name: 'Task' },
  activityCategoryId: { entity: 'ActivityCategory', name: 'To do' },
  activityStatusId: { entity: 'ActivityStatus', name: 'Completed' },
} as const satisfies Record<keyof SyncLookups, { entity: string; name: string }>;

export interface StoredLookups extends SyncLookups {
  credentialsVersion: number;
  resolvedAt: string;
}

export async function resolveLookups(client: CreatioClient): Promise<SyncLookups> {
  const keys = Object.keys(LOOKUP_NAMES) as Array<keyof SyncLookups>;
  const found = await Promise.all(
    keys.map(async (key) => {
      const { entity, name } = LOOKUP_NAMES[key];
      const { value } = await client.query<{ Id: string }>(entity, { filter: eq('Name', name), select: ['Id'], top: 1 });
      return [key, value[0]?.Id ?? null] as const;
    }),
  );
  return Object.fromEntries(found) as unknown as SyncLookups;
}

/**
 * Lookups for an org: from the connection row when resolved for the current
 * credentials, else resolved now and saved there (once per credentials change,
 * not once per message).
 */
export async function lookupsFor(
  pool: Pool,
  orgId: string,
  credentialsVersion: number,
  stored: unknown,
  client: CreatioClient,
): Promise<SyncLookups> {
  if (isStoredLookups(stored) && stored.credentialsVersion === credentialsVersion) return stored;
  const lookups = await resolveLookups(client);
  const record: StoredLookups = { ...lookups, credentialsVersion, resolvedAt: new Date().toISOString() };
  await pool.query('UPDATE connections SET lookups = $2 WHERE org_id = $1 AND credentials_version = $3', [
    orgId,
    JSON.stringify(record),
    credentialsVersion,
  ]);
  return lookups;
}

function isStoredLookups(v: unknown): v is StoredLookups {
  return typeof v === 'object' && v !== null && typeof (v as { credentialsVersion?: unknown }).credentialsVersion === 'number';
}
