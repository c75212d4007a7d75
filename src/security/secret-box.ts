import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * AES-256-GCM encryption of secrets at rest (Creatio client secrets). Each
 * ciphertext records the ID of the key that made it, so keys can be rotated:
 * encrypt with the active key, decrypt with whichever key the record names.
 */
export interface SealedSecret {
  keyId: string;
  /** base64url(iv | tag | ciphertext) */
  ciphertext: string;
}

export class SecretBox {
  private readonly keys: ReadonlyMap<string, Buffer>;

  constructor(
    keys: ReadonlyMap<string, Buffer>,
    readonly activeKeyId: string,
  ) {
    for (const [id, key] of keys) {
      if (key.length !== 32) throw new Error(`Secret key "${id}" must be 32 bytes (AES-256), got ${key.length}`);
    }
    if (!keys.has(activeKeyId)) throw new Error(`Active secret key "${activeKeyId}" is not among the configured keys`);
    this.keys = keys;
  }

  /** Parses "id:base64,id2:base64"; the active key defaults to the first. */
  static fromSpec(spec: string, activeKeyId?: string): SecretBox {
    const keys = new Map<string, Buffer>();
    for (const part of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
      const idx = part.indexOf(':');
      if (idx <= 0) throw new Error('SECRET_KEYS entries must look like "<keyId>:<base64 key>"');
      const id = part.slice(0, idx);
      // A repeated ID would silently shadow a key that older secrets need.
      if (keys.has(id)) throw new Error(`SECRET_KEYS names key "${id}" twice`);
      keys.set(id, Buffer.from(part.slice(idx + 1), 'base64'));
    }
    const first = keys.keys().next().value;
    if (first === undefined) throw new Error('SECRET_KEYS holds no key');
    return new SecretBox(keys, activeKeyId ?? first);
  }

  static generateKeySpec(keyId: string): string {
    return `${keyId}:${randomBytes(32).toString('base64')}`;
  }

  hasKey(keyId: string): boolean {
    return this.keys.has(keyId);
  }

  seal(plaintext: string, aad: string): SealedSecret {
    const key = this.keys.get(this.activeKeyId)!;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    // The record's identity (org ID) is bound in as associated data, so a
    // ciphertext copied onto another org's row fails to decrypt.
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return { keyId: this.activeKeyId, ciphertext: Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url') };
  }

  open(sealed: SealedSecret, aad: string): string {
    const key = this.keys.get(sealed.keyId);
    if (!key) throw new Error(`Secret was encrypted with key "${sealed.keyId}", which is not configured`);
    const raw = Buffer.from(sealed.ciphertext, 'base64url');
    if (raw.length < 12 + 16) throw new Error('Sealed secret is truncated');
    // A fixed 16-byte tag: GCM would otherwise accept a shortened (forgeable) tag.
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12), { authTagLength: 16 });
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  }
}
