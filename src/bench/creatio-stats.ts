import type { RequestEvent } from '../creatio';

/**
 * Creatio requests of our worker, counted through startApp's onCreatioRequest
 * hook (every HTTP request the client makes, retries and token requests
 * included) and attributed to the activity and workflow that made them.
 */
export const REQUEST_CLASSES = ['token', 'case', 'activity', 'batch', 'resolve', 'reads', 'lookupReads', 'backstopReads', 'webhookReads', 'other'] as const;
export type RequestClass = (typeof REQUEST_CLASSES)[number];

export const CLASS_LABELS: Record<RequestClass, string> = {
  token: 'token',
  case: 'case (POST Case)',
  activity: 'activity (POST Activity)',
  batch: 'batch (POST $batch)',
  resolve: 'resolve (PATCH Case)',
  reads: 'reads (GET Case/Activity)',
  lookupReads: 'lookup reads (once per connection)',
  backstopReads: 'backstop reads',
  webhookReads: 'webhook reads',
  other: 'other',
};

const LOOKUP_ENTITIES = new Set(['CaseOrigin', 'ActivityType', 'ActivityCategory', 'ActivityStatus', 'CaseStatus', 'CasePriority', 'SysAdminUnit', 'Contact']);

export function classify(e: RequestEvent): RequestClass {
  switch (e.kind) {
    case 'token':
      return 'token';
    case 'batch':
      return 'batch';
    case 'create':
      return e.entity === 'Case' ? 'case' : e.entity === 'Activity' ? 'activity' : 'other';
    case 'update':
      return e.entity === 'Case' ? 'resolve' : 'other';
    case 'read':
      if (e.purpose === 'backstop') return 'backstopReads';
      if (e.purpose === 'webhook') return 'webhookReads';
      return e.entity && LOOKUP_ENTITIES.has(e.entity) ? 'lookupReads' : 'reads';
    default:
      return 'other';
  }
}

export interface ClassCount {
  n: number;
  /** Sub-requests carried by batches. */
  sub: number;
  /** Answered ≥ 400, or no answer (timeout, network error). */
  failed: number;
}

export interface CreatioStats {
  byOrg: Record<string, Partial<Record<RequestClass, ClassCount>>>;
  /** Requests by the activity type that made them and class, per org. */
  byOrgActivity: Record<string, Record<string, Partial<Record<RequestClass, number>>>>;
  /** Requests by class per workflow ID (outside an activity: "(none)"). */
  byWorkflow: Record<string, Partial<Record<RequestClass, number>>>;
}

export function emptyStats(): CreatioStats {
  return { byOrg: {}, byOrgActivity: {}, byWorkflow: {} };
}

export class CreatioCounter {
  private stats = emptyStats();

  add(orgId: string, e: RequestEvent, context: { activityType: string; workflowId: string } | undefined): void {
    const cls = classify(e);
    const org = (this.stats.byOrg[orgId] ??= {});
    const c = (org[cls] ??= { n: 0, sub: 0, failed: 0 });
    c.n++;
    c.sub += e.subRequests ?? 0;
    if (e.status === undefined || e.status >= 400) c.failed++;
    const acts = (this.stats.byOrgActivity[orgId] ??= {});
    const byClass = (acts[context?.activityType ?? '(none)'] ??= {});
    byClass[cls] = (byClass[cls] ?? 0) + 1;
    const wf = (this.stats.byWorkflow[context?.workflowId ?? '(none)'] ??= {});
    wf[cls] = (wf[cls] ?? 0) + 1;
  }

  /** Counts since the last take. */
  take(): CreatioStats {
    const s = this.stats;
    this.stats = emptyStats();
    return s;
  }
}

/** Adds b into a (for run totals). */
export function mergeStats(a: CreatioStats, b: CreatioStats): void {
  for (const [org, classes] of Object.entries(b.byOrg)) {
    const into = (a.byOrg[org] ??= {});
    for (const [cls, c] of Object.entries(classes) as Array<[RequestClass, ClassCount]>) {
      const t = (into[cls] ??= { n: 0, sub: 0, failed: 0 });
      t.n += c.n;
      t.sub += c.sub;
      t.failed += c.failed;
    }
  }
  for (const [org, acts] of Object.entries(b.byOrgActivity)) {
    const into = (a.byOrgActivity[org] ??= {});
    for (const [t, classes] of Object.entries(acts)) addClasses((into[t] ??= {}), classes);
  }
  for (const [wf, classes] of Object.entries(b.byWorkflow)) addClasses((a.byWorkflow[wf] ??= {}), classes);
}

function addClasses(into: Partial<Record<RequestClass, number>>, from: Partial<Record<RequestClass, number>>): void {
  for (const [cls, n] of Object.entries(from) as Array<[RequestClass, number]>) into[cls] = (into[cls] ?? 0) + n;
}
