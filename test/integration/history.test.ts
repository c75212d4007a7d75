import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import path from 'node:path';
import type { Client, Connection } from '@temporalio/client';
import { defaultPayloadConverter, type DataConverter } from '@temporalio/common';
import { historyFromJSON, historyToJSON } from '@temporalio/common/lib/proto-utils';
import { Worker, type ReplayWorkerOptions } from '@temporalio/worker';
import { createTemporalClient } from '../../src/client/temporal-client';
import { payloadFromJson, type PayloadJson } from '../../src/codec-server/payload-json';
import { startCodecServer } from '../../src/codec-server/server';
import { CaseStatus } from '../../src/creatio/stock';
import { findTemporalCli } from '../../src/dev/temporal-cli';
import { loadPayloadCodec } from '../../src/main/local-secrets';
import { KEY_ID_METADATA_KEY, type EncryptionCodec } from '../../src/temporal/codec';
import { createDataConverter } from '../../src/temporal/data-converter';
import { globalServices } from '../support/global-state';
import { handoff, message, resolve } from '../support/events';
import { decodeHistory, encodingOf, failureSites, payloadSites, searchableText, type JsonValue } from '../support/history-payloads';
import { startTestStack, waitFor, type Json, type TestStack } from '../support/stack';

/**
 * Properties of workflow histories:
 * - privacy: no message text, customer detail, client secret or access token
 *   is in any history of a run that exercised every path, neither as stored
 *   (every payload and failure message encrypted by the payload codec) nor
 *   decoded with the keys (the workflows keep text out in the first place);
 *   search attributes, stored in clear, hold only IDs, states and reasons;
 * - the codec server decodes those payloads for token holders only;
 * - determinism: recorded histories (test/histories/*.json, recorded with
 *   RECORD_HISTORIES=1) still replay against the current workflow code.
 */
const HISTORY_DIR = path.resolve(__dirname, '../histories');
const execFileAsync = promisify(execFile);

let stack: TestStack;
let codec: EncryptionCodec;
/** A client without our data converter: sees histories as the server stores them. */
let raw: Client;
let rawConnection: Connection;
beforeAll(async () => {
  stack = await startTestStack();
  codec = loadPayloadCodec(stack.cfg);
  ({ client: raw, connection: rawConnection } = createTemporalClient({ address: globalServices().temporalAddress, namespace: stack.cfg.TEMPORAL_NAMESPACE }));
});
afterAll(async () => {
  await rawConnection?.close();
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

let rawHistories: JsonValue[] = [];
let decodedHistories: JsonValue[] = [];
let privacyRun: { workflowId: string; runId: string; caseId: string } | undefined;

it('keeps message text, customer details, secrets and tokens out of every workflow history, stored encrypted', async () => {
  const org = 'org-privacy';
  const client = stack.sim.clients[0]!;
  expect((await stack.connect(org, { resolvedStatusId: CaseStatus.Resolved })).status).toBe(200);
  const done = await runRepresentativeConversation(org, 'privacy-1');
  const handle = stack.temporal.workflow.getHandle(String(done.workflowId));
  await handle.result();

  // As the server stores them: read through a client without our data converter.
  for await (const wf of raw.workflow.list({ query: `TaskQueue = "${stack.cfg.TEMPORAL_TASK_QUEUE}"` })) {
    const history = await raw.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory();
    rawHistories.push(JSON.parse(historyToJSON(history)) as JsonValue);
    if (wf.workflowId === done.workflowId) privacyRun = { workflowId: wf.workflowId, runId: wf.runId, caseId: String(done.caseId) };
  }
  expect(rawHistories.length).toBeGreaterThan(0);
  decodedHistories = await Promise.all(rawHistories.map((h) => decodeHistory(h, codec)));

  // Neither the stored form nor what an operator with the keys sees holds any of it.
  const markers = [...Object.values(SECRET_MARKERS), 'Zebra-quartz', 'Violet-harbor', 'Agent-reply-marker', client.clientSecret];
  for (const haystack of [rawHistories.map(searchableText).join('\n'), decodedHistories.map(searchableText).join('\n')]) {
    for (const marker of markers) expect(haystack).not.toContain(marker);
    expect(haystack).not.toMatch(/eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/); // a JWT-shaped access token
    expect(haystack).not.toMatch(/Bearer\s+\S{10,}/);
  }
  // Decoded, the history does hold what operators need: IDs and states.
  expect(decodedHistories.map(searchableText).join('\n')).toContain(String(done.caseId));
});

it('stores every payload encrypted except search attributes, which hold only IDs, states and reason codes', () => {
  const sites = rawHistories.flatMap((h) => payloadSites(h));
  const searchAttributes = sites.filter((s) => /\.(searchAttributes|upsertWorkflowSearchAttributesEventAttributes)\b/.test(s.path));
  // The SDK's own marker bookkeeping (local activity seq/attempt/type/times, patch IDs) is written by
  // its core, outside the codec; the local activity *results* next to it are encrypted.
  const sdkMarkers = sites.filter((s) => /\.markerRecordedEventAttributes\.details\.(data|patch-data)\./.test(s.path));
  for (const m of sdkMarkers) {
    const fields = Object.keys(defaultPayloadConverter.fromPayload<Record<string, unknown>>(payloadFromJson(m.value)));
    expect(SDK_MARKER_FIELDS).toEqual(expect.arrayContaining(fields));
  }
  const others = sites.filter((s) => !searchAttributes.includes(s) && !sdkMarkers.includes(s));
  // Enough payloads to mean something (the run has inputs, signals, activity results, local activity results).
  expect(others.length).toBeGreaterThan(12);
  expect(others.filter((s) => encodingOf(s.value) !== 'binary/encrypted').map((s) => s.path)).toEqual([]);
  // Workflow inputs, signals, activity inputs and results, the UI summary: all among them.
  for (const kind of ['.input.payloads.', '.result.payloads.', 'userMetadata.summary']) expect(others.some((s) => s.path.includes(kind))).toBe(true);
  for (const s of others) expect(Buffer.from(s.value.metadata![KEY_ID_METADATA_KEY]!, 'base64').toString()).toBe(codec.activeKeyId);

  const values = new Map<string, Set<string>>();
  for (const s of searchAttributes) {
    const name = s.path.split('.').at(-1)!;
    const value = defaultPayloadConverter.fromPayload<unknown>(payloadFromJson(s.value));
    for (const v of Array.isArray(value) ? value : [value]) if (v !== null) (values.get(name) ?? values.set(name, new Set()).get(name)!).add(String(v));
  }
  const STATES = ['pending', 'syncing', 'waiting_for_creatio', 'needs_attention', 'resolved', 'closed_without_case', 'disconnected'];
  const REASONS = ['credentials_rejected', 'permission_denied', 'invalid_lookup', 'validation', 'configuration', 'not_found', 'transient', 'unexpected_html', 'not_connected', 'unknown'];
  expect([...(values.get('CreatioOrgId') ?? [])]).toEqual(['org-privacy']);
  expect([...(values.get('CreatioCaseId') ?? [])]).toEqual([privacyRun!.caseId]);
  for (const v of values.get('CreatioCaseNumber') ?? []) expect(v).toMatch(/^[A-Z]*\d+$/);
  for (const v of values.get('CreatioSyncState') ?? []) expect(STATES).toContain(v);
  for (const v of values.get('CreatioSyncReason') ?? []) expect(REASONS).toContain(v);
  expect(values.get('CreatioSyncState')).toContain('resolved');
  expect([...values.keys()].sort()).toEqual(expect.arrayContaining(['CreatioOrgId', 'CreatioSyncState']));
  // Besides ours, only the SDK's own: patch IDs from patched() (names in our code).
  expect([...values.keys()].filter((k) => !k.startsWith('Creatio') && k !== 'TemporalChangeVersion')).toEqual([]);
  for (const v of values.get('TemporalChangeVersion') ?? []) expect(v).toMatch(/^[A-Za-z0-9_.:-]+$/);
});

it('encrypts failure messages and stack traces (an activity failure is unreadable in the stored history)', () => {
  const failures = rawHistories.flatMap((h) => failureSites(h));
  // The injected 503s fail activity attempts: their last failure is in the history.
  expect(failures.length).toBeGreaterThan(0);
  for (const f of failures) {
    expect(f.value.message).toBe('Encoded failure');
    expect(f.value.stackTrace ?? '').toBe('');
    expect(encodingOf(f.value.encodedAttributes as unknown as PayloadJson)).toBe('binary/encrypted');
  }
  const stored = rawHistories.map(searchableText).join('\n');
  expect(stored).not.toContain('Creatio is unavailable');
  expect(stored).not.toContain('at withCreatio');
  // With the keys, the operator reads them.
  const decoded = decodedHistories.map(searchableText).join('\n');
  expect(decoded).toContain('Creatio is unavailable');
  expect(decoded).toContain('at withCreatio');
});

it('serves decoded payloads of a real history to the codec server token holder (and CORS to the configured UI only)', async () => {
  const token = 'codec-it-token-0123456789';
  const ui = 'http://127.0.0.1:8233';
  const server = await startCodecServer({
    codec,
    token,
    namespace: stack.cfg.TEMPORAL_NAMESPACE,
    allowedOrigins: new Set([ui]),
    loopbackUiWithoutToken: false,
    host: '127.0.0.1',
    port: 0,
  });
  try {
    const history = rawHistories.find((h) => JSON.stringify(h).includes(privacyRun!.runId))!;
    const input = payloadSites(history).find((s) => s.path.includes('workflowExecutionStartedEventAttributes.input.payloads.0'))!.value;
    expect(encodingOf(input)).toBe('binary/encrypted');
    const post = (route: string, headers: Record<string, string>) =>
      fetch(`${server.url}${route}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ payloads: [input] }) });

    for (const route of ['/decode', `/${stack.cfg.TEMPORAL_NAMESPACE}/decode`]) {
      const res = await post(route, { authorization: `Bearer ${token}`, origin: ui, 'x-namespace': stack.cfg.TEMPORAL_NAMESPACE });
      expect(res.status).toBe(200);
      expect(res.headers.get('access-control-allow-origin')).toBe(ui);
      const [payload] = ((await res.json()) as { payloads: PayloadJson[] }).payloads;
      expect(encodingOf(payload!)).toBe('json/plain');
      expect(defaultPayloadConverter.fromPayload(payloadFromJson(payload!))).toMatchObject({ orgId: 'org-privacy', conversationId: 'privacy-1' });
    }
    // The operator's CLI, as README "Privacy" shows it.
    const cli = findTemporalCli();
    if (cli) {
      // Asynchronously: the codec server it calls runs on this process's event loop.
      const show = async (auth: string, timeout = '30s') =>
        (
          await execFileAsync(cli.path, ['workflow', 'show', '--address', globalServices().temporalAddress, '--workflow-id', privacyRun!.workflowId,
            '--run-id', privacyRun!.runId, '--codec-endpoint', server.url, '--codec-auth', auth, '--output', 'json', '--command-timeout', timeout], { encoding: 'utf8' })
        ).stdout;
      const shown = JSON.parse(await show(`Bearer ${token}`)) as JsonValue;
      const payloads = payloadSites(shown);
      // A whole conversation's worth (inputs, results, signals, markers): 20 at the time of writing.
      expect(payloads.length).toBeGreaterThanOrEqual(15);
      expect(payloads.filter((p) => encodingOf(p.value) === 'binary/encrypted')).toEqual([]);
      expect(searchableText(shown)).toContain('"conversationId":"privacy-1"');
      // Refused (401): the CLI gives up instead of printing undecoded payloads.
      await expect(show('Bearer wrong-token-here', '3s')).rejects.toThrow();
    }

    expect((await post('/decode', {})).status).toBe(401);
    expect((await post('/decode', { authorization: 'Bearer not-the-token-at-all' })).status).toBe(401);
    // Off here (and in production): the UI origin alone is not enough.
    expect((await post('/decode', { origin: ui })).status).toBe(401);

    const preflight = (origin: string) =>
      fetch(`${server.url}/decode`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-namespace,authorization' } });
    const allowed = await preflight(ui);
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(ui);
    expect(allowed.headers.get('access-control-allow-headers')).toBe('content-type, x-namespace, authorization');
    const refused = await preflight('http://localhost:9999');
    expect(refused.status).toBe(403);
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
  } finally {
    await server.close();
  }
});

it('records histories decoded (RECORD_HISTORIES=1), so they replay without this run\'s random key', async () => {
  if (process.env.RECORD_HISTORIES !== '1') return;
  const history = decodedHistories[rawHistories.findIndex((h) => JSON.stringify(h).includes(privacyRun!.runId))]!;
  writeFileSync(path.join(HISTORY_DIR, 'resolved-with-handoff-and-faults.json'), JSON.stringify(history, null, 1));
});

it('replays every recorded history against the current workflow code, through the codec-enabled data converter', async () => {
  const files = readdirSync(HISTORY_DIR).filter((f) => f.endsWith('.json'));
  expect(files.length).toBeGreaterThan(0);
  for (const file of files) {
    // Recorded in clear: the codec passes unencrypted payloads through, as for histories from before it.
    const history = historyFromJSON(JSON.parse(readFileSync(path.join(HISTORY_DIR, file), 'utf8')));
    await expect(Worker.runReplayHistory(replayOptions(createDataConverter(codec)), history, `replay-${file}`)).resolves.toBeUndefined();
  }
});

it('replays this run\'s encrypted history with the codec, and not without it', async () => {
  const history = await raw.workflow.getHandle(privacyRun!.workflowId, privacyRun!.runId).fetchHistory();
  await expect(Worker.runReplayHistory(replayOptions(createDataConverter(codec)), history, 'replay-encrypted')).resolves.toBeUndefined();
  await expect(Worker.runReplayHistory(replayOptions(undefined), history, 'replay-encrypted-without-codec')).rejects.toThrow();
});

const SDK_MARKER_FIELDS = ['seq', 'attempt', 'activity_id', 'activity_type', 'complete_time', 'backoff', 'original_schedule_time', 'id', 'patch_id', 'deprecated'];

function replayOptions(dataConverter: DataConverter | undefined): ReplayWorkerOptions {
  return { workflowBundle: { codePath: globalServices().workflowBundlePath }, dataConverter };
}
