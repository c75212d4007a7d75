/**
 * HTTP test-control API under /__sim (only when controlApi is on). Mirrors the
 * in-process CreatioSimulator methods so the demo, benchmarks and other processes
 * can drive a standalone simulator. JSON in, JSON out; errors are {"error": text},
 * except record writes, which return Creatio's error envelope and status.
 *
 *   GET    /__sim                               instance URLs, options, clients
 *   GET    /__sim/clients                       clients with current secrets
 *   POST   /__sim/clients                       SimClientSpec -> 201 {clientId, clientSecret, userContactId}
 *   PUT    /__sim/clients/:id/secret            {"secret": "..."}
 *   PUT    /__sim/clients/:id/active            {"active": false}
 *   PUT    /__sim/clients/:id/permissions       {"permissions": {"Case": ["read"]}}
 *   POST   /__sim/tokens/revoke                 {"clientId"?: "..."}
 *   POST   /__sim/tokens/expire                 {"clientId"?: "..."}
 *   GET    /__sim/faults                        active rules
 *   POST   /__sim/faults                        FaultRule -> 201 {"id"}
 *   DELETE /__sim/faults                        clear all
 *   DELETE /__sim/faults/:id                    remove one
 *   GET    /__sim/faults/counts                 applications per label
 *   GET    /__sim/records/:entity               {"value": rows in insertion order}
 *   GET    /__sim/records/:entity/:id           row or 404
 *   POST   /__sim/records/:entity               row -> 201 row   (as an agent; ?asUserContactId=)
 *   PATCH  /__sim/records/:entity/:id           patch -> 200 row (as an agent; ?asUserContactId=)
 *   DELETE /__sim/records/:entity/:id           204 (?dependents=cascade|setNull|restrict)
 *   GET    /__sim/requests/counts               counts by kind
 *   DELETE /__sim/requests/counts               reset counts, log and fault counts
 *   GET    /__sim/requests/log                  request log
 *   GET    /__sim/business-processes            current BusinessProcessesOptions (defaults filled in) or null
 *   PUT    /__sim/business-processes            BusinessProcessesOptions (null = off) -> 200 current
 *   DELETE /__sim/business-processes            turn the processes off
 *   GET    /__sim/webhooks/controls             WebhookControlState
 *   PUT    /__sim/webhooks/controls             WebhookControls (given fields change) -> 200 state
 *   POST   /__sim/webhooks/release              send held deliveries newest first -> 200 their attempts
 *   POST   /__sim/webhooks/settle               {"timeoutMs"?} wait until none pending -> 200 counts, 504 on timeout
 *   GET    /__sim/webhooks/log                  delivery attempts
 *   DELETE /__sim/webhooks/log                  clear log and counts
 *   GET    /__sim/webhooks/counts               WebhookCounts
 */
import { timingSafeEqual } from 'node:crypto';
import { ODataHttpError } from './errors';
import {
  isEntityName,
  type BusinessProcessesOptions,
  type CreatioSimulator,
  type DeleteOptions,
  type FaultRule,
  type Permissions,
  type SimClientSpec,
  type WebhookControls,
} from './types';

interface ControlResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

function reply(status: number, body?: unknown): ControlResponse {
  if (body === undefined) return { status, headers: {}, body: '' };
  return { status, headers: { 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify(body) };
}

class ControlError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function asObject(value: unknown): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new ControlError(400, 'body must be a JSON object');
  return value as Record<string, unknown>;
}

export class ControlApi {
  constructor(
    private readonly sim: CreatioSimulator,
    private readonly describe: () => Record<string, unknown>,
    private readonly token: string | undefined,
  ) {}

  private authorized(given: string | undefined): boolean {
    if (this.token === undefined) return true;
    if (given === undefined) return false;
    const a = Buffer.from(given);
    const b = Buffer.from(this.token);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  /** Async because some routes wait for webhook deliveries (release, settle). */
  async handle(method: string, path: string, search: string, token: string | undefined, text: string): Promise<ControlResponse> {
    if (!this.authorized(token)) return reply(401, { error: 'missing or wrong x-sim-control-token' });
    try {
      let body: unknown;
      if (text.trim() !== '') {
        try {
          body = JSON.parse(text) as unknown;
        } catch {
          throw new ControlError(400, 'body is not valid JSON');
        }
      }
      const query = new URLSearchParams(search);
      const seg = path.split('/').filter(Boolean).slice(1).map(decodeURIComponent);
      if (seg[0] === 'business-processes' || seg[0] === 'webhooks') return await this.webhooks(method, seg, body);
      return this.route(method, seg, query, body);
    } catch (err) {
      if (err instanceof ControlError) return reply(err.status, { error: err.message });
      if (err instanceof ODataHttpError) return reply(err.status, err.body);
      return reply(400, { error: err instanceof Error ? err.message : String(err) });
    }
  }

  private route(method: string, seg: string[], query: URLSearchParams, body: unknown): ControlResponse {
    const [area, a, b] = seg;
    const route = `${method} ${area ?? ''}`;
    switch (route) {
      case 'GET ':
        return reply(200, this.describe());
      case 'GET clients':
        if (a === undefined) return reply(200, this.sim.clients);
        break;
      case 'POST clients':
        if (a === undefined) return reply(201, this.sim.addClient(asObject(body) as unknown as SimClientSpec));
        break;
      case 'PUT clients': {
        if (a === undefined || b === undefined) break;
        const o = asObject(body);
        this.requireClient(a);
        if (b === 'secret' && typeof o.secret === 'string') this.sim.setClientSecret(a, o.secret);
        else if (b === 'active' && typeof o.active === 'boolean') this.sim.setClientActive(a, o.active);
        else if (b === 'permissions' && o.permissions !== undefined) this.sim.setPermissions(a, asObject(o.permissions) as Permissions);
        else throw new ControlError(400, `expected {"secret"}, {"active"} or {"permissions"} for ${b}`);
        return reply(204);
      }
      case 'POST tokens': {
        const clientId = body === undefined ? undefined : asObject(body).clientId;
        if (clientId !== undefined && typeof clientId !== 'string') throw new ControlError(400, 'clientId must be a string');
        if (a === 'revoke') this.sim.revokeTokens(clientId);
        else if (a === 'expire') this.sim.expireTokens(clientId);
        else break;
        return reply(204);
      }
      case 'GET faults':
        if (a === undefined) return reply(200, this.sim.faults());
        if (a === 'counts') return reply(200, this.sim.faultCounts());
        break;
      case 'POST faults':
        if (a === undefined) return reply(201, { id: this.sim.injectFaults(asObject(body) as FaultRule) });
        break;
      case 'DELETE faults':
        if (a === undefined) this.sim.clearFaults();
        else this.sim.removeFault(a);
        return reply(204);
      case 'GET requests':
        if (a === 'counts') return reply(200, this.sim.requestCounts());
        if (a === 'log') return reply(200, this.sim.requestLog());
        break;
      case 'DELETE requests':
        if (a === 'counts') {
          this.sim.resetCounts();
          return reply(204);
        }
        break;
      default:
        if (area === 'records') return this.records(method, a, b, query, body);
    }
    return reply(404, { error: `no control route ${method} /__sim/${seg.join('/')}` });
  }

  private async webhooks(method: string, seg: string[], body: unknown): Promise<ControlResponse> {
    const route = `${method} ${seg.join('/')}`;
    switch (route) {
      case 'GET business-processes':
        return reply(200, this.sim.businessProcesses() ?? null);
      case 'PUT business-processes':
        // Validated by the simulator; a JSON null turns the processes off.
        this.sim.setBusinessProcesses(body === null ? undefined : (asObject(body) as unknown as BusinessProcessesOptions));
        return reply(200, this.sim.businessProcesses() ?? null);
      case 'DELETE business-processes':
        this.sim.setBusinessProcesses(undefined);
        return reply(204);
      case 'GET webhooks/controls':
        return reply(200, this.sim.webhookControls());
      case 'PUT webhooks/controls':
        return reply(200, this.sim.webhookControls(asObject(body) as WebhookControls));
      case 'POST webhooks/release':
        return reply(200, await this.sim.releaseWebhooks());
      case 'POST webhooks/settle': {
        const timeoutMs = body === undefined ? undefined : asObject(body).timeoutMs;
        if (timeoutMs !== undefined && (typeof timeoutMs !== 'number' || !(timeoutMs > 0))) throw new ControlError(400, 'timeoutMs must be a positive number');
        try {
          await this.sim.webhooksSettled(timeoutMs);
        } catch (err) {
          throw new ControlError(504, err instanceof Error ? err.message : String(err));
        }
        return reply(200, this.sim.webhookCounts());
      }
      case 'GET webhooks/log':
        return reply(200, this.sim.webhookLog());
      case 'DELETE webhooks/log':
        this.sim.clearWebhookLog();
        return reply(204);
      case 'GET webhooks/counts':
        return reply(200, this.sim.webhookCounts());
      default:
        return reply(404, { error: `no control route ${method} /__sim/${seg.join('/')}` });
    }
  }

  private requireClient(clientId: string): void {
    if (!this.sim.clients.some((c) => c.clientId === clientId)) throw new ControlError(404, `unknown client ${clientId}`);
  }

  private records(method: string, entity: string | undefined, id: string | undefined, query: URLSearchParams, body: unknown): ControlResponse {
    if (entity === undefined || !isEntityName(entity)) throw new ControlError(404, `unknown entity ${entity ?? ''}`);
    const as = query.get('asUserContactId') ?? undefined;
    const opts = as ? { asUserContactId: as } : {};
    if (method === 'GET' && id === undefined) return reply(200, { value: this.sim.records(entity) });
    if (method === 'GET' && id !== undefined) {
      const row = this.sim.getRecord(entity, id);
      return row ? reply(200, row) : reply(404, { error: `${entity} ${id} not found` });
    }
    if (method === 'POST' && id === undefined) return reply(201, this.sim.insertRecord(entity, asObject(body), opts));
    if (method === 'PATCH' && id !== undefined) return reply(200, this.sim.updateRecord(entity, id, asObject(body), opts));
    if (method === 'DELETE' && id !== undefined) {
      const dependents = query.get('dependents') ?? undefined;
      if (dependents !== undefined && !['cascade', 'setNull', 'restrict'].includes(dependents)) {
        throw new ControlError(400, 'dependents must be cascade, setNull or restrict');
      }
      const options: DeleteOptions & { asUserContactId?: string } = { ...opts };
      if (dependents) options.dependents = dependents as NonNullable<DeleteOptions['dependents']>;
      this.sim.deleteRecord(entity, id, options);
      return reply(204);
    }
    return reply(405, { error: `${method} not supported on /__sim/records` });
  }
}
