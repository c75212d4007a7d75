import { message } from '../support/events';
import { startTestStack, waitFor, type Json, type TestStack } from '../support/stack';

/** Text reaches Creatio exactly: formatting, escaping, scripts, emoji, RTL, long messages, subjects. */
let stack: TestStack;
const org = 'org-content';
beforeAll(async () => {
  // A small text column, so the long-message path is exercised against a strict limit.
  stack = await startTestStack({ sim: { maxTextLength: { 'Activity.Notes': 5000 } }, env: { ACTIVITY_TEXT_MAX: '4000' } });
  expect((await stack.connect(org)).status).toBe(200);
});
afterAll(async () => stack?.stop());

async function sync(conv: string, events: unknown[]): Promise<Array<Record<string, unknown>>> {
  expect((await stack.postEvents(org, conv, events)).status).toBe(202);
  const c = await waitFor(async () => {
    const x = (await stack.api<Json>('GET', `/v1/orgs/${org}/conversations/${conv}`)).body;
    return x.syncedUpTo === events.length ? x : undefined;
  }, { what: `${conv} synced` });
  return stack.sim.records('Activity').filter((a) => a.CaseId === c.caseId).slice(1);
}

it('keeps line breaks, escapes plain text and shows sanitised HTML formatted', async () => {
  const acts = await sync('c-format', [
    message('m1', 'customer', 'Line1\n\nLine2\nLine3'),
    message('m2', 'customer', 'if a < b && c > d then "quote" & more'),
    { ...message('m3', 'ai', 'Hello Ana'), html: '<p>Hello <b>Ana</b></p><script>steal()</script><img src=x onerror=alert(1)>' },
  ]);
  expect(acts[0]!.Notes).toBe('<p>Line1</p><p>Line2<br>Line3</p>');
  expect(String(acts[1]!.Notes)).toContain('if a &lt; b &amp;&amp; c &gt; d then &quot;quote&quot; &amp; more');
  expect(String(acts[1]!.Title)).toContain('if a < b && c > d');
  const html = String(acts[2]!.Notes);
  expect(html).toContain('<p>Hello <b>Ana</b></p>');
  expect(html).not.toMatch(/script|steal|onerror|alert/);
});

it('keeps emoji and right-to-left text intact', async () => {
  const acts = await sync('c-unicode', [
    message('m1', 'customer', 'Family 👩‍👩‍👧‍👦 and flag 🇩🇪 and 👍🏽'),
    message('m2', 'customer', 'مرحبا، طلبي لم يصل بعد'),
    message('m3', 'customer', 'שלום, ההזמנה שלי לא הגיעה'),
  ]);
  expect(String(acts[0]!.Notes)).toContain('Family 👩‍👩‍👧‍👦 and flag 🇩🇪 and 👍🏽');
  expect(String(acts[1]!.Notes)).toContain('مرحبا، طلبي لم يصل بعد');
  expect(String(acts[1]!.Title)).toContain('مرحبا');
  expect(String(acts[2]!.Notes)).toContain('שלום, ההזמנה שלי לא הגיעה');
});

it('splits a very long message over several activities, never rejected, nothing lost', async () => {
  const paragraph = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit. 🙂 ';
  const text = Array.from({ length: 600 }, (_, i) => `${i}: ${paragraph}`).join('\n\n');
  expect(text.length).toBeGreaterThan(35_000);
  const acts = await sync('c-long', [message('m1', 'customer', text)]);
  expect(acts.length).toBeGreaterThan(8);
  acts.forEach((a, i) => {
    expect(String(a.Notes).length).toBeLessThanOrEqual(4000);
    expect(String(a.Title)).toContain(`(part ${i + 1} of ${acts.length})`);
    expect(String(a.Title).length).toBeLessThanOrEqual(500);
  });
  const joined = acts.map((a) => String(a.Notes).replace(/<[^>]+>/g, ' ')).join(' ');
  for (let i = 0; i < 600; i += 37) expect(joined).toContain(`${i}: Lorem ipsum`);
});

it('cuts the case subject to the column length', async () => {
  const long = `Subject ${'x'.repeat(1200)}`;
  expect((await stack.postEvents(org, 'c-subject', message('m1', 'customer', long))).status).toBe(202);
  const c = await waitFor(async () => {
    const x = (await stack.api<Json>('GET', `/v1/orgs/${org}/conversations/c-subject`)).body;
    return x.syncedUpTo === 1 ? x : undefined;
  });
  const subject = String(stack.sim.getRecord('Case', String(c.caseId))!.Subject);
  expect(subject.length).toBeLessThanOrEqual(500);
  expect(subject.endsWith('…')).toBe(true);
});

it('stores times in UTC and orders by sequence, not by the sender clock', async () => {
  const acts = await sync('c-time', [
    { ...message('m1', 'customer', 'sent second by the clock'), sentAt: '2026-12-01T12:00:00+02:00' },
    { ...message('m2', 'customer', 'sent first by the clock'), sentAt: '2026-12-01T09:30:00Z' },
  ]);
  expect(acts.map((a) => String(a.Title).split(': ')[1])).toEqual(['sent second by the clock', 'sent first by the clock']);
  expect(acts[0]!.StartDate).toBe('2026-12-01T10:00:00Z');
});
