import path from 'node:path';
import { loadExamples, type OrgMode } from './examples';
import { connectOrg, demoOrgId, disconnectOrgs, OrgRegistry, runTag, type DemoOrg } from './orgs';
import { formatReport, formatVerdict, modeLabel, temporalUiLink } from './print';
import { openReader, readConversationCases, type ReadCase } from './read-back';
import { planReplay, replayAll } from './replay';
import { serviceApi } from './service-api';
import { handleShutdownSignals } from './signals';
import { startDemoStack, type DemoStack } from './stack';
import { StopList } from './stop-list';
import { verifyConversation, type ConversationReport } from './verify';
import { waitForFinalStates } from './wait';

/**
 * `npm run demo [-- --keep-running] [--all-activities]`: starts the embedded
 * stack and a Creatio simulator, connects two orgs through the API, replays
 * the conversations in examples/ through the API, waits for the sync, reads
 * every case back over OData and exits 0 only if all of it is there.
 */
const REPO_ROOT = path.resolve(__dirname, '..', '..');
const SYNC_TIMEOUT_MS = Number(process.env.DEMO_SYNC_TIMEOUT_MS ?? 60_000);

const say = (line = '') => process.stdout.write(line + '\n');
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function run(stack: DemoStack, stops: StopList, opts: { allActivities: boolean }, examplesDir: string): Promise<boolean> {
  const timings: Array<[string, number]> = [];
  const timed = async <T>(label: string, fn: () => Promise<T>): Promise<T> => {
    const started = Date.now();
    try {
      return await fn();
    } finally {
      timings.push([label, Date.now() - started]);
    }
  };

  const examples = loadExamples(examplesDir);
  const api = serviceApi(stack.apiUrl, stack.apiToken);
  const now = new Date();
  const tag = runTag(now);
  const modes = [...new Set(examples.map((e) => e.orgMode))];
  const orgs = new Map<OrgMode, DemoOrg>(modes.map((mode) => [mode, { orgId: demoOrgId(mode, tag), mode }]));

  const registry = new OrgRegistry(path.join(stack.cfg.dataDir, 'demo-orgs.json'));
  const stale = registry.list();
  if (stale.length > 0) {
    const failed = await disconnectOrgs(api, registry, stale);
    say(`  Disconnected ${stale.length - failed.length} demo org(s) an interrupted earlier run left connected${failed.length ? `; could not: ${failed.join(', ')}` : ''}`);
  }
  // Runs first when the stack stops (normally or on a signal), while the API is still up.
  stops.push('the demo orgs (DELETE connection)', async () => {
    const failed = await disconnectOrgs(api, registry, [...orgs.values()].map((o) => o.orgId));
    if (failed.length > 0) say(`  Could not disconnect ${failed.join(', ')}; the next run will retry.`);
  });

  await timed('connect', async () => {
    for (const org of orgs.values()) {
      registry.add(org.orgId);
      await connectOrg(api, org, {
        instanceUrl: stack.sim.url,
        tokenUrl: stack.sim.tokenUrl,
        clientId: stack.syncClient.clientId,
        clientSecret: stack.syncClient.clientSecret,
      });
      say(`  Connected org ${org.orgId} (${modeLabel(org.mode)}, resolved status "Resolved") with PUT /v1/orgs/${org.orgId}/connection`);
    }
  });

  const plans = examples.map((ex) => planReplay(ex, orgs.get(ex.orgMode)!.orgId, now));
  say('');
  say(`Replaying ${plans.length} conversations from examples/ through POST /v1/orgs/{org}/conversations/{id}/events (3 at a time):`);
  await timed('replay', () =>
    replayAll(api, plans, {
      concurrency: 3,
      pauseMs: [10, 60],
      onConversationDone: (p, requests) => say(`  sent ${p.example.file}: ${p.events.length} events in ${requests} requests`),
    }),
  );

  say('');
  say('Waiting for every conversation to reach its final state (GET /v1/orgs/{org}/conversations/{id})...');
  const waited = await timed('sync', () => waitForFinalStates(api, plans, SYNC_TIMEOUT_MS));
  if (waited.notDone.size === 0) say(`  all ${plans.length} conversations are where they should be`);
  for (const [id, why] of waited.notDone) say(`  ✗ ${id}: ${why}`);

  say('');
  say(`Reading back over OData from ${stack.sim.odataUrl} as "${stack.readClient.clientId}" (a read-only client):`);
  const reader = openReader({
    instanceUrl: stack.sim.url,
    tokenUrl: stack.sim.tokenUrl,
    clientId: stack.readClient.clientId,
    clientSecret: stack.readClient.clientSecret,
  });
  const readBack = await timed('read-back', async () => {
    const out = new Map<string, ReadCase[]>();
    for (const plan of plans) out.set(plan.example.conversationId, await readConversationCases(reader, plan));
    return out;
  });

  const reports: ConversationReport[] = plans.map((plan) => {
    const id = plan.example.conversationId;
    return verifyConversation(plan, waited.views.get(id), readBack.get(id) ?? [], waited.notDone.get(id));
  });
  for (const r of reports) {
    say('');
    for (const line of formatReport(r, opts)) say(line);
  }

  say('');
  if (stack.temporalUiUrl) {
    say('Temporal UI, workflows of each demo org (live while the demo runs; add -- --keep-running to browse after the check):');
    for (const org of orgs.values()) say(`  ${org.orgId}: ${temporalUiLink(stack.temporalUiUrl, stack.cfg.TEMPORAL_NAMESPACE, org.orgId)}`);
  }
  say(`Timings: ${timings.map(([label, ms]) => `${label} ${seconds(ms)}`).join(' · ')}`);
  say('');
  const verdict = formatVerdict(reports);
  for (const line of verdict.lines) say(line);
  return verdict.ok;
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const unknown = argv.filter((a) => a !== '--keep-running' && a !== '--all-activities');
  if (unknown.length > 0) {
    process.stderr.write(`Unknown option ${unknown.join(' ')}. Usage: npm run demo [-- --keep-running] [--all-activities]\n`);
    return 2;
  }
  const keepRunning = argv.includes('--keep-running');
  const examplesDir = path.join(REPO_ROOT, 'examples');
  // Fail on a broken sample before starting anything.
  loadExamples(examplesDir);

  const started = Date.now();
  say('Creatio conversation sync: demo');
  say('Starting the embedded stack (PostgreSQL, Temporal dev server, worker, API) and a Creatio simulator...');
  const stops = new StopList(say);
  const signals = handleShutdownSignals(() => stops.stopAll(), say);
  const stack = await startDemoStack(REPO_ROOT, say, stops);

  let ok = false;
  try {
    say(`  Data:         ${stack.cfg.dataDir} (embedded PostgreSQL on 127.0.0.1:${stack.pgPort})`);
    say(`  Temporal:     ${stack.temporalAddress} (dev server, ${stack.temporalSource}; history in ${path.join(stack.cfg.dataDir, 'temporal', 'dev.db')})`);
    if (stack.temporalUiUrl) say(`  Temporal UI:  ${stack.temporalUiUrl}`);
    say(`  API:          ${stack.apiUrl} (token in ${stack.cfg.API_TOKEN ? 'API_TOKEN' : path.join(stack.cfg.dataDir, 'api-token')})`);
    say(`  Creatio sim:  ${stack.sim.url} (OData ${stack.sim.odataUrl})`);
    for (const note of stack.notes) say(`  Note: ${note}`);
    say(`  Ready after ${seconds(Date.now() - started)}`);
    ok = await run(stack, stops, { allActivities: argv.includes('--all-activities') }, examplesDir);
  } catch (err) {
    // After Ctrl+C the run fails as its stack goes away; the signal handler reports and exits.
    if (signals.stopping()) await new Promise<never>(() => undefined);
    say('');
    say(`FAIL: the demo stopped early: ${err instanceof Error ? err.message : String(err)}`);
  }

  if (keepRunning) {
    say('');
    say('The stack keeps running (--keep-running); press Ctrl+C to stop it.');
    await signals.nextSignal();
  }
  say('');
  say('Stopping the demo stack (disconnecting the demo orgs first, so their open conversations end)...');
  await stops.stopAll();
  say(`Done in ${seconds(Date.now() - started)}.`);
  return ok ? 0 : 1;
}

main().then(
  // Explicit exit: the Temporal SDK's native runtime can keep the event loop alive after shutdown.
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`demo: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
