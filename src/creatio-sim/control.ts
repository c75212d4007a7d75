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
 */
import { timingSafeEqual } from 'node:crypto';
import { ODataHttpError } from './errors';
import { isEntityName, type CreatioSimulator, type DeleteOptions, type FaultRule, type Permissions, type SimClientSpec } from './types';

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

  handle(method: string, path: string, search: string, token: string | undefined, text: string): ControlResponse {
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
