import { randomBytes } from 'node:crypto';
import { SecretBox, type SealedSecret } from '../../../src/security/secret-box';

const KEY_1 = Buffer.alloc(32, 0x11);
const KEY_2 = Buffer.alloc(32, 0x22);
const spec = (id: string, key: Buffer): string => `${id}:${key.toString('base64')}`;

function box(keys: Array<[string, Buffer]>, active: string): SecretBox {
  return new SecretBox(new Map(keys), active);
}

function withBytes(sealed: SealedSecret, edit: (raw: Buffer) => Buffer): SealedSecret {
  const raw = Buffer.from(sealed.ciphertext, 'base64url');
  return { keyId: sealed.keyId, ciphertext: edit(Buffer.from(raw)).toString('base64url') };
}

describe('SecretBox: sealing and opening', () => {
  const b = box([['k1', KEY_1]], 'k1');

  it.each([
    ['an ordinary client secret', 'client-secret-9f8e7d'],
    ['one character', 'x'],
    ['unicode and emoji', 'pässwörd-密码-🔑'],
    ['a long value', 'a'.repeat(10_000)],
    ['the empty string', ''],
  ])('round-trips %s', (_name, plaintext) => {
    const sealed = b.seal(plaintext, 'org-1');
    expect(b.open(sealed, 'org-1')).toBe(plaintext);
  });

  it('records the active key ID and never contains the plaintext', () => {
    const sealed = b.seal('client-secret-9f8e7d', 'org-1');
    expect(sealed.keyId).toBe('k1');
    expect(sealed.ciphertext).not.toContain('client-secret');
    expect(Buffer.from(sealed.ciphertext, 'base64url').toString('latin1')).not.toContain('client-secret');
  });

  it('lays the ciphertext out as base64url(iv 12 | tag 16 | body), body as long as the UTF-8 plaintext', () => {
    const plaintext = 'pässwörd';
    const sealed = b.seal(plaintext, 'org-1');
    expect(sealed.ciphertext).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(Buffer.from(sealed.ciphertext, 'base64url')).toHaveLength(12 + 16 + Buffer.byteLength(plaintext, 'utf8'));
  });

  it('uses a fresh IV each time: the same secret seals differently', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 50; i++) seen.add(b.seal('same', 'org-1').ciphertext);
    expect(seen.size).toBe(50);
    const ivs = new Set([...seen].map((c) => Buffer.from(c, 'base64url').subarray(0, 12).toString('hex')));
    expect(ivs.size).toBe(50);
  });

  it('binds the org as associated data: another AAD does not open it', () => {
    const sealed = b.seal('client-secret', 'org-1');
    expect(() => b.open(sealed, 'org-2')).toThrow();
    expect(() => b.open(sealed, '')).toThrow();
    expect(() => b.open(sealed, 'org-1 ')).toThrow();
    expect(b.open(sealed, 'org-1')).toBe('client-secret');
  });

  it('detects a change to any single byte (IV, tag or body)', () => {
    const sealed = b.seal('client-secret', 'org-1');
    const length = Buffer.from(sealed.ciphertext, 'base64url').length;
    for (let i = 0; i < length; i++) {
      const tampered = withBytes(sealed, (raw) => {
        raw[i] = raw[i]! ^ 0x01;
        return raw;
      });
      expect(() => b.open(tampered, 'org-1')).toThrow();
    }
  });

  it('detects a truncated or extended ciphertext', () => {
    const sealed = b.seal('client-secret', 'org-1');
    const raw = Buffer.from(sealed.ciphertext, 'base64url');
    for (let n = 0; n < raw.length; n++) {
      expect(() => b.open(withBytes(sealed, (r) => r.subarray(0, n)), 'org-1')).toThrow();
    }
    expect(() => b.open(withBytes(sealed, (r) => Buffer.concat([r, Buffer.from([0])])), 'org-1')).toThrow();
  });

  // BUG (src/security/secret-box.ts, open): the auth tag is taken as whatever is
  // left in bytes 12..28 and no authTagLength is given, so Node accepts 4-, 8- and
  // 12-byte tags. A sealed empty string cut from 28 to 16, 20 or 24 bytes still
  // opens (returns ""), i.e. a truncated ciphertext is accepted, and in general a
  // forged ciphertext only has to match a 4-byte tag. Expected: anything whose tag
  // is not the full 16 bytes is rejected (e.g. length check or authTagLength: 16).
  it('rejects a ciphertext whose tag was cut short (empty plaintext)', () => {
    const sealed = b.seal('', 'org-1');
    for (const n of [16, 20, 24]) {
      expect(() => b.open(withBytes(sealed, (r) => r.subarray(0, n)), 'org-1')).toThrow();
    }
  });

  it('does not open with another key under the same key ID', () => {
    const sealed = b.seal('client-secret', 'org-1');
    expect(() => box([['k1', KEY_2]], 'k1').open(sealed, 'org-1')).toThrow();
  });

  it('names an unknown key ID, without key material', () => {
    const sealed: SealedSecret = { ...b.seal('client-secret', 'org-1'), keyId: 'k9' };
    expect(() => b.open(sealed, 'org-1')).toThrow('Secret was encrypted with key "k9", which is not configured');
  });
});

describe('SecretBox: key rotation', () => {
  it('opens secrets sealed with the old key after the active key changes; new seals use the new key', () => {
    const before = box([['k1', KEY_1]], 'k1');
    const old = before.seal('old-secret', 'org-1');

    const after = box(
      [
        ['k1', KEY_1],
        ['k2', KEY_2],
      ],
      'k2',
    );
    expect(after.open(old, 'org-1')).toBe('old-secret');
    const fresh = after.seal('new-secret', 'org-1');
    expect(fresh.keyId).toBe('k2');
    expect(after.open(fresh, 'org-1')).toBe('new-secret');

    // Once k1 is retired, only secrets re-sealed with k2 open.
    const retired = box([['k2', KEY_2]], 'k2');
    expect(retired.open(fresh, 'org-1')).toBe('new-secret');
    expect(() => retired.open(old, 'org-1')).toThrow(/key "k1", which is not configured/);
  });

  it('works the same through fromSpec', () => {
    const v1 = SecretBox.fromSpec(spec('2025', KEY_1));
    const old = v1.seal('s', 'org');
    const v2 = SecretBox.fromSpec(`${spec('2025', KEY_1)},${spec('2026', KEY_2)}`, '2026');
    expect(v2.activeKeyId).toBe('2026');
    expect(v2.open(old, 'org')).toBe('s');
    expect(v2.seal('t', 'org').keyId).toBe('2026');
  });
});

describe('SecretBox: construction and fromSpec', () => {
  it('parses "id:base64,id2:base64" with the first key active by default', () => {
    const b = SecretBox.fromSpec(`${spec('a', KEY_1)},${spec('b', KEY_2)}`);
    expect(b.activeKeyId).toBe('a');
    expect(b.hasKey('a')).toBe(true);
    expect(b.hasKey('b')).toBe(true);
    expect(b.hasKey('c')).toBe(false);
  });

  it('takes an explicit active key', () => {
    expect(SecretBox.fromSpec(`${spec('a', KEY_1)},${spec('b', KEY_2)}`, 'b').activeKeyId).toBe('b');
  });

  it('tolerates spaces and empty entries', () => {
    const b = SecretBox.fromSpec(` ${spec('a', KEY_1)} , ,${spec('b', KEY_2)},`);
    expect(b.hasKey('a') && b.hasKey('b')).toBe(true);
  });

  it('keeps everything after the first ":" as the key (base64 has no ":")', () => {
    expect(() => SecretBox.fromSpec(`a:b:${KEY_1.toString('base64')}`)).toThrow(/must be 32 bytes/);
  });

  it.each([
    ['empty', ''],
    ['only separators', ' , ,'],
  ])('rejects a spec that is %s', (_name, s) => {
    expect(() => SecretBox.fromSpec(s)).toThrow('SECRET_KEYS holds no key');
  });

  it.each([
    ['no colon', KEY_1.toString('base64')],
    ['no key ID', `:${KEY_1.toString('base64')}`],
  ])('rejects an entry with %s', (_name, s) => {
    expect(() => SecretBox.fromSpec(s)).toThrow('SECRET_KEYS entries must look like "<keyId>:<base64 key>"');
  });

  it.each([
    ['16 bytes', randomBytes(16).toString('base64'), 16],
    ['33 bytes', randomBytes(33).toString('base64'), 33],
    ['nothing', '', 0],
  ])('rejects a key of %s, saying how long it was, without the key', (_name, b64, len) => {
    let message = '';
    try {
      SecretBox.fromSpec(`k1:${b64}`);
    } catch (err) {
      message = err instanceof Error ? err.message : String(err);
    }
    expect(message).toBe(`Secret key "k1" must be 32 bytes (AES-256), got ${len}`);
    if (b64) expect(message).not.toContain(b64);
  });

  it('rejects an active key that is not configured', () => {
    expect(() => SecretBox.fromSpec(spec('a', KEY_1), 'b')).toThrow('Active secret key "b" is not among the configured keys');
    expect(() => new SecretBox(new Map(), 'a')).toThrow(/not among the configured keys/);
  });

  it('checks every key length in the constructor, not only the active one', () => {
    expect(
      () =>
        new SecretBox(
          new Map([
            ['a', KEY_1],
            ['old', Buffer.alloc(31)],
          ]),
          'a',
        ),
    ).toThrow('Secret key "old" must be 32 bytes (AES-256), got 31');
  });

  // HAZARD (src/security/secret-box.ts, fromSpec): a key ID given twice is not
  // an error; the later key silently replaces the earlier one, so every secret
  // sealed under the first key stops opening (GCM auth failure, not a config
  // error). Expected: a clear "duplicate key ID" error at start-up.
  it('rejects a key ID that appears twice', () => {
    expect(() => SecretBox.fromSpec(`${spec('k1', KEY_1)},${spec('k1', KEY_2)}`)).toThrow(/k1/);
  });

  it('generates specs fromSpec accepts, with a fresh 32-byte key each time', () => {
    const s1 = SecretBox.generateKeySpec('gen');
    const s2 = SecretBox.generateKeySpec('gen');
    expect(s1).toMatch(/^gen:[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(s1.slice(4), 'base64')).toHaveLength(32);
    expect(s1).not.toBe(s2);
    const b = SecretBox.fromSpec(s1);
    expect(b.open(b.seal('x', 'o'), 'o')).toBe('x');
  });
});
