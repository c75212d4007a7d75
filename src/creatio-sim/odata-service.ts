/**
 * One OData operation (read, create, update, delete, metadata) against the store,
 * independent of HTTP so top-level requests and $batch sub-requests share every
 * rule. Throws ODataHttpError for failures; the caller turns it into a response
 * and rolls back the write context.
 */
import { ODataHttpError, badRequest, forbidden, methodNotAllowed, notFound, unsupportedMediaType } from './errors';
import type { EntityLayer, WriteContext } from './entity-layer';
import { metadataXml, serviceDocument } from './metadata';
import { contextFragment, parseQueryOptions, projectRow, runQuery, filterRows } from './query';
import type { Resource } from './resource-path';
import { entityDef } from './schema';
import type { Store } from './store';
import type { EntityName, Operation } from './types';
import { formatValue } from './values';

export interface ODataResult {
  status: number;
  headers: Record<string, string>;
  /** JSON body. */
  json?: unknown;
  /** Raw body (XML, text). */
  text?: string;
}

export type CallBody = { kind: 'raw'; text: string } | { kind: 'json'; value: unknown };

export interface ODataCall {
  method: string;
  resource: Resource;
  query: URLSearchParams;
  /** Request URL, for error texts. */
  url: string;
  /** Content-Type header; `undefined` in a $batch sub-request means "JSON" (the batch format is JSON). */
  contentType: string | undefined;
  contentTypeRequired: boolean;
  body: CallBody | undefined;
  prefer: string | undefined;
  allowed: (entity: EntityName, op: Operation) => boolean;
  ctx: WriteContext;
}

export function jsonContentType(ieee754: boolean): string {
  return `application/json; odata.metadata=minimal; odata.streaming=true; IEEE754Compatible=${ieee754}; charset=utf-8`;
}

function isJsonMediaType(contentType: string): boolean {
  return contentType.split(';')[0]?.trim().toLowerCase() === 'application/json';
}

export function wantsIeee754(contentType: string | undefined, accept: string | undefined): boolean {
  return /IEEE754Compatible=true/i.test(`${contentType ?? ''};${accept ?? ''}`);
}

export class ODataService {
  constructor(
    private readonly store: Store,
    private readonly layer: EntityLayer,
    private readonly odataUrl: string,
    private readonly maxPageSize: number,
  ) {}

  /** What an operation needs, for permission checks and request kinds. */
  static operationOf(method: string, resource: Resource): Operation | undefined {
    switch (resource.kind) {
      case 'collection':
        return method === 'GET' ? 'read' : method === 'POST' ? 'create' : undefined;
      case 'count':
      case 'property':
        return method === 'GET' ? 'read' : undefined;
      case 'entity':
        return method === 'GET' ? 'read' : method === 'PATCH' ? 'update' : method === 'DELETE' ? 'delete' : undefined;
      default:
        return undefined;
    }
  }

  private headers(ieee754: boolean): Record<string, string> {
    return { 'content-type': jsonContentType(ieee754), 'odata-version': '4.0' };
  }

  private parseBody(call: ODataCall): unknown {
    if (call.contentTypeRequired || call.contentType !== undefined) {
      if (!call.contentType || !isJsonMediaType(call.contentType)) throw unsupportedMediaType(call.contentType);
    }
    const body = call.body;
    if (!body) return undefined;
    if (body.kind === 'json') return body.value;
    if (body.text.trim() === '') return undefined;
    try {
      return JSON.parse(body.text) as unknown;
    } catch (e) {
      throw badRequest(`The request body is not valid JSON: ${(e as Error).message}`, 'Newtonsoft.Json.JsonReaderException');
    }
  }

  execute(call: ODataCall, ieee754: boolean): ODataResult {
    const r = call.resource;
    const method = call.method;
    const allow = (entity: EntityName, op: Operation): void => {
      if (!call.allowed(entity, op)) throw forbidden(op, entity);
    };
    switch (r.kind) {
      case 'serviceDocument':
        if (method !== 'GET') throw methodNotAllowed(method, 'GET');
        return { status: 200, headers: this.headers(ieee754), json: serviceDocument(this.odataUrl) };
      case 'metadata':
        if (method !== 'GET') throw methodNotAllowed(method, 'GET');
        return { status: 200, headers: { 'content-type': 'application/xml; charset=utf-8', 'odata-version': '4.0' }, text: metadataXml() };
      case 'batch':
        throw badRequest('Nested $batch requests are not supported.');
      case 'count': {
        if (method !== 'GET') throw methodNotAllowed(method, 'GET');
        allow(r.entity, 'read');
        const opts = parseQueryOptions(entityDef(r.entity), call.query, 'count');
        const n = filterRows(this.store, entityDef(r.entity), opts.filter).length;
        return { status: 200, headers: { 'content-type': 'text/plain; charset=utf-8', 'odata-version': '4.0' }, text: String(n) };
      }
      case 'collection': {
        const def = entityDef(r.entity);
        if (method === 'GET') {
          allow(r.entity, 'read');
          const opts = parseQueryOptions(def, call.query, 'collection');
          for (const e of opts.expand) allow(e.target, 'read');
          const { rows, count } = runQuery(this.store, def, opts, this.maxPageSize);
          const json: Record<string, unknown> = { '@odata.context': `${this.odataUrl}/$metadata#${contextFragment(r.entity, opts)}` };
          if (opts.count) json['@odata.count'] = count;
          json.value = rows.map((row) => projectRow(this.store, def, row, opts));
          return { status: 200, headers: this.headers(ieee754), json };
        }
        if (method === 'POST') {
          allow(r.entity, 'create');
          const body = this.parseBody(call);
          const row = this.layer.create(r.entity, body, call.ctx);
          const location = `${this.odataUrl}/${r.entity}(${String(row.Id)})`;
          if (/return=minimal/i.test(call.prefer ?? '')) {
            return {
              status: 204,
              headers: { 'odata-version': '4.0', location, 'odata-entityid': location, 'preference-applied': 'return=minimal' },
            };
          }
          const json = { '@odata.context': `${this.odataUrl}/$metadata#${r.entity}/$entity`, ...projectRow(this.store, def, row, { expand: [] }) };
          return { status: 201, headers: { ...this.headers(ieee754), location }, json };
        }
        throw methodNotAllowed(method, 'GET, POST');
      }
      case 'entity': {
        const def = entityDef(r.entity);
        if (method === 'GET') {
          allow(r.entity, 'read');
          const opts = parseQueryOptions(def, call.query, 'single');
          for (const e of opts.expand) allow(e.target, 'read');
          const row = this.store.get(r.entity, r.id);
          if (!row) throw notFound(`The ${r.entity} record with Id '${r.id}' was not found.`);
          const json = {
            '@odata.context': `${this.odataUrl}/$metadata#${contextFragment(r.entity, opts)}/$entity`,
            ...projectRow(this.store, def, row, opts),
          };
          return { status: 200, headers: this.headers(ieee754), json };
        }
        if (method === 'PATCH') {
          allow(r.entity, 'update');
          const body = this.parseBody(call);
          const row = this.layer.update(r.entity, r.id, body, call.ctx);
          if (/return=representation/i.test(call.prefer ?? '')) {
            const json = { '@odata.context': `${this.odataUrl}/$metadata#${r.entity}/$entity`, ...projectRow(this.store, def, row, { expand: [] }) };
            return { status: 200, headers: { ...this.headers(ieee754), 'preference-applied': 'return=representation' }, json };
          }
          return { status: 204, headers: { 'odata-version': '4.0' } };
        }
        if (method === 'DELETE') {
          allow(r.entity, 'delete');
          // Over the API the database decides: referenced rows cannot be deleted.
          this.layer.delete(r.entity, r.id, call.ctx, 'restrict');
          return { status: 204, headers: { 'odata-version': '4.0' } };
        }
        throw methodNotAllowed(method, 'GET, PATCH, DELETE');
      }
      case 'property': {
        if (method !== 'GET') throw methodNotAllowed(method, 'GET');
        allow(r.entity, 'read');
        parseQueryOptions(entityDef(r.entity), call.query, 'single');
        const row = this.store.get(r.entity, r.id);
        if (!row) throw notFound(`The ${r.entity} record with Id '${r.id}' was not found.`);
        const column = entityDef(r.entity).columns.get(r.column);
        if (!column) throw new ODataHttpError(404, { error: { code: '', message: `Unknown property ${r.column}` } });
        const value = formatValue(column, row[r.column] ?? null);
        if (r.raw) {
          if (value === null) return { status: 204, headers: { 'odata-version': '4.0' } };
          return { status: 200, headers: { 'content-type': 'text/plain; charset=utf-8', 'odata-version': '4.0' }, text: String(value) };
        }
        return {
          status: 200,
          headers: this.headers(ieee754),
          json: { '@odata.context': `${this.odataUrl}/$metadata#${r.entity}(${r.id})/${r.column}`, value },
        };
      }
    }
  }
}
