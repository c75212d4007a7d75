import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { historyFromJSON, historyToJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { CaseStatus } from '../../src/creatio/stock';
import { globalServices } from '../support/global-state';
import { handoff, message, resolve } from '../support/events';
import { startTestStack, waitFor, type Json, type TestStack } from '../support/stack';

/**
 * Two properties of workflow histories:
 * - privacy: no message text, customer detail, client secret or access token
 *   is in any history of a run that exercised every path;
 * - determinism: recorded histories (test/histories/*.json, recorded with
 *   RECORD_HISTORIES=1) still replay against the current workflow code.
 */
const HISTORY_DIR = path.resolve(__dirname, '../histories');

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.stop();
});

const SECRET_MARKERS = {
  text: 'Zebra-quartz-7781 my account number is 445566',
  html: '<p>Violet-harbor-2290 <b>bold</b></p>',
  summary: 'Summary-marker-5531 customer locked out',
  customerName: 'Ingrid Marker-Olafsdottir',
  email: 'ingrid.marker@example.org',
  phone: '+354 555 0199',
};

async function runRepresentativeConversation(org: string, conv: string): Promise<Json> {
  await stack.postEvents(org, conv, [
    { ...message('p1', 'customer', SECRET_MARKERS.text), customer: { name: SECRET_MARKERS.customerName, email: SECRET_MARKERS.email, phone: SECRET_MARKERS.phone } },
    { ...message('p2', 'ai', 'fallback text'), html: SECRET_MARKERS.html },
  ]);
  await waitFor(async () => (await stack.api<Json>('GET', `/v1/orgs/${org}/conversations/${conv}`)).body.syncedUpTo === 2);
  // A transient failure and an expired token, so retry paths are in the history too.
  stack.sim.injectFaults({ kind: 'batch', times: 5, respond: { status: 503, body: '<html>down</html>' } });
  stack.sim.expireTokens();
  await stack.postEvents(org, conv, [handoff('p3', { summary: SECRET_MARKERS.summary }), message('p4', 'agent', 'Agent-reply-marker-9910'), resolve('p5')]);
  return waitFor(async () => {
    const c = (await stack.api<Json>('GET', `/v1/orgs/${org}/conversations/${conv}`)).body;
    return c.state === 'resolved' ? c : undefined;
  }, { timeoutMs: 60_000, what: 'resolved' });
}

it('keeps message text, customer details, secrets and tokens out of every workflow history', async () => {
  const org = 'org-privacy';
  const client = stack.sim.clients[0]!;
  expect((await stack.connect(org, { resolvedStatusId: CaseStatus.Resolved })).status).toBe(200);
  const done = await runRepresentativeConversation(org, 'privacy-1');
  const handle = stack.temporal.workflow.getHandle(String(done.workflowId));
  await handle.result();

  const histories: string[] = [];
  for await (const wf of stack.temporal.workflow.list({ query: `TaskQueue = "${stack.cfg.TEMPORAL_TASK_QUEUE}"` })) {
    const history = await stack.temporal.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory();
    histories.push(historyToJSON(history));
  }
  expect(histories.length).toBeGreaterThan(0);
  const all = histories.join('\n');
  // Payloads are base64 in the JSON form: decode every data field too.
  const decoded = [...all.matchAll(/"data":\s*"([A-Za-z0-9+/=]+)"/g)].map((m) => Buffer.from(m[1]!, 'base64').toString('utf8')).join('\n');
  const haystack = `${all}\n${decoded}`;
  for (const marker of [...Object.values(SECRET_MARKERS), 'Zebra-quartz', 'Violet-harbor', 'Agent-reply-marker', client.clientSecret]) {
    expect(haystack).not.toContain(marker);
  }
  expect(haystack).not.toMatch(/eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/); // a JWT-shaped access token
  expect(haystack).not.toMatch(/Bearer\s+\S{10,}/);
  // The history does hold what operators need: IDs and states.
  expect(decoded).toContain(String(done.caseId));

  if (process.env.RECORD_HISTORIES === '1') {
    writeFileSync(path.join(HISTORY_DIR, 'resolved-with-handoff-and-faults.json'), JSON.stringify(JSON.parse(historyToJSON(await handle.fetchHistory())), null, 1));
  }
});

it('replays every recorded history against the current workflow code', async () => {
  const files = readdirSync(HISTORY_DIR).filter((f) => f.endsWith('.json'));
  expect(files.length).toBeGreaterThan(0);
  for (const file of files) {
    const history = historyFromJSON(JSON.parse(readFileSync(path.join(HISTORY_DIR, file), 'utf8')));
    await expect(
      Worker.runReplayHistory({ workflowBundle: { codePath: globalServices().workflowBundlePath } }, history, `replay-${file}`),
    ).resolves.toBeUndefined();
  }
});
