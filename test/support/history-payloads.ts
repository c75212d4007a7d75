import type { PayloadCodec } from '@temporalio/common';
import { payloadFromJson, payloadToJson, type PayloadJson } from '../../src/codec-server/payload-json';

/**
 * Walks a history in its protobuf-JSON form (historyToJSON) to find every
 * payload and every failure, and to decode payloads with a codec, so tests
 * can look at a history the way the server stores it and the way an
 * operator with the keys sees it.
 */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
type JsonObject = { [key: string]: JsonValue };

export interface Site<T> {
  /** Keys from the root, e.g. events.3.workflowExecutionStartedEventAttributes.input.payloads.0 */
  path: string;
  value: T;
}

const isObject = (v: JsonValue | undefined): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

function isPayload(v: JsonObject): boolean {
  const meta = v.metadata;
  return isObject(meta) && typeof meta.encoding === 'string' && Object.keys(v).every((k) => k === 'metadata' || k === 'data' || k === 'externalPayloads');
}

function isFailure(v: JsonObject): boolean {
  return 'message' in v && Object.keys(v).some((k) => k === 'stackTrace' || k === 'encodedAttributes' || k.endsWith('FailureInfo'));
}

function walk(v: JsonValue, path: string[], visit: (o: JsonObject, path: string[]) => void): void {
  if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...path, String(i)], visit));
  else if (isObject(v)) {
    visit(v, path);
    for (const [k, x] of Object.entries(v)) walk(x, [...path, k], visit);
  }
}

export function payloadSites(history: JsonValue): Site<PayloadJson>[] {
  const out: Site<PayloadJson>[] = [];
  walk(history, [], (o, path) => {
    if (isPayload(o)) out.push({ path: path.join('.'), value: o as PayloadJson });
  });
  return out;
}

export function failureSites(history: JsonValue): Site<JsonObject>[] {
  const out: Site<JsonObject>[] = [];
  walk(history, [], (o, path) => {
    if (isFailure(o)) out.push({ path: path.join('.'), value: o });
  });
  return out;
}

export function encodingOf(p: PayloadJson): string {
  return Buffer.from(p.metadata?.encoding ?? '', 'base64').toString('utf8');
}

/** A copy of the history with every payload decoded by the codec (plain payloads stay as they are). */
export async function decodeHistory(history: JsonValue, codec: PayloadCodec): Promise<JsonValue> {
  if (Array.isArray(history)) return Promise.all(history.map((x) => decodeHistory(x, codec)));
  if (!isObject(history)) return history;
  if (isPayload(history)) {
    const [decoded] = await codec.decode([payloadFromJson(history as PayloadJson)]);
    return payloadToJson(decoded!);
  }
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(history)) out[k] = await decodeHistory(v, codec);
  return out;
}

/** The JSON text plus every payload's data as UTF-8, for "never contains" checks. */
export function searchableText(history: JsonValue): string {
  const data = payloadSites(history).map((s) => Buffer.from(s.value.data ?? '', 'base64').toString('utf8'));
  return [JSON.stringify(history), ...data].join('\n');
}
