import {
  caseRecordId,
  eventActivityId,
  RECORD_ID_NAMESPACE,
  sessionLinkActivityId,
  uuidV5,
} from '../../../src/domain/record-ids';

// Standard name-space IDs from RFC 4122 appendix C.
const NS_DNS = '6ba7b810-9dad-11d1-80b4-00c04fd430c8';
const NS_URL = '6ba7b811-9dad-11d1-80b4-00c04fd430c8';
const NS_OID = '6ba7b812-9dad-11d1-80b4-00c04fd430c8';
const NS_X500 = '6ba7b814-9dad-11d1-80b4-00c04fd430c8';

const UUID_V5 = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('uuidV5 against independent vectors', () => {
  // Expected values computed with Python's uuid.uuid5 (CPython 3), not with this code.
  it.each([
    [NS_DNS, 'www.example.com', '2ed6657d-e927-568b-95e1-2665a8aea6a2'],
    [NS_DNS, 'python.org', '886313e1-3b8a-5372-9b90-0c9aee199e5d'],
    [NS_URL, 'http://python.org/', '4c565f0d-3f5a-5890-b41b-20cf47701c5e'],
    [NS_OID, '1.3.6.1', '1447fa61-5277-5fef-a9b3-fbc6e44f4af3'],
    [NS_X500, 'cn=John Doe', '6b28d549-d26e-5bfc-ae5e-9a39af63dc3f'],
    [NS_DNS, '', '4ebd0208-8328-5d69-8c44-ec50939c0967'],
    [NS_DNS, 'café ☕', '7dd36fd9-9ba7-5311-be09-0745a6aa26cf'],
    [RECORD_ID_NAMESPACE, '', 'dacbd9f0-0b1e-5825-8bd9-5e36c0629ee1'],
  ])('uuidV5(%s, %j) = %s', (ns, name, expected) => {
    expect(uuidV5(name, ns)).toBe(expected);
  });

  it('reads an upper-case namespace the same way', () => {
    expect(uuidV5('www.example.com', NS_DNS.toUpperCase())).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
  });

  it('uses the record namespace by default', () => {
    expect(uuidV5('x')).toBe(uuidV5('x', RECORD_ID_NAMESPACE));
    expect(uuidV5('x')).not.toBe(uuidV5('x', NS_DNS));
  });

  it('hashes the name as UTF-8 (different normalisations are different names)', () => {
    expect(uuidV5('caf\u00e9')).not.toBe(uuidV5('cafe\u0301'));
  });

  it('always sets version 5 and the RFC 4122 variant, lower-case, 8-4-4-4-12', () => {
    for (let i = 0; i < 2000; i++) {
      const id = uuidV5(`name-${i}-${'x'.repeat(i % 70)}`);
      if (!UUID_V5.test(id)) throw new Error(`${id} is not a lower-case version-5 RFC 4122 UUID`);
    }
  });

  it('only touches the version and variant bits of the SHA-1 prefix', () => {
    // SHA-1(namespace bytes || "www.example.com") = 2ed6657d e927 468b 55e1 2665a8aea6a2 … (Python hashlib):
    // version nibble 4 → 5, variant byte 0x55 → 0x95 (top bits 10); the other 122 bits are the hash's.
    const sha1Prefix = '2ed6657de927468b55e12665a8aea6a2';
    const id = uuidV5('www.example.com', NS_DNS).replace(/-/g, '');
    expect(id.slice(0, 12)).toBe(sha1Prefix.slice(0, 12));
    expect(id[12]).toBe('5');
    expect(id.slice(13, 16)).toBe(sha1Prefix.slice(13, 16));
    expect(id.slice(16, 18)).toBe('95');
    expect(id.slice(18)).toBe(sha1Prefix.slice(18));
  });
});

describe('record IDs (names must never change: written records are found by them)', () => {
  it('keeps the namespace', () => {
    expect(RECORD_ID_NAMESPACE).toBe('6c4b73d6-fa26-4f43-9eef-d19dfee50dad');
  });

  // Expected values computed with Python's uuid.uuid5 over the documented name formats.
  it('case: "<org>/<conversation>/case", replacement cases "/case/<generation>"', () => {
    expect(caseRecordId('org-1', 'conv-1')).toBe('53032cdc-4b4c-5887-aa92-2822fab15cb9');
    expect(caseRecordId('org-1', 'conv-1', 1)).toBe('53032cdc-4b4c-5887-aa92-2822fab15cb9');
    expect(caseRecordId('org-1', 'conv-1', 2)).toBe('5d545e9b-b7ac-5e9c-9abd-66c4853ef32b');
    expect(caseRecordId('acme', 'chat-42')).toBe('de3c55a2-9431-5204-b1e5-9ef68b23b808');
  });

  it('session link: "case/<caseId>/session-link"', () => {
    expect(sessionLinkActivityId('53032cdc-4b4c-5887-aa92-2822fab15cb9')).toBe('240611a4-0710-5a4d-8742-6d72ad4db47f');
    expect(sessionLinkActivityId('de3c55a2-9431-5204-b1e5-9ef68b23b808')).toBe('f4500fb4-fc8c-5533-9e52-1989baae3948');
  });

  it('event part: "<org>/<conversation>/event/<eventId>/part/<n>/case/<caseId>"', () => {
    const c = '53032cdc-4b4c-5887-aa92-2822fab15cb9';
    expect(eventActivityId('org-1', 'conv-1', 'evt-1', 0, c)).toBe('a3f20b48-7b87-5842-b687-e614d09f74bd');
    expect(eventActivityId('org-1', 'conv-1', 'evt-1', 1, c)).toBe('3ba882c0-9977-57f3-8e16-7e2fa4217243');
    expect(eventActivityId('acme', 'chat-42', 'évènement-1 😀', 0, 'de3c55a2-9431-5204-b1e5-9ef68b23b808')).toBe(
      '09eb2ade-1380-5315-b76d-96354ad81a37',
    );
  });

  it('is deterministic: the same inputs give the same ID on every call', () => {
    expect(caseRecordId('o', 'c')).toBe(caseRecordId('o', 'c'));
    expect(eventActivityId('o', 'c', 'e', 3, 'k')).toBe(eventActivityId('o', 'c', 'e', 3, 'k'));
  });

  it('gives distinct IDs when any part differs', () => {
    const c1 = caseRecordId('o', 'c');
    const ids = [
      c1,
      caseRecordId('o2', 'c'),
      caseRecordId('o', 'c2'),
      caseRecordId('o', 'c', 2),
      caseRecordId('o', 'c', 3),
      sessionLinkActivityId(c1),
      sessionLinkActivityId(caseRecordId('o', 'c', 2)),
      eventActivityId('o', 'c', 'e', 0, c1),
      eventActivityId('o', 'c', 'e', 1, c1),
      eventActivityId('o', 'c', 'e2', 0, c1),
      eventActivityId('o', 'c2', 'e', 0, c1),
      eventActivityId('o2', 'c', 'e', 0, c1),
      // The same event written to a replacement case is a new record.
      eventActivityId('o', 'c', 'e', 0, caseRecordId('o', 'c', 2)),
    ];
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(UUID_V5);
  });

  it('does not confuse org and conversation boundaries for IDs the API accepts (no "/" in them)', () => {
    expect(caseRecordId('a.b', 'c')).not.toBe(caseRecordId('a', 'b.c'));
    expect(caseRecordId('a-b', 'c')).not.toBe(caseRecordId('a', 'b-c'));
  });

  it('keeps distinct event parts distinct for hundreds of parts and events', () => {
    const c = caseRecordId('o', 'c');
    const seen = new Set<string>();
    for (let e = 0; e < 50; e++) for (let p = 0; p < 40; p++) seen.add(eventActivityId('o', 'c', `e${e}`, p, c));
    expect(seen.size).toBe(2000);
  });
});
