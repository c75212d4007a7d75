import type { Payload } from '@temporalio/common';
import { z } from 'zod';

/**
 * The codec server protocol's JSON form of payloads (protobuf JSON: bytes as
 * base64), as the Temporal Web UI and CLI send and expect them.
 */
const base64 = z.string().regex(/^[A-Za-z0-9+/_-]*={0,2}$/, 'must be base64');

export const PayloadsBody = z.object({
  // The CLI sends {} when a call has no arguments (e.g. a query): nothing to convert.
  payloads: z
    .array(
      z.object({
        metadata: z.record(base64).nullish(),
        data: base64.nullish(),
      }),
    )
    .default([]),
});
export type PayloadsJson = z.infer<typeof PayloadsBody>;
export type PayloadJson = PayloadsJson['payloads'][number];

export function payloadFromJson(p: PayloadJson): Payload {
  return {
    metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
    data: Buffer.from(p.data ?? '', 'base64'),
  };
}

export function payloadToJson(p: Payload): { metadata: Record<string, string>; data: string } {
  return {
    metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
    data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
  };
}
