/**
 * Test & Save's checks, as pure orchestration over a CreatioClient: each
 * item says passed / failed / warning / skipped with a message the admin can
 * act on. Nothing here writes to Creatio or to our database.
 */
import { isCreatioError, NotFoundError, type CreatioClient, type CreatioError, type ODataRecord } from '../creatio';
import type { SyncLookups } from '../domain/case-records';
import { LOOKUP_KEYS, LOOKUP_NAMES, resolveLookup, type LookupKey } from '../sync/lookups';
import {
  cannotVerify,
  LOOKUP_MISSING,
  lookupUnreadable,
  readFailure,
  RECORD_NOT_FOUND,
  tokenFailure,
  type TokenEndpoint,
} from './checklist-messages';
import { checklistPassed, type CheckId, type ChecklistItem, type ChecklistResult, type CheckStatus } from './checklist-types';

export interface ChecklistTarget extends TokenEndpoint {
  odataRoot: string;
  odataBasePath: string;
  ownerId: string | null;
  groupId: string | null;
  resolvedStatusId: string | null;
}

const TITLES: Record<CheckId, string> = {
  token: 'Token from the Creatio Identity Service',
  read_case: "The OAuth app's user can read cases (Case)",
  read_activity: "The OAuth app's user can read activities (Activity)",
  default_owner: 'Default Case Owner is a contact (Contact)',
  default_group: 'Default Case Group is a group (SysAdminUnit)',
  resolved_status: 'Resolved Status is a resolved or final case status (CaseStatus)',
  lookup_case_origin: 'Case origin "Chat"',
  lookup_activity_type: 'Activity type "Task"',
  lookup_activity_category: 'Activity category "To do"',
  lookup_activity_status: 'Activity status "Completed"',
};

const REQUIRED: Record<CheckId, boolean> = {
  token: true,
  read_case: true,
  read_activity: true,
  default_owner: true,
  default_group: true,
  resolved_status: true,
  lookup_case_origin: false,
  lookup_activity_type: false,
  lookup_activity_category: false,
  lookup_activity_status: false,
};

const LOOKUP_CHECK: Record<LookupKey, CheckId> = {
  originId: 'lookup_case_origin',
  activityTypeId: 'lookup_activity_type',
  activityCategoryId: 'lookup_activity_category',
  activityStatusId: 'lookup_activity_status',
};

function item(id: CheckId, status: CheckStatus, message: string): ChecklistItem {
  return { id, title: TITLES[id], status, message, required: REQUIRED[id] };
}

/** Creatio errors become items; anything else is a bug and propagates. */
async function guarded(run: () => Promise<ChecklistItem>, onError: (err: CreatioError) => ChecklistItem): Promise<ChecklistItem> {
  try {
    return await run();
  } catch (err) {
    if (isCreatioError(err)) return onError(err);
    throw err;
  }
}

function checkRead(client: CreatioClient, id: 'read_case' | 'read_activity', entity: 'Case' | 'Activity', t: ChecklistTarget): Promise<ChecklistItem> {
  return guarded(
    async () => {
      await client.query(entity, { select: ['Id'], top: 1, purpose: 'checklist' });
      return item(id, 'passed', `The OAuth app's user can read ${entity} records.`);
    },
    (err) => item(id, 'failed', readFailure(err, { entity, instanceUrl: t.instanceUrl, odataRoot: t.odataRoot, odataBasePath: t.odataBasePath })),
  );
}

interface NamedRecord extends ODataRecord {
  Id: string;
  Name?: string;
}

/** A configured GUID must be a record of `entity`; `judge` may downgrade a found record to a warning. */
function checkRecord<T extends NamedRecord>(
  client: CreatioClient,
  id: CheckId,
  entity: 'Contact' | 'SysAdminUnit' | 'CaseStatus',
  guid: string | null,
  spec: { unset: string; select: string[]; notFound: string; judge: (row: T) => { status: CheckStatus; message: string } },
): Promise<ChecklistItem> {
  if (guid === null) return Promise.resolve(item(id, 'skipped', spec.unset));
  return guarded(
    async () => {
      const row = await client.get<T>(entity, guid, { select: spec.select, purpose: 'checklist' });
      const verdict = spec.judge(row);
      return item(id, verdict.status, verdict.message);
    },
    (err) => {
      if (err instanceof NotFoundError) return item(id, 'failed', spec.notFound);
      // Refused read: the ID may well be right; say we could not check instead of blocking.
      if (err.kind === 'permission_denied') return item(id, 'warning', cannotVerify(entity, err));
      return item(id, 'failed', cannotVerify(entity, err));
    },
  );
}

function quoted(name: unknown): string {
  return typeof name === 'string' && name !== '' ? `"${name}"` : 'a record without a name';
}

/** SysAdminUnitTypeValue of users (4) and portal users (5): not groups. */
const USER_UNIT_TYPES = new Set([4, 5]);

function checkOwner(client: CreatioClient, t: ChecklistTarget): Promise<ChecklistItem> {
  return checkRecord<NamedRecord>(client, 'default_owner', 'Contact', t.ownerId, {
    unset: 'Not set: new cases get no default owner.',
    select: ['Id', 'Name'],
    notFound: RECORD_NOT_FOUND.Contact(t.ownerId ?? ''),
    judge: (row) => ({ status: 'passed', message: `New cases will be assigned to ${quoted(row.Name)}.` }),
  });
}

function checkGroup(client: CreatioClient, t: ChecklistTarget): Promise<ChecklistItem> {
  return checkRecord<NamedRecord & { SysAdminUnitTypeValue?: number }>(client, 'default_group', 'SysAdminUnit', t.groupId, {
    unset: 'Not set: new cases get Creatio\'s default group (system setting "Default case group").',
    select: ['Id', 'Name', 'SysAdminUnitTypeValue'],
    notFound: RECORD_NOT_FOUND.SysAdminUnit(t.groupId ?? ''),
    judge: (row) =>
      typeof row.SysAdminUnitTypeValue === 'number' && USER_UNIT_TYPES.has(row.SysAdminUnitTypeValue)
        ? {
            status: 'warning',
            message: `${quoted(row.Name)} is a user, not a group or role. Cases can be assigned to it, but the Default Case Group is meant for a team such as "1st-line support".`,
          }
        : { status: 'passed', message: `New cases will be assigned to the group ${quoted(row.Name)}.` },
  });
}

function checkResolvedStatus(client: CreatioClient, t: ChecklistTarget): Promise<ChecklistItem> {
  return checkRecord<NamedRecord & { IsResolved?: boolean; IsFinal?: boolean }>(client, 'resolved_status', 'CaseStatus', t.resolvedStatusId, {
    unset: 'Not set: resolving a conversation leaves the case status as it is. Set it for two-way resolution sync.',
    select: ['Id', 'Name', 'IsResolved', 'IsFinal'],
    notFound: RECORD_NOT_FOUND.CaseStatus(t.resolvedStatusId ?? '', t.odataRoot),
    judge: (row) =>
      row.IsResolved || row.IsFinal
        ? { status: 'passed', message: `Resolved conversations will set their case to ${quoted(row.Name)}.` }
        : {
            status: 'warning',
            message:
              `${quoted(row.Name)} is neither a resolved nor a final status in Creatio, so a resolved conversation would leave its case open ` +
              '(and outside resolution reports). Usually "Resolved" or "Closed" is meant.',
          },
  });
}

interface LookupOutcome {
  item: ChecklistItem;
  id: string | null;
  /** Could not be read (as opposed to: read and not there). */
  unreadable: boolean;
}

async function checkLookup(client: CreatioClient, key: LookupKey): Promise<LookupOutcome> {
  const id = LOOKUP_CHECK[key];
  const spec = LOOKUP_NAMES[key];
  try {
    const found = await resolveLookup(client, key);
    if (found.via === 'name') return { item: item(id, 'passed', `Found ${quoted(found.name)} (${found.id}).`), id: found.id, unreadable: false };
    if (found.via === 'stock_id') {
      return {
        item: item(id, 'passed', `No record named "${spec.name}", but the standard one is there as ${quoted(found.name)} (${found.id}); it will be used.`),
        id: found.id,
        unreadable: false,
      };
    }
    return { item: item(id, 'warning', LOOKUP_MISSING[key]), id: null, unreadable: false };
  } catch (err) {
    if (!isCreatioError(err)) throw err;
    return { item: item(id, 'warning', lookupUnreadable(spec.entity, err)), id: null, unreadable: true };
  }
}

export interface ChecklistRun extends ChecklistResult {
  /** false when a lookup could not be read: then nothing should be cached, the sync resolves them itself. */
  lookupsComplete: boolean;
}

export async function runChecklist(client: CreatioClient, t: ChecklistTarget, now: () => Date = () => new Date()): Promise<ChecklistRun> {
  const token = await guarded(
    async () => {
      await client.getToken({ purpose: 'checklist' });
      return item('token', 'passed', `The Identity Service at ${t.tokenUrl} issued a token for this client ID.`);
    },
    (err) => item('token', 'failed', tokenFailure(err, t)),
  );
  const noLookups: SyncLookups = { originId: null, activityTypeId: null, activityCategoryId: null, activityStatusId: null };
  if (token.status === 'failed') {
    const rest = (Object.keys(TITLES) as CheckId[])
      .filter((id) => id !== 'token')
      .map((id) => item(id, 'skipped', 'Not checked: this needs a token from the Identity Service (see the first item).'));
    return { ok: false, items: [token, ...rest], lookups: noLookups, lookupsComplete: false, checkedAt: now().toISOString() };
  }

  // Independent reads: run together so a slow instance costs one round trip, not ten.
  const [readCase, readActivity, owner, group, status, lookups] = await Promise.all([
    checkRead(client, 'read_case', 'Case', t),
    checkRead(client, 'read_activity', 'Activity', t),
    checkOwner(client, t),
    checkGroup(client, t),
    checkResolvedStatus(client, t),
    Promise.all(LOOKUP_KEYS.map(async (key) => [key, await checkLookup(client, key)] as const)),
  ]);
  const items = [token, readCase, readActivity, owner, group, status, ...lookups.map(([, o]) => o.item)];
  const resolved = Object.fromEntries(lookups.map(([key, o]) => [key, o.id])) as unknown as SyncLookups;
  return {
    ok: checklistPassed(items),
    items,
    lookups: resolved,
    lookupsComplete: lookups.every(([, o]) => !o.unreadable),
    checkedAt: now().toISOString(),
  };
}
