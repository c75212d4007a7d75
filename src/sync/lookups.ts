import type { Pool } from 'pg';
import { ActivityCategory, ActivityStatus, ActivityType, eq, NotFoundError, type CreatioClient } from '../creatio';
import type { SyncLookups } from '../domain/case-records';

/**
 * Lookup values the sync writes, resolved by name on the customer's instance
 * (stock GUIDs differ between instances). When the name is not found, the
 * stock record is tried by its Id (a translated or renamed instance still has
 * it). A missing one is left out of the record so Creatio applies its own
 * default; Test & Save warns about it.
 */
export const LOOKUP_NAMES = {
  originId: { entity: 'CaseOrigin', name: 'Chat', stockId: null },
  activityTypeId: { entity: 'ActivityType', name: 'Task', stockId: ActivityType.Task },
  activityCategoryId: { entity: 'ActivityCategory', name: 'To do', stockId: ActivityCategory.ToDo },
  activityStatusId: { entity: 'ActivityStatus', name: 'Completed', stockId: ActivityStatus.Completed },
} as const satisfies Record<keyof SyncLookups, { entity: string; name: string; stockId: string | null }>;

export type LookupKey = keyof SyncLookups;
export const LOOKUP_KEYS = Object.keys(LOOKUP_NAMES) as LookupKey[];

export interface LookupResolution {
  id: string | null;
  /** How it was found: by its name, by the stock Id (under another name), or not at all. */
  via: 'name' | 'stock_id' | 'missing';
  /** The record's name on the instance, when found. */
  name?: string;
}

export interface StoredLookups extends SyncLookups {
  credentialsVersion: number;
  resolvedAt: string;
}

interface LookupRow {
  Id: string;
  Name?: string;
  [key: string]: unknown;
}

/** One lookup; Creatio errors (403, outage...) propagate to the caller. */
export async function resolveLookup(client: CreatioClient, key: LookupKey): Promise<LookupResolution> {
  const spec = LOOKUP_NAMES[key];
  const { value } = await client.query<LookupRow>(spec.entity, { filter: eq('Name', spec.name), select: ['Id', 'Name'], top: 1 });
  const byName = value[0];
  if (byName) return { id: byName.Id, via: 'name', name: byName.Name ?? spec.name };
  if (spec.stockId === null) return { id: null, via: 'missing' };
  try {
    const stock = await client.get<LookupRow>(spec.entity, spec.stockId, { select: ['Id', 'Name'] });
    return { id: stock.Id, via: 'stock_id', name: stock.Name };
  } catch (err) {
    if (err instanceof NotFoundError) return { id: null, via: 'missing' };
    throw err;
  }
}

export async function resolveLookups(client: CreatioClient): Promise<SyncLookups> {
  const found = await Promise.all(LOOKUP_KEYS.map(async (key) => [key, (await resolveLookup(client, key)).id] as const));
  return Object.fromEntries(found) as unknown as SyncLookups;
}

/** The form kept in connections.lookups: valid only for the credentials version it names. */
export function toStoredLookups(lookups: SyncLookups, credentialsVersion: number, at = new Date()): StoredLookups {
  return { ...lookups, credentialsVersion, resolvedAt: at.toISOString() };
}

/**
 * Lookups for an org: from the connection row when resolved for the current
 * credentials (Test & Save stores them), else resolved now and saved there
 * (once per credentials change, not once per message).
 */
export async function lookupsFor(
  pool: Pool,
  orgId: string,
  credentialsVersion: number,
  stored: unknown,
  client: CreatioClient,
): Promise<SyncLookups> {
  if (isStoredLookups(stored) && stored.credentialsVersion === credentialsVersion) return pickLookups(stored);
  const lookups = await resolveLookups(client);
  await pool.query('UPDATE connections SET lookups = $2 WHERE org_id = $1 AND credentials_version = $3', [
    orgId,
    JSON.stringify(toStoredLookups(lookups, credentialsVersion)),
    credentialsVersion,
  ]);
  return lookups;
}

function pickLookups(s: StoredLookups): SyncLookups {
  return {
    originId: s.originId ?? null,
    activityTypeId: s.activityTypeId ?? null,
    activityCategoryId: s.activityCategoryId ?? null,
    activityStatusId: s.activityStatusId ?? null,
  };
}

function isStoredLookups(v: unknown): v is StoredLookups {
  return typeof v === 'object' && v !== null && typeof (v as { credentialsVersion?: unknown }).credentialsVersion === 'number';
}
