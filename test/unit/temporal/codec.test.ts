import { ApplicationFailure, defaultPayloadConverter, type Payload } from '@temporalio/common';
import {
  decodeFromPayloadsAtIndex,
  decodeOptionalFailureToOptionalError,
  encodeErrorToFailure,
  encodeToPayloads,
  loadDataConverter,
} from '@temporalio/common/lib/internal-non-workflow';
import { EncryptionCodec, isEncrypted, KEY_ID_METADATA_KEY, PayloadCodecError } from '../../../src/temporal/codec';
import { createDataConverter } from '../../../src/temporal/data-converter';

const KEY_1 = Buffer.alloc(32, 0x11);
const KEY_2 = Buffer.alloc(32, 0x22);
const spec = (...keys: Array<[string, Buffer]>): string => keys.map(([id, k]) => `${id}:${k.toString('base64')}`).join(',');
const text = (p: Payload): string => Buffer.from(p.data ?? []).toString('latin1');
const meta = (p: Payload, key: string): string | undefined => {
  const v = p.metadata?.[key];
  return v ? Buffer.from(v).toString('utf8') : undefined;
};

const SECRET = { text: 'Zebra-quartz-7781 my account number is 445566', emoji: 'ünïcødé 🔑', list: [1, 2, 3] };

describe('EncryptionCodec: round trip', () => {
  const codec = EncryptionCodec.fromSpec(spec(['k1', KEY_1]));

  it.each([
    ['an object with message text', SECRET],
    ['a string', 'Violet-harbor-2290'],
    ['a number', 42],
    ['null', null],
    ['undefined', undefined],
    ['binary', new Uint8Array([0, 1, 2, 255])],
    ['a large value', 'x'.repeat(500_000)],
  ])('encrypts and restores %s exactly (metadata included)', async (_name, value) => {
    const plain = defaultPayloadConverter.toPayload(value);
    const [encrypted] = await codec.encode([plain]);
    expect(meta(encrypted!, 'encoding')).toBe('binary/encrypted');
    expect(meta(encrypted!, KEY_ID_METADATA_KEY)).toBe('k1');
    // Only our two keys: the original encoding (json/plain, binary/null) is encrypted with the data.
    expect(Object.keys(encrypted!.metadata ?? {}).sort()).toEqual(['encoding', KEY_ID_METADATA_KEY]);
    const [decrypted] = await codec.decode([encrypted!]);
    expect(meta(decrypted!, 'encoding')).toBe(meta(plain, 'encoding'));
    expect(defaultPayloadConverter.fromPayload(decrypted!)).toEqual(value);
  });

  it('hides the text: neither the data nor the metadata contains it', async () => {
    const [encrypted] = await codec.encode([defaultPayloadConverter.toPayload(SECRET)]);
    expect(text(encrypted!)).not.toContain('Zebra-quartz');
    expect(Buffer.from(text(encrypted!), 'latin1').toString('base64')).not.toContain(Buffer.from('Zebra-quartz').toString('base64'));
  });

  it('lays data out as iv 12 | tag 16 | ciphertext, with a fresh IV every time', async () => {
    const plain = defaultPayloadConverter.toPayload('same');
    // Several times the IV pool's 512, so refills are crossed; batches of one as the SDK mostly sends.
    const encrypted: Payload[] = [];
    for (let i = 0; i < 2_000; i++) encrypted.push(...(await codec.encode([plain])));
    const ivs = new Set(encrypted.map((p) => Buffer.from(p.data!).subarray(0, 12).toString('hex')));
    expect(ivs.size).toBe(2_000);
    expect(encrypted[0]!.data!.length).toBeGreaterThan(12 + 16);
    // Each payload owns its bytes: the first still decrypts after the pool was refilled under it.
    expect(defaultPayloadConverter.fromPayload((await codec.decode([encrypted[0]!]))[0]!)).toBe('same');
  });

  it('keeps order and handles an empty batch', async () => {
    const values = ['a', 'b', 'c'];
    const decoded = await codec.decode(await codec.encode(values.map((v) => defaultPayloadConverter.toPayload(v))));
    expect(decoded.map((p) => defaultPayloadConverter.fromPayload(p))).toEqual(values);
    expect(await codec.encode([])).toEqual([]);
  });
});

describe('EncryptionCodec: payloads that are not encrypted', () => {
  const codec = EncryptionCodec.fromSpec(spec(['k1', KEY_1]));

  it('passes them through unchanged, so histories from before the codec still decode', async () => {
    const plain = [defaultPayloadConverter.toPayload({ orgId: 'org-1' }), defaultPayloadConverter.toPayload(undefined), { data: new Uint8Array([1]) }];
    const decoded = await codec.decode(plain);
    expect(decoded).toEqual(plain);
    expect(plain.map(isEncrypted)).toEqual([false, false, false]);
  });

  it('decodes a mixed batch (old plain payloads next to new encrypted ones)', async () => {
    const [enc] = await codec.encode([defaultPayloadConverter.toPayload('new')]);
    const decoded = await codec.decode([defaultPayloadConverter.toPayload('old'), enc!]);
    expect(decoded.map((p) => defaultPayloadConverter.fromPayload(p))).toEqual(['old', 'new']);
  });
});

describe('EncryptionCodec: key rotation', () => {
  it('encrypts with the active key and decrypts with any configured key', async () => {
    const before = EncryptionCodec.fromSpec(spec(['k1', KEY_1]));
    const [old] = await before.encode([defaultPayloadConverter.toPayload('written under k1')]);

    const after = EncryptionCodec.fromSpec(spec(['k1', KEY_1], ['k2', KEY_2]), 'k2');
    const [fresh] = await after.encode([defaultPayloadConverter.toPayload('written under k2')]);
    expect(meta(fresh!, KEY_ID_METADATA_KEY)).toBe('k2');
    const decoded = await after.decode([old!, fresh!]);
    expect(decoded.map((p) => defaultPayloadConverter.fromPayload(p))).toEqual(['written under k1', 'written under k2']);
  });

  it('defaults the active key to the first one listed', () => {
    expect(EncryptionCodec.fromSpec(spec(['b', KEY_2], ['a', KEY_1])).activeKeyId).toBe('b');
  });

  it('names an unknown key ID in a clear error', async () => {
    const [enc] = await EncryptionCodec.fromSpec(spec(['retired', KEY_1])).encode([defaultPayloadConverter.toPayload('x')]);
    const codec = EncryptionCodec.fromSpec(spec(['k2', KEY_2]));
    await expect(codec.decode([enc!])).rejects.toThrow(PayloadCodecError);
    await expect(codec.decode([enc!])).rejects.toThrow('Payload was encrypted with key "retired", which is not in PAYLOAD_KEYS (configured: k2)');
  });

  it('refuses a different key under the same ID', async () => {
    const [enc] = await EncryptionCodec.fromSpec(spec(['k1', KEY_1])).encode([defaultPayloadConverter.toPayload('x')]);
    await expect(EncryptionCodec.fromSpec(spec(['k1', KEY_2])).decode([enc!])).rejects.toThrow(/failed authentication with key "k1"/);
  });
});

describe('EncryptionCodec: tampering', () => {
  const codec = EncryptionCodec.fromSpec(spec(['k1', KEY_1], ['k2', KEY_2]));
  const edit = async (change: (p: Payload) => Payload) => {
    const [enc] = await codec.encode([defaultPayloadConverter.toPayload({ state: 'resolved' })]);
    return codec.decode([change(enc!)]);
  };
  const withData = (p: Payload, f: (b: Buffer) => Buffer): Payload => ({ ...p, data: f(Buffer.from(p.data!)) });

  it.each([
    ['a flipped ciphertext bit', (p: Payload) => withData(p, (b) => (b[b.length - 1]! ^= 1, b))],
    ['a flipped IV bit', (p: Payload) => withData(p, (b) => (b[0]! ^= 1, b))],
    ['a flipped tag bit', (p: Payload) => withData(p, (b) => (b[12]! ^= 1, b))],
    ['a cut-off end', (p: Payload) => withData(p, (b) => b.subarray(0, b.length - 1))],
    ['an appended byte', (p: Payload) => withData(p, (b) => Buffer.concat([b, Buffer.from([0])]))],
  ])('fails on %s', async (_name, change) => {
    await expect(edit(change)).rejects.toThrow(/failed authentication/);
  });

  it('fails when the key ID in the clear metadata is swapped, even to an ID for the same key (it is authenticated)', async () => {
    const sameKeyTwice = EncryptionCodec.fromSpec(spec(['k1', KEY_1], ['alias', KEY_1]));
    const [enc] = await sameKeyTwice.encode([defaultPayloadConverter.toPayload('x')]);
    const swapped = { ...enc!, metadata: { ...enc!.metadata, [KEY_ID_METADATA_KEY]: Buffer.from('alias') } };
    await expect(sameKeyTwice.decode([swapped])).rejects.toThrow(/failed authentication with key "alias"/);
  });

  it('fails on truncated data and on a missing key ID', async () => {
    await expect(edit((p) => withData(p, (b) => b.subarray(0, 20)))).rejects.toThrow('Encrypted payload is truncated');
    await expect(edit((p) => ({ ...p, metadata: { encoding: p.metadata!.encoding! } }))).rejects.toThrow('has no "encryption-key-id" metadata');
  });
});

describe('EncryptionCodec.fromSpec', () => {
  it.each([
    ['', 'PAYLOAD_KEYS holds no key'],
    [' , ', 'PAYLOAD_KEYS holds no key'],
    ['no-colon', 'entries must look like'],
    [':abc', 'entries must look like'],
    [`k1:${Buffer.alloc(16).toString('base64')}`, 'must be 32 bytes (AES-256), got 16'],
    [`bad id:${KEY_1.toString('base64')}`, 'may only hold letters'],
    [spec(['k1', KEY_1], ['k1', KEY_2]), 'names key "k1" twice'],
  ])('rejects %j', (s, message) => {
    expect(() => EncryptionCodec.fromSpec(s)).toThrow(message);
  });

  it('rejects an active key that is not configured', () => {
    expect(() => EncryptionCodec.fromSpec(spec(['k1', KEY_1]), 'k9')).toThrow('Active payload key "k9" is not among PAYLOAD_KEYS');
  });

  it('generates specs it accepts', () => {
    const s = EncryptionCodec.generateKeySpec('local-1');
    expect(s).toMatch(/^local-1:[A-Za-z0-9+/]{43}=$/);
    expect(EncryptionCodec.fromSpec(s).activeKeyId).toBe('local-1');
  });
});

describe('createDataConverter', () => {
  const codec = EncryptionCodec.fromSpec(spec(['k1', KEY_1]));
  const converter = loadDataConverter(createDataConverter(codec));

  it('encrypts payloads through the codec', async () => {
    const payloads = await encodeToPayloads(converter, SECRET);
    expect(payloads?.every(isEncrypted)).toBe(true);
    expect(await decodeFromPayloadsAtIndex(converter, 0, payloads)).toEqual(SECRET);
  });

  it('moves failure messages and stack traces into an encrypted attribute', async () => {
    const failure = await encodeErrorToFailure(converter, ApplicationFailure.create({ message: 'Creatio said: Zebra-quartz-7781', type: 'transient' }));
    expect(failure.message).toBe('Encoded failure');
    expect(failure.stackTrace).toBe('');
    expect(isEncrypted(failure.encodedAttributes!)).toBe(true);
    expect(JSON.stringify(failure)).not.toContain('Zebra-quartz');
    expect(text(failure.encodedAttributes!)).not.toContain('Zebra-quartz');
    const error = await decodeOptionalFailureToOptionalError(converter, failure);
    expect(error).toBeInstanceOf(ApplicationFailure);
    expect((error as ApplicationFailure).message).toBe('Creatio said: Zebra-quartz-7781');
    expect((error as ApplicationFailure).type).toBe('transient');
  });
});
