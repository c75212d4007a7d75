import { CaseStatus } from '../creatio/stock';
import type { OrgMode } from './examples';
import { describeBody, type ServiceApi } from './service-api';

/**
 * The demo's organisations, connected to the simulator through PUT
 * /v1/orgs/{org}/connection like an admin would. Org IDs carry the run's tag:
 * each run gets a fresh simulator, so reusing the IDs of an earlier run would
 * meet conversations the database already counts as synced to a Creatio that
 * no longer exists.
 */
export interface DemoOrg {
  orgId: string;
  mode: OrgMode;
}

export interface SimulatorTarget {
  instanceUrl: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
}

export function demoOrgId(mode: OrgMode, runTag: string): string {
  return `demo-${runTag}-${mode === 'handoff-only' ? 'handoff-only' : 'every'}`;
}

/** A sortable tag for this run, e.g. 20260312-101500. */
export function runTag(now: Date): string {
  return now.toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-');
}

export async function connectOrg(api: ServiceApi, org: DemoOrg, target: SimulatorTarget): Promise<void> {
  const res = await api.call('PUT', `/v1/orgs/${org.orgId}/connection`, {
    instanceUrl: target.instanceUrl,
    // The simulator is not a *.creatio.com host, so its Identity Service URL is given explicitly.
    tokenUrl: target.tokenUrl,
    clientId: target.clientId,
    clientSecret: target.clientSecret,
    resolvedStatusId: CaseStatus.Resolved,
    handoffOnly: org.mode === 'handoff-only',
  });
  if (res.status !== 200) throw new Error(`PUT connection for ${org.orgId}: HTTP ${res.status} ${describeBody(res.body)}`);
}
