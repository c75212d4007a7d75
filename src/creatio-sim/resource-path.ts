/**
 * Resource paths below the OData root: `Case`, `Case(<guid>)`, `Case/<guid>`
 * (key as segment, as in Creatio's batch examples), `Case(Id=<guid>)`,
 * `Case(<guid>)/Number[/$value]`, `Case/$count`, `$metadata`, `$batch`.
 * Keys are bare GUIDs (OData 4): `Case('…')` and `Case(guid'…')` are 400.
 */
import { badRequest, noResource } from './errors';
import { entityDef } from './schema';
import { isEntityName, type EntityName } from './types';
import { isGuid } from './values';

export type Resource =
  | { kind: 'serviceDocument' }
  | { kind: 'metadata' }
  | { kind: 'batch' }
  | { kind: 'collection'; entity: EntityName }
  | { kind: 'count'; entity: EntityName }
  | { kind: 'entity'; entity: EntityName; id: string }
  | { kind: 'property'; entity: EntityName; id: string; column: string; raw: boolean };

function parseKey(raw: string): string {
  const inner = raw.startsWith('Id=') ? raw.slice(3) : raw;
  if (isGuid(inner)) return inner.toLowerCase();
  throw badRequest(`The key value (${raw}) from request is not valid. The key value should be format of type 'Edm.Guid'.`);
}

/** Entity set named by a path, if any, even when the path is otherwise invalid (for request kinds). */
export function entityOfPath(rest: string): EntityName | undefined {
  const m = /^\/?([A-Za-z_][A-Za-z0-9_]*)/.exec(rest);
  return m && isEntityName(m[1] as string) ? (m[1] as EntityName) : undefined;
}

/** `rest` is the path after the OData base path, still percent-encoded; `url` is for messages. */
export function parseResource(rest: string, url: string): Resource {
  let segments: string[];
  try {
    segments = rest.split('/').filter((s, i, all) => s !== '' || (i > 0 && i < all.length - 1)).map((s) => decodeURIComponent(s));
  } catch {
    throw badRequest(`The request URI '${url}' is not valid.`);
  }
  if (segments.length === 0) return { kind: 'serviceDocument' };
  const [first, ...more] = segments as [string, ...string[]];
  if (first === '$metadata' && more.length === 0) return { kind: 'metadata' };
  if (first === '$batch' && more.length === 0) return { kind: 'batch' };
  const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:\((.*)\))?$/s.exec(first);
  if (!m || !isEntityName(m[1] as string)) throw noResource(url);
  const entity = m[1] as EntityName;
  let id: string | undefined;
  if (m[2] !== undefined) id = parseKey(m[2]);
  let rem = more;
  if (id === undefined) {
    if (rem.length === 0) return { kind: 'collection', entity };
    if (rem.length === 1 && rem[0] === '$count') return { kind: 'count', entity };
    if (rem[0] !== undefined && isGuid(rem[0])) {
      id = rem[0].toLowerCase();
      rem = rem.slice(1);
    } else {
      throw noResource(url);
    }
  }
  if (rem.length === 0) return { kind: 'entity', entity, id };
  const column = rem[0] as string;
  if (!entityDef(entity).columns.has(column)) throw noResource(url);
  if (rem.length === 1) return { kind: 'property', entity, id, column, raw: false };
  if (rem.length === 2 && rem[1] === '$value') return { kind: 'property', entity, id, column, raw: true };
  throw noResource(url);
}
