import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
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

/**
 * Demo orgs are disconnected when a run ends, so their open conversations'
 * workflows finish instead of waiting days on the persisted Temporal server,
 * or retrying against this run's simulator, which is gone after the run. The
 * IDs are kept in DATA_DIR until then, so a run that was killed is cleaned
 * up by the next one.
 */
export class OrgRegistry {
  constructor(private readonly file: string) {}

  list(): string[] {
    try {
      const parsed: unknown = JSON.parse(readFileSync(this.file, 'utf8'));
      return Array.isArray(parsed) ? parsed.filter((x): x is string => typeof x === 'string') : [];
    } catch {
      return [];
    }
  }

  add(orgId: string): void {
    this.write([...new Set([...this.list(), orgId])]);
  }

  remove(orgId: string): void {
    this.write(this.list().filter((id) => id !== orgId));
  }

  private write(ids: string[]): void {
    mkdirSync(path.dirname(this.file), { recursive: true });
    writeFileSync(this.file, JSON.stringify(ids, null, 2) + '\n');
  }
}

/** DELETE the connection of each org (best effort: a failure keeps it listed for the next run). */
export async function disconnectOrgs(api: ServiceApi, registry: OrgRegistry, orgIds: readonly string[]): Promise<string[]> {
  const failed: string[] = [];
  for (const orgId of orgIds) {
    try {
      const res = await api.call('DELETE', `/v1/orgs/${orgId}/connection`);
      if (res.status === 200 || res.status === 404) registry.remove(orgId);
      else failed.push(`${orgId}: HTTP ${res.status}`);
    } catch (err) {
      failed.push(`${orgId}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return failed;
}
