import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import type { ConnectionHealthListener } from '../../src/activities/deps';
import { rotateSecretKeys } from '../../src/security/rotate-keys';
import { SecretBox } from '../../src/security/secret-box';
import { message } from '../support/events';
import { startTestStack, waitFor, type Json, type TestStack } from '../support/stack';

/**
 * Rotation, both kinds:
 * - the Creatio client secret regenerated while 20 conversations receive
 *   messages: the connection turns needs_attention once, and after the new
 *   secret is saved every message is in Creatio exactly once, in order;
 * - the key that encrypts secrets at rest: `npm run rotate-secret-key`
 *   re-encrypts everything under the active key, idempotently.
 */
const KEY_1 = SecretBox.generateKeySpec('key-1');
const KEY_2 = SecretBox.generateKeySpec('key-2');

let stack: TestStack;
const health = { needsAttention: [] as string[], restored: [] as string[] };
const listener: ConnectionHealthListener = {
  needsAttention: async (orgId, reason) => void health.needsAttention.push(`${orgId}:${reason}`),
  restored: async (orgId) => void health.restored.push(orgId),
};

beforeAll(async () => {
  stack = await startTestStack({ env: { SECRET_KEYS: KEY_1 }, app: { health: listener } });
});
afterAll(async () => {
  await stack?.stop();
});

async function conversation(orgId: string, conversationId: string): Promise<Json> {
  return (await stack.api('GET', `/v1/orgs/${orgId}/conversations/${conversationId}`)).body;
}

/** Message texts written to the conversation's case, in Creatio's order, without the session link. */
function writtenTexts(caseId: unknown): string[] {
  return stack.sim
    .records('Activity')
    .filter((a) => a.CaseId === caseId)
    .map((a) => String(a.Title))
    .slice(1)
    .map((t) => t.slice(t.indexOf(': ') + 2));
}

describe('client secret regenerated in Creatio under load', () => {
  const org = 'org-rot-load';
  const CONVERSATIONS = 20;
  const PER_PHASE = 4;
  const convs = Array.from({ length: CONVERSATIONS }, (_, i) => `load-${i + 1}`);
  const text = (conv: string, n: number) => `${conv} msg ${n}`;

  /** Posts messages [from, from + count) to every conversation, one at a time per conversation, all conversations at once. */
  async function postPhase(from: number, count: number): Promise<void> {
    await Promise.all(
      convs.map(async (conv) => {
        for (let n = from; n < from + count; n++) {
          const res = await stack.postEvents(org, conv, message(`m${n}`, n % 2 ? 'customer' : 'ai', text(conv, n)));
          expect(res.status).toBe(202);
        }
      }),
    );
  }

  it('every message is written exactly once and in order; the connection flagged once', async () => {
    stack.sim.addClient({ clientId: 'load-client', clientSecret: 'load-secret-old-1111' });
    expect((await stack.connect(org, { clientId: 'load-client', clientSecret: 'load-secret-old-1111' })).status).toBe(200);

    // Phase 1: all is well.
    await postPhase(1, PER_PHASE);
    await waitFor(async () => (await Promise.all(convs.map((c) => conversation(org, c)))).every((c) => c.syncedUpTo === PER_PHASE), {
      what: 'phase 1 synced',
      timeoutMs: 60_000,
    });

    // Phase 2: the secret is regenerated in Creatio (old tokens die with it) while messages keep coming.
    const phase2 = postPhase(PER_PHASE + 1, PER_PHASE);
    stack.sim.setClientSecret('load-client', 'load-secret-new-2222');
    stack.sim.revokeTokens('load-client');
    await phase2;
    await waitFor(async () => (await stack.api('GET', `/v1/orgs/${org}/connection`)).body.status === 'needs_attention', { what: 'needs_attention' });
    const stuck = await stack.api('GET', `/v1/orgs/${org}/connection`);
    expect(stuck.body).toMatchObject({ statusReason: 'credentials_rejected' });
    await waitFor(async () => (await stack.api('GET', `/v1/orgs/${org}/connection`)).body.waitingConversations === CONVERSATIONS, {
      what: 'all conversations waiting on the connection',
      timeoutMs: 30_000,
    });

    // Phase 3: messages keep coming while the admin saves the new secret.
    const [, saved] = await Promise.all([
      postPhase(2 * PER_PHASE + 1, PER_PHASE),
      stack.connect(org, { clientId: 'load-client', clientSecret: 'load-secret-new-2222' }),
    ]);
    expect(saved.status).toBe(200);
    const total = 3 * PER_PHASE;
    const done = await waitFor(
      async () => {
        const all = await Promise.all(convs.map((c) => conversation(org, c)));
        return all.every((c) => c.syncedUpTo === total && c.state === 'syncing') ? all : undefined;
      },
      { what: 'all drained', timeoutMs: 90_000 },
    );

    for (const [i, c] of done.entries()) {
      const conv = convs[i]!;
      expect(writtenTexts(c.caseId)).toEqual(Array.from({ length: total }, (_, k) => text(conv, k + 1)));
    }
    expect(stack.sim.records('Case').filter((k) => String(k.Symptoms).includes('load-'))).toHaveLength(CONVERSATIONS);
    // Flagged once for the org, not once per conversation; and restored once.
    expect(health.needsAttention.filter((h) => h.startsWith(`${org}:`))).toEqual([`${org}:credentials_rejected`]);
    const audit = await stack.pool.query<{ changes: Json[] }>(
      "SELECT changes FROM connection_audit WHERE org_id = $1 AND action = 'status_changed' ORDER BY id",
      [org],
    );
    expect(audit.rows.map((r) => (r.changes[0] as { new: string }).new)).toEqual(['needs_attention']);
    expect((await stack.api('GET', `/v1/orgs/${org}/connection`)).body).toMatchObject({ status: 'active', waitingConversations: 0 });
    // Test & Save restored it: the platform is told once, through its callback outbox.
    const told = await stack.pool.query<{ type: string }>('SELECT type FROM outbound_events WHERE org_id = $1 ORDER BY created_at', [org]);
    expect(told.rows.map((r) => r.type)).toEqual(['connection_restored']);
    const restoredAudit = await stack.pool.query<{ changes: Json[] }>("SELECT changes FROM connection_audit WHERE org_id = $1 AND action = 'updated'", [org]);
    expect(restoredAudit.rows[0]!.changes).toEqual([
      { field: 'clientSecret', changed: true },
      { field: 'status', old: 'needs_attention', new: 'active' },
    ]);
  }, 240_000);
});

describe('rotate-secret-key', () => {
  const orgs = ['org-key-a', 'org-key-b', 'org-key-c'];

  async function keyIds(): Promise<Record<string, string | null>> {
    const { rows } = await stack.pool.query<{ org_id: string; secret_key_id: string | null }>(
      'SELECT org_id, secret_key_id FROM connections WHERE org_id = ANY($1) ORDER BY org_id',
      [orgs],
    );
    return Object.fromEntries(rows.map((r) => [r.org_id, r.secret_key_id]));
  }

  it('re-encrypts every secret under the active key, keeps them usable, and reports nothing to do the second time', async () => {
    for (const org of orgs) {
      expect((await stack.connect(org)).status).toBe(200);
      expect((await stack.api('GET', `/v1/orgs/${org}/connection`)).body.webhookUrl).toEqual(expect.any(String)); // a sealed webhook token too
    }
    const versionsBefore = (await stack.pool.query('SELECT org_id, credentials_version FROM connections WHERE org_id = ANY($1) ORDER BY org_id', [orgs])).rows;
    expect(await keyIds()).toEqual({ 'org-key-a': 'key-1', 'org-key-b': 'key-1', 'org-key-c': 'key-1' });

    const box = SecretBox.fromSpec(`${KEY_2},${KEY_1}`, 'key-2');
    const first = await rotateSecretKeys(stack.pool, box);
    const secrets = first.columns.find((c) => c.column === 'Creatio client secrets')!;
    expect(secrets.reencrypted).toBeGreaterThanOrEqual(orgs.length);
    expect(secrets.failed).toEqual([]);
    expect(first.columns.find((c) => c.column === 'webhook URL tokens')!.reencrypted).toBeGreaterThanOrEqual(orgs.length);
    expect(await keyIds()).toEqual({ 'org-key-a': 'key-2', 'org-key-b': 'key-2', 'org-key-c': 'key-2' });
    // Same secrets: the credentials version (and every cached token) stays.
    expect((await stack.pool.query('SELECT org_id, credentials_version FROM connections WHERE org_id = ANY($1) ORDER BY org_id', [orgs])).rows).toEqual(versionsBefore);
    const { rows } = await stack.pool.query<{ secret_ciphertext: string; secret_key_id: string }>('SELECT secret_ciphertext, secret_key_id FROM connections WHERE org_id = $1', ['org-key-a']);
    expect(box.open({ keyId: rows[0]!.secret_key_id, ciphertext: rows[0]!.secret_ciphertext }, 'org-key-a')).toBe(stack.sim.clients[0]!.clientSecret);
    const audit = await stack.api('GET', '/v1/orgs/org-key-a/connection/audit?limit=1');
    expect((audit.body.entries as Json[])[0]).toMatchObject({ action: 'secret_reencrypted', actor: 'system', changes: [{ field: 'secretKeyId', old: 'key-1', new: 'key-2' }] });

    const second = await rotateSecretKeys(stack.pool, box);
    for (const c of second.columns) {
      expect(c).toMatchObject({ reencrypted: 0, changedMeanwhile: 0, failed: [] });
      expect(c.alreadyCurrent).toBe(c.total);
    }

    // The service, redeployed with both keys, syncs with the re-encrypted secret.
    await stack.restartApp({ secrets: box });
    await stack.postEvents('org-key-a', 'after-rotation', message('m1', 'customer', 'After the key rotation'));
    await waitFor(async () => (await conversation('org-key-a', 'after-rotation')).syncedUpTo === 1, { what: 'synced after key rotation' });
  });

  it('the command reports counts, exits 1 for a secret under a key it does not have, and is idempotent', async () => {
    await stack.pool.query("UPDATE connections SET secret_key_id = 'key-gone' WHERE org_id = 'org-key-c'");
    const cli = path.resolve(__dirname, '../../dist/main/rotate-secret-key.js');
    const env = { ...process.env, DATABASE_URL: stack.cfg.DATABASE_URL!, SECRET_KEYS: `${KEY_1},${KEY_2}`, SECRET_ACTIVE_KEY_ID: 'key-1', LOG_LEVEL: 'silent' };
    const run = async () => {
      try {
        const { stdout } = await promisify(execFile)(process.execPath, [cli], { env });
        return { code: 0, stdout };
      } catch (err) {
        const e = err as { code: number; stdout: string };
        return { code: e.code, stdout: e.stdout };
      }
    };
    const back = await run();
    expect(back.code).toBe(1);
    expect(back.stdout).toContain('Active key: key-1');
    expect(back.stdout).toMatch(/Creatio client secrets: \d+ stored, 0 already under the active key, \d+ re-encrypted, 0 changed meanwhile \(left as saved\), 1 failed/);
    expect(back.stdout).toContain('org org-key-c: key "key-gone" is not in SECRET_KEYS');
    expect(back.stdout).not.toContain(stack.sim.clients[0]!.clientSecret);
    expect(await keyIds()).toEqual({ 'org-key-a': 'key-1', 'org-key-b': 'key-1', 'org-key-c': 'key-gone' });

    await stack.pool.query("UPDATE connections SET secret_key_id = 'key-2' WHERE org_id = 'org-key-c'");
    const fixed = await run();
    expect(fixed.code).toBe(0);
    expect(fixed.stdout).toMatch(/Creatio client secrets: \d+ stored, \d+ already under the active key, 1 re-encrypted, 0 changed meanwhile \(left as saved\), 0 failed/);
    const again = await run();
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/Creatio client secrets: (\d+) stored, \1 already under the active key, 0 re-encrypted/);
    expect(await keyIds()).toEqual({ 'org-key-a': 'key-1', 'org-key-b': 'key-1', 'org-key-c': 'key-1' });
  });
});
