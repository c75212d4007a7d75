import type { CreatioSimulator } from '../../../src/creatio-sim';
import { getToken, odata, reply, startSim, tokenRequest } from './helpers';

describe('creatio-sim /connect/token', () => {
  let sim: CreatioSimulator;
  const good = () => ({ grant_type: 'client_credentials', client_id: sim.clients[0]!.clientId, client_secret: sim.clients[0]!.clientSecret });

  beforeAll(async () => {
    sim = await startSim({
      clients: [
        { clientId: 'app', clientSecret: 's3cret' },
        { clientId: 'disabled', clientSecret: 'x', active: false },
        { clientId: 'no-cc', clientSecret: 'y', allowClientCredentials: false },
      ],
    });
  });
  afterAll(() => sim.close());

  it('issues a bearer token for client credentials and ignores scope', async () => {
    const r = await tokenRequest(sim, { ...good(), scope: 'whatever' });
    expect(r.status).toBe(200);
    expect(r.headers.get('cache-control')).toContain('no-store');
    expect(r.json).toEqual({ access_token: expect.any(String), expires_in: 3600, token_type: 'Bearer', scope: expect.any(String) });
    expect(r.json.access_token.split('.')).toHaveLength(3);
    expect(r.json.refresh_token).toBeUndefined();
  });

  it('accepts HTTP Basic client authentication', async () => {
    const res = await fetch(sim.tokenUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from('app:s3cret').toString('base64')}`,
      },
      body: 'grant_type=client_credentials',
    });
    expect(res.status).toBe(200);
  });

  it.each([
    ['wrong secret', { client_secret: 'nope' }, 'invalid_client'],
    ['unknown client', { client_id: 'ghost' }, 'invalid_client'],
    ['missing grant_type', { grant_type: '' }, 'unsupported_grant_type'],
    ['password grant', { grant_type: 'password' }, 'unsupported_grant_type'],
    ['missing client_id', { client_id: '' }, 'invalid_request'],
  ])('%s -> 400 %s', async (_name, change, error) => {
    const form: Record<string, string> = { ...good(), ...change };
    for (const k of Object.keys(form)) if (form[k] === '') delete form[k];
    const r = await tokenRequest(sim, form);
    expect(r.status).toBe(400);
    expect(r.json).toEqual({ error });
  });

  it('rejects a JSON body with invalid_request', async () => {
    const res = await fetch(sim.tokenUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(good()) });
    const r = await reply(res);
    expect(r.status).toBe(400);
    expect(r.json).toEqual({ error: 'invalid_request' });
  });

  it('rejects an inactive client and one not allowed client_credentials', async () => {
    const inactive = await tokenRequest(sim, { grant_type: 'client_credentials', client_id: 'disabled', client_secret: 'x' });
    expect([inactive.status, inactive.json.error]).toEqual([400, 'invalid_client']);
    const noCc = await tokenRequest(sim, { grant_type: 'client_credentials', client_id: 'no-cc', client_secret: 'y' });
    expect([noCc.status, noCc.json.error]).toEqual([400, 'unauthorized_client']);
  });

  it('keeps issued tokens valid after a secret change, but refuses new tokens with the old secret', async () => {
    const s = await startSim({ clients: [{ clientId: 'rot', clientSecret: 'old' }] });
    try {
      const token = await getToken(s);
      s.setClientSecret('rot', 'new');
      expect((await odata(s, token, 'GET', 'CaseStatus?$top=1')).status).toBe(200);
      const old = await tokenRequest(s, { grant_type: 'client_credentials', client_id: 'rot', client_secret: 'old' });
      expect([old.status, old.json.error]).toEqual([400, 'invalid_client']);
      expect((await tokenRequest(s, { grant_type: 'client_credentials', client_id: 'rot', client_secret: 'new' })).status).toBe(200);
      // Deactivation does not kill the cached token either.
      s.setClientActive('rot', false);
      expect((await odata(s, token, 'GET', 'CaseStatus?$top=1')).status).toBe(200);
    } finally {
      await s.close();
    }
  });
});

describe('creatio-sim bearer authentication', () => {
  it('answers 401 without, with an unknown, a revoked or an expired token', async () => {
    const sim = await startSim({ clients: [{ clientId: 'a', clientSecret: 'a' }, { clientId: 'b', clientSecret: 'b' }] });
    try {
      const none = await odata(sim, undefined, 'GET', 'Case');
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toBe('Bearer');
      expect(none.text).toBe('');
      expect((await odata(sim, 'garbage', 'GET', 'Case')).status).toBe(401);

      const a = await getToken(sim, 0);
      const b = await getToken(sim, 1);
      sim.revokeTokens('a');
      expect((await odata(sim, a, 'GET', 'Case')).status).toBe(401);
      expect((await odata(sim, b, 'GET', 'Case')).status).toBe(200);
      sim.expireTokens();
      const expired = await odata(sim, b, 'GET', 'Case');
      expect(expired.status).toBe(401);
      expect(expired.headers.get('www-authenticate')).toContain('invalid_token');
    } finally {
      await sim.close();
    }
  });

  it('expires tokens after the configured lifetime', async () => {
    const sim = await startSim({ tokenLifetimeSeconds: 0.3 });
    try {
      const token = await getToken(sim);
      expect((await odata(sim, token, 'GET', 'CaseStatus')).status).toBe(200);
      await new Promise((r) => setTimeout(r, 350));
      expect((await odata(sim, token, 'GET', 'CaseStatus')).status).toBe(401);
      // A fresh token works again: expiry is per token, not per client.
      expect((await odata(sim, await getToken(sim), 'GET', 'CaseStatus')).status).toBe(200);
    } finally {
      await sim.close();
    }
  });
});
