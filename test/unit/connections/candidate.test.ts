import { buildCandidate, type ConnectionInput } from '../../../src/connections/candidate';
import { changesCredentials, normaliseActor, settingsChanges } from '../../../src/connections/audit-diff';
import type { ConnectionSettings } from '../../../src/domain/connection';
import type { ConnectionRecord } from '../../../src/store/connections-repo';

const base: ConnectionInput = { instanceUrl: 'https://acme.creatio.com/', clientId: 'app-1', clientSecret: 's3cret-value' };

function stored(overrides: Partial<ConnectionRecord> = {}): ConnectionRecord {
  return {
    orgId: 'org-1',
    instanceUrl: 'https://acme.creatio.com',
    tokenUrl: null,
    odataBasePath: '/odata',
    clientId: 'app-1',
    ownerId: null,
    groupId: null,
    resolvedStatusId: null,
    handoffOnly: false,
    secret: { keyId: 'k1', ciphertext: 'sealed' },
    credentialsVersion: 3,
    status: 'active',
    statusReason: null,
    statusChangedAt: '2026-01-01T00:00:00.000Z',
    lastVerifiedAt: null,
    lastError: null,
    lastWebhookAt: null,
    lookups: null,
    integrationUserId: null,
    lastChecklist: null,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    ...overrides,
  };
}

describe('buildCandidate', () => {
  it('normalises the instance URL, keeps the stored OData path and clears omitted optional fields', () => {
    const r = buildCandidate(base, stored({ ownerId: 'ae5f2f10-f46b-1410-fd9a-0050ba5d6c38' }));
    expect(r).toEqual({
      ok: true,
      candidate: {
        settings: {
          instanceUrl: 'https://acme.creatio.com',
          tokenUrl: null,
          odataBasePath: '/odata',
          clientId: 'app-1',
          ownerId: null,
          groupId: null,
          resolvedStatusId: null,
          handoffOnly: false,
        },
        secret: { kind: 'entered', value: 's3cret-value' },
      },
    });
  });

  it('requires a token URL outside *.creatio.com and https outside loopback', () => {
    expect(buildCandidate({ ...base, instanceUrl: 'https://crm.example.com' }, undefined)).toMatchObject({ ok: false, issues: [{ path: 'tokenUrl' }] });
    expect(buildCandidate({ ...base, instanceUrl: 'http://acme.creatio.com' }, undefined)).toMatchObject({ ok: false, issues: [{ path: 'instanceUrl' }] });
    expect(buildCandidate({ ...base, instanceUrl: 'https://acme.creatio.com/0/odata' }, undefined)).toMatchObject({ ok: false, issues: [{ path: 'instanceUrl' }] });
  });

  it('reuses the stored secret only for the same client at the same addresses', () => {
    const { clientSecret: _omit, ...noSecret } = base;
    expect(buildCandidate(noSecret, stored())).toMatchObject({ ok: true, candidate: { secret: { kind: 'stored', sealed: { keyId: 'k1' } } } });
    expect(buildCandidate({ ...noSecret, instanceUrl: 'https://evil.creatio.com' }, stored())).toMatchObject({
      ok: false,
      issues: [{ path: 'clientSecret', message: expect.stringContaining('Enter the client secret again') }],
    });
    expect(buildCandidate({ ...noSecret, tokenUrl: 'https://id.example.com/connect/token' }, stored())).toMatchObject({ ok: false });
    expect(buildCandidate({ ...noSecret, clientId: 'app-2' }, stored())).toMatchObject({ ok: false });
    expect(buildCandidate(noSecret, undefined)).toMatchObject({ ok: false, issues: [{ path: 'clientSecret' }] });
    expect(buildCandidate(noSecret, stored({ secret: null, status: 'disconnected' }))).toMatchObject({ ok: false, issues: [{ path: 'clientSecret' }] });
  });
});

describe('audit diff', () => {
  const before: ConnectionSettings = {
    instanceUrl: 'https://acme.creatio.com',
    tokenUrl: null,
    odataBasePath: '/0/odata',
    clientId: 'app-1',
    ownerId: null,
    groupId: null,
    resolvedStatusId: null,
    handoffOnly: false,
  };

  it('lists old and new values of ordinary fields and only "changed" for the secret', () => {
    const after = { ...before, ownerId: '410006e1-ca4e-4502-a9ec-e54d922d2c00', handoffOnly: true };
    expect(settingsChanges(before, after, true)).toEqual([
      { field: 'ownerId', old: null, new: '410006e1-ca4e-4502-a9ec-e54d922d2c00' },
      { field: 'handoffOnly', old: false, new: true },
      { field: 'clientSecret', changed: true },
    ]);
    expect(settingsChanges(before, before, false)).toEqual([]);
  });

  it('a new connection lists every set field', () => {
    expect(settingsChanges(undefined, before, true).map((c) => c.field)).toEqual(['instanceUrl', 'odataBasePath', 'clientId', 'handoffOnly', 'clientSecret']);
  });

  it('credentials change with the secret, addresses, client ID or OData path; not with routing fields', () => {
    expect(changesCredentials(before, before, true)).toBe(true);
    expect(changesCredentials(before, { ...before, clientId: 'x' }, false)).toBe(true);
    expect(changesCredentials(before, { ...before, odataBasePath: '/odata' }, false)).toBe(true);
    expect(changesCredentials(before, { ...before, ownerId: '410006e1-ca4e-4502-a9ec-e54d922d2c00', handoffOnly: true }, false)).toBe(false);
  });

  it('keeps actors printable and short', () => {
    expect(normaliseActor('  alice@example.com ')).toBe('alice@example.com');
    expect(normaliseActor('bob\n\u0000')).toBe('bob');
    expect(normaliseActor('x'.repeat(500))).toHaveLength(200);
    expect(normaliseActor('')).toBeNull();
    expect(normaliseActor(['a', 'b'])).toBeNull();
    expect(normaliseActor(undefined)).toBeNull();
  });
});
