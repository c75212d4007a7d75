import { createCipheriv, createDecipheriv, createSecretKey, randomBytes, randomFillSync, type KeyObject } from 'node:crypto';
import { METADATA_ENCODING_KEY, type Payload, type PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

/**
 * AES-256-GCM payload codec: every payload a client or worker sends to
 * Temporal (workflow inputs, signals, activity arguments and results, failure
 * messages) is stored encrypted in the history. Defence in depth: the
 * workflows already keep message text out of history.
 *
 * The whole serialized Payload (its metadata included) is encrypted, so even
 * the original encoding is hidden. Keys rotate like SECRET_KEYS: encrypt with
 * the active key, decrypt with whichever configured key the payload names.
 */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA_KEY = 'encryption-key-id';

const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_ID_PATTERN = /^[A-Za-z0-9._-]+$/;

export class PayloadCodecError extends Error {}

/**
 * Random IVs handed out from a pooled buffer: one call for the CSPRNG per 512
 * payloads instead of one each (it showed in the API's profile). Each IV is
 * still 96 fresh random bits, used once.
 */
class IvPool {
  private readonly pool = Buffer.alloc(IV_BYTES * 512);
  private offset = this.pool.length;

  next(): Buffer {
    if (this.offset === this.pool.length) {
      randomFillSync(this.pool);
      this.offset = 0;
    }
    const iv = this.pool.subarray(this.offset, this.offset + IV_BYTES);
    this.offset += IV_BYTES;
    return iv;
  }
}

/** What encrypting with one key needs, prepared once rather than per payload. */
interface PreparedKey {
  key: KeyObject;
  aad: Buffer;
  metadata: Record<string, Uint8Array>;
}

export class EncryptionCodec implements PayloadCodec {
  private readonly prepared = new Map<string, PreparedKey>();
  private readonly active: PreparedKey;
  private readonly ivs = new IvPool();

  constructor(
    keys: ReadonlyMap<string, Buffer>,
    readonly activeKeyId: string,
  ) {
    for (const [id, key] of keys) {
      if (!KEY_ID_PATTERN.test(id)) throw new PayloadCodecError(`Payload key ID "${id}" may only hold letters, digits, ".", "_" and "-"`);
      if (key.length !== 32) throw new PayloadCodecError(`Payload key "${id}" must be 32 bytes (AES-256), got ${key.length}`);
    }
    if (!keys.has(activeKeyId)) throw new PayloadCodecError(`Active payload key "${activeKeyId}" is not among PAYLOAD_KEYS`);
    for (const [id, key] of keys) {
      this.prepared.set(id, {
        key: createSecretKey(key),
        aad: associatedData(id),
        metadata: { [METADATA_ENCODING_KEY]: utf8(ENCRYPTED_ENCODING), [KEY_ID_METADATA_KEY]: utf8(id) },
      });
    }
    this.active = this.prepared.get(activeKeyId)!;
  }

  /** Parses "id:base64,id2:base64" (PAYLOAD_KEYS); the active key defaults to the first. */
  static fromSpec(spec: string, activeKeyId?: string): EncryptionCodec {
    const keys = new Map<string, Buffer>();
    for (const part of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
      const idx = part.indexOf(':');
      if (idx <= 0) throw new PayloadCodecError('PAYLOAD_KEYS entries must look like "<keyId>:<base64 key>"');
      const id = part.slice(0, idx);
      // A repeated ID would silently shadow a key that older histories need.
      if (keys.has(id)) throw new PayloadCodecError(`PAYLOAD_KEYS names key "${id}" twice`);
      keys.set(id, Buffer.from(part.slice(idx + 1), 'base64'));
    }
    const first = keys.keys().next().value;
    if (first === undefined) throw new PayloadCodecError('PAYLOAD_KEYS holds no key');
    return new EncryptionCodec(keys, activeKeyId ?? first);
  }

  static generateKeySpec(keyId: string): string {
    return `${keyId}:${randomBytes(32).toString('base64')}`;
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => this.encrypt(p));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => this.decrypt(p));
  }

  private encrypt(payload: Payload): Payload {
    const active = this.active;
    const iv = this.ivs.next();
    const cipher = createCipheriv('aes-256-gcm', active.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(active.aad);
    const plain = temporal.api.common.v1.Payload.encode(payload).finish();
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    return {
      // Shared by every payload of the key: nothing downstream mutates metadata values.
      metadata: { ...active.metadata },
      data: Buffer.concat([iv, cipher.getAuthTag(), body]),
    };
  }

  private decrypt(payload: Payload): Payload {
    // Payloads written before the codec (or by a client without it) stay readable.
    if (!isEncrypted(payload)) return payload;
    const keyIdBytes = payload.metadata?.[KEY_ID_METADATA_KEY];
    if (!keyIdBytes) throw new PayloadCodecError(`Encrypted payload has no "${KEY_ID_METADATA_KEY}" metadata`);
    const keyId = Buffer.from(keyIdBytes).toString('utf8');
    const key = this.prepared.get(keyId);
    if (!key) {
      throw new PayloadCodecError(`Payload was encrypted with key "${keyId}", which is not in PAYLOAD_KEYS (configured: ${[...this.prepared.keys()].join(', ')})`);
    }
    const raw = Buffer.from(payload.data ?? new Uint8Array());
    if (raw.length < IV_BYTES + TAG_BYTES) throw new PayloadCodecError('Encrypted payload is truncated');
    // A fixed tag length: GCM would otherwise accept a shortened (forgeable) tag.
    const decipher = createDecipheriv('aes-256-gcm', key.key, raw.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
    decipher.setAAD(key.aad);
    decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    let plain: Buffer;
    try {
      plain = Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
    } catch {
      throw new PayloadCodecError(`Encrypted payload failed authentication with key "${keyId}" (altered, or a different key under that ID)`);
    }
    return temporal.api.common.v1.Payload.decode(plain);
  }
}

export function isEncrypted(payload: Payload): boolean {
  const encoding = payload.metadata?.[METADATA_ENCODING_KEY];
  return encoding !== undefined && encoding !== null && Buffer.from(encoding).toString('utf8') === ENCRYPTED_ENCODING;
}

function utf8(s: string): Uint8Array {
  return Buffer.from(s, 'utf8');
}

/** The key ID travels in clear metadata; binding it in means it cannot be swapped unnoticed. */
function associatedData(keyId: string): Buffer {
  return Buffer.from(`temporal-payload/v1:${keyId}`, 'utf8');
}
