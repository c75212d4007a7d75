import type { ConnectionSettings } from '../domain/connection';
import type { AuditChange } from '../store/connection-audit-repo';

/** Settings recorded with their old and new values (none of them is secret). */
const AUDITED_FIELDS = [
  'instanceUrl',
  'tokenUrl',
  'odataBasePath',
  'clientId',
  'ownerId',
  'groupId',
  'resolvedStatusId',
  'handoffOnly',
] as const satisfies ReadonlyArray<keyof ConnectionSettings>;

/** What changed from `before` (undefined = nothing stored) to `after`; the secret only as "changed". */
export function settingsChanges(before: ConnectionSettings | undefined, after: ConnectionSettings, secretChanged: boolean): AuditChange[] {
  const changes: AuditChange[] = [];
  for (const field of AUDITED_FIELDS) {
    const old = before ? before[field] : null;
    if (old !== after[field]) changes.push({ field, old, new: after[field] });
  }
  if (secretChanged) changes.push({ field: 'clientSecret', changed: true });
  return changes;
}

/** Whether a change means new tokens (and a new client) are needed: the credentials version moves. */
export function changesCredentials(before: ConnectionSettings, after: ConnectionSettings, secretChanged: boolean): boolean {
  return (
    secretChanged ||
    before.instanceUrl !== after.instanceUrl ||
    before.tokenUrl !== after.tokenUrl ||
    before.clientId !== after.clientId ||
    before.odataBasePath !== after.odataBasePath
  );
}

/** The actor as given by the caller (x-actor header): printable, trimmed, bounded. */
export function normaliseActor(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  // eslint-disable-next-line no-control-regex
  const cleaned = value.replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(0, 200);
  return cleaned === '' ? null : cleaned;
}
