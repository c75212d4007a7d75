import { message } from '../support/events';
import { startTestStack, waitFor, type Json, type TestStack } from '../support/stack';

/**
 * Conversations of 5,000 messages in each mode. The continue-as-new threshold
 * is set low so every conversation crosses several run boundaries while
 * messages keep arriving; nothing may be lost or reordered at a boundary.
 */
const TOTAL = 5000;
let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ timings: { maxHistoryEvents: 120 } });
});
afterAll(async () => stack?.stop());

async function feed(org: string, conv: string, extraAtEnd: unknown[] = []): Promise<void> {
  let n = 1;
  // Mixed arrival: bursts of up to 250 and single messages.
  while (n <= TOTAL) {
    const size = n % 7 === 0 ? 1 : Math.min(250, TOTAL - n + 1);
    const batch = Array.from({ length: size }, (_, i) => message(`x${n + i}`, (n + i) % 3 === 0 ? 'ai' : 'customer', `long message ${n + i}`));
    const res = await stack.postEvents(org, conv, batch);
    expect(res.status).toBe(202);
    n += size;
  }
  if (extraAtEnd.length) expect((await stack.postEvents(org, conv, extraAtEnd)).status).toBe(202);
}

async function runsOf(workflowId: string): Promise<number> {
  let runs = 0;
  for await (const _ of stack.temporal.workflow.list({ query: `WorkflowId = "${workflowId}"` })) runs++;
  return runs;
}

function assertTranscript(caseId: unknown, extra: number): void {
  const titles = stack.sim
    .records('Activity')
    .filter((a) => a.CaseId === caseId)
    .map((a) => String(a.Title));
  expect(titles.length).toBe(TOTAL + 1 + extra);
  const numbers = titles.filter((t) => t.includes('long message ')).map((t) => Number(t.split('long message ')[1]));
  expect(numbers).toEqual(Array.from({ length: TOTAL }, (_, i) => i + 1));
}

it.each([
  ['every conversation', false],
  ['handoff only', true],
])('%s: 5,000 messages across continue-as-new boundaries, all written once and in order', async (_name, handoffOnly) => {
  const org = handoffOnly ? 'org-long-handoff' : 'org-long-every';
  const conv = 'long-1';
  expect((await stack.connect(org, { handoffOnly })).status).toBe(200);
  const handoff = { type: 'handoff', eventId: 'h-end', summary: 'Long conversation handed off', language: 'en' };
  await feed(org, conv, handoffOnly ? [handoff] : []);
  const done = await waitFor(async () => {
    const c = (await stack.api<Json>('GET', `/v1/orgs/${org}/conversations/${conv}`)).body;
    return c.syncedUpTo === (handoffOnly ? TOTAL + 1 : TOTAL) ? c : undefined;
  }, { what: 'all synced', timeoutMs: 240_000, intervalMs: 500 });
  assertTranscript(done.caseId, 0);
  expect(await runsOf(String(done.workflowId))).toBeGreaterThan(2);
}, 300_000);
