import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Pool } from 'pg';
import { startCreatioSimulator, type CreatioSimulator } from '../creatio-sim';
import { CaseStatus } from '../creatio/stock';
import type { StopList } from '../demo/stop-list';
import { freePort } from '../dev/net';
import { ensureEmbeddedPostgres } from '../store/embedded-postgres';
import { migrate } from '../store/migrate';
import { ChaosApi, describe } from './api';
import { Driver, waitUntilSettled, type FinalView } from './drive';
import { creatioHits, FaultLedger, runFaultSchedule } from './faults';
import { buildPlan, type ChaosPlan, type PlanOptions } from './plan';
import { activitiesInFlight, buildWorkflowBundle, ServiceProcess, tallyHistories, TemporalServer, type ProcessExit } from './processes';
import { faultRows, verdictOf, type RunReport, type Verdict } from './report';
import { totalsOf, verifyRun, type ConversationCheck, type Policies } from './verify';

/**
 * One chaos run: start the stack as separate processes, connect the orgs,
 * drive the planned conversations while the planned faults hit, stop
 * injecting, wait until every conversation has settled, and compare our
 * database with the simulated Creatio instances.
 */
export interface ChaosRunOptions {
  plan: PlanOptions;
  policies: Policies;
  /** Upper bound for the wait after the drive. */
  settleTimeoutMs: number;
  /** Fresh folder for this run: PostgreSQL, Temporal history, service state, logs. */
  dataDir: string;
  /** An existing PostgreSQL database (tests); absent = embedded PostgreSQL in dataDir. */
  databaseUrl?: string;
  /** Prebuilt workflow bundle for the worker; absent = bundled once for this run. */
  workflowBundlePath?: string;
  /** Extra environment for the worker and API (timings). */
  serviceEnv?: Record<string, string>;
  /**
   * Retries of the simulated business processes' webhook calls. Creatio's
   * element does not retry (default 0); the test, which runs without the
   * backstop read, has them retry so a closure during an API restart is not lost.
   */
  webhookRetries?: number;
  command: string;
  log: (line: string) => void;
  /** Ctrl+C: stop sending and waiting. */
  signal: AbortSignal;
}

export interface ChaosRunResult {
  plan: ChaosPlan;
  checks: ConversationCheck[];
  report: RunReport;
  verdict: Verdict;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export async function runChaos(o: ChaosRunOptions, stops: StopList): Promise<ChaosRunResult> {
  const { log } = o;
  const startedAt = new Date();
  const phases: Array<[string, number]> = [];
  let mark = Date.now();
  const phase = (name: string) => {
    phases.push([name, Date.now() - mark]);
    mark = Date.now();
  };
  const plan = buildPlan(o.plan);
  mkdirSync(o.dataDir, { recursive: true });
  const logs = path.join(o.dataDir, 'logs');

  // PostgreSQL: embedded in this run's folder unless a database is given.
  let databaseUrl = o.databaseUrl;
  const ports: Record<string, string> = {};
  if (!databaseUrl) {
    const pgPort = await freePort();
    const pg = await ensureEmbeddedPostgres({ dataDir: path.join(o.dataDir, 'postgres'), port: pgPort, database: 'creatio_sync' });
    stops.push('PostgreSQL', () => pg.stop(), 20_000);
    databaseUrl = pg.url;
    ports.postgres = `127.0.0.1:${pgPort}`;
  }
  const pool = new Pool({ connectionString: databaseUrl, max: 5 });
  pool.on('error', () => undefined);
  stops.push('database pool', () => pool.end());
  await migrate(pool);

  const crashes: Array<{ part: string; exit: ProcessExit }> = [];
  const onCrash = (part: string) => (exit: ProcessExit) => {
    crashes.push({ part, exit });
    log(`  !! ${part} exited on its own (code ${exit.code}, signal ${exit.signal}); started again`);
  };

  const temporal = new TemporalServer({
    port: await freePort(),
    dbFile: path.join(o.dataDir, 'temporal', 'dev.db'),
    namespace: 'default',
    logFile: path.join(logs, 'temporal.log'),
    onCrash: onCrash('temporal'),
  });
  await temporal.resolveCli((l) => log(`  ${l}`));
  await temporal.start();
  stops.push('the Temporal dev server', () => temporal.stop(), 20_000);
  ports.temporal = temporal.address;

  const sims = new Map<string, CreatioSimulator>();
  for (const org of plan.orgs) {
    const sim = await startCreatioSimulator({ clients: [{ clientId: `chaos-sync-${org.index + 1}`, clientSecret: randomBytes(18).toString('hex') }] });
    stops.push(`the Creatio simulator of ${org.orgId}`, () => sim.close());
    sims.set(org.orgId, sim);
    ports[`creatio ${org.orgId}`] = sim.url.replace('http://', '');
  }

  const apiPort = await freePort();
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const apiToken = randomBytes(24).toString('base64url');
  ports.api = `127.0.0.1:${apiPort}`;
  const bundle = o.workflowBundlePath ?? (await buildWorkflowBundle(path.join(o.dataDir, 'workflow-bundle.js')));
  const env = serviceEnv(o, { databaseUrl, temporalAddress: temporal.address, apiPort, apiToken, bundle });
  const worker = new ServiceProcess({ name: 'worker', env, logFile: path.join(logs, 'worker.log'), onCrash: onCrash('worker') });
  const api = new ServiceProcess({ name: 'api', env, logFile: path.join(logs, 'api.log'), healthUrl: `${apiUrl}/healthz`, onCrash: onCrash('api') });
  // Stopped before the simulators and Temporal (the stop list runs newest first).
  stops.push('the API', () => api.stop(), 20_000);
  stops.push('the worker', () => worker.stop(), 20_000);
  await Promise.all([worker.start(), api.start()]);
  log(`  Ports: ${Object.entries(ports).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  log(`  Worker pid ${worker.pid}, API pid ${api.pid}; logs in ${logs}`);

  const client = new ChaosApi(apiUrl, apiToken);
  for (const org of plan.orgs) {
    const sim = sims.get(org.orgId)!;
    const creds = sim.clients[0]!;
    const res = await client.call('PUT', `/v1/orgs/${org.orgId}/connection`, {
      instanceUrl: sim.url,
      tokenUrl: sim.tokenUrl,
      clientId: creds.clientId,
      clientSecret: creds.clientSecret,
      resolvedStatusId: CaseStatus.Resolved,
      handoffOnly: org.mode === 'handoff_only',
    });
    if (res.status !== 200) throw new Error(`PUT connection of ${org.orgId}: ${describe(res)}`);
    const hook = await client.call('GET', `/v1/orgs/${org.orgId}/webhook`);
    const url = typeof hook.body === 'object' && hook.body !== null && 'url' in hook.body ? String((hook.body as { url: unknown }).url) : undefined;
    if (hook.status !== 200 || !url) throw new Error(`GET webhook of ${org.orgId}: ${describe(hook)}`);
    // Both business processes (agent replies, closures) call our webhook, as the setup guide has them built.
    sim.setBusinessProcesses({ url, retries: o.webhookRetries ?? 0, retryDelayMs: 1_000 });
  }
  phase('start');

  // Drive and inject.
  const ledger = new FaultLedger(Date.now());
  const driveStart = Date.now();
  const giveUpAt = driveStart + o.plan.durationMs + 10 * 60_000;
  const driver = new Driver({ api: client, sims, ledger, startedAt: driveStart, log, signal: o.signal, giveUpAt });
  const faultsDone = new AbortController();
  // Every waiting conversation listens on these signals.
  setMaxListeners(10_000, o.signal, faultsDone.signal);
  o.signal.addEventListener('abort', () => faultsDone.abort());
  const printed = { n: 0 };
  const printTimeline = () => {
    for (; printed.n < ledger.timeline.length; printed.n++) log(`  ${ledger.timeline[printed.n]}`);
  };
  const ticker = setInterval(printTimeline, 1_000);
  log(`Driving ${plan.conversations.length} conversations (${plan.conversations.reduce((a, c) => a + c.events.length, 0)} events) over ${seconds(o.plan.durationMs)} with ${plan.faults.length} scheduled faults...`);
  try {
    await Promise.all([
      driver.run(plan.conversations),
      runFaultSchedule(plan.faults, { worker, api, temporal, sims: plan.orgs.map((g) => sims.get(g.orgId)!) }, ledger, {
        startedAt: driveStart,
        signal: faultsDone.signal,
        log,
        quiesce: async () => {
          driver.pause();
          const quiet = await waitQuiet(driver, temporal.address, [...sims.values()], 120_000);
          if (!quiet) log('  (still busy after 120 s; killing anyway)');
          return () => driver.resume();
        },
      }),
    ]);
  } finally {
    clearInterval(ticker);
    printTimeline();
  }
  phase('drive');
  if (o.signal.aborted) throw new Error('interrupted');

  // Stop injecting: no fault rules left, every part running.
  for (const sim of sims.values()) sim.clearFaults();
  for (const part of [temporal, worker, api]) if (!part.running()) await part.start();
  log('Faults stopped; waiting for every conversation to settle...');
  const finals: Map<string, FinalView> = await waitUntilSettled(client, [...driver.outcomes.values()], o.settleTimeoutMs, log);
  phase('settle');

  const checks = await verifyRun(pool, plan.conversations, driver.outcomes, finals, sims, o.policies);
  const totals = totalsOf(checks, plan.conversations);
  phase('verify');
  const histories = await tallyHistories(temporal.address, 'default').catch((err: unknown) => {
    log(`  (could not read workflow histories: ${err instanceof Error ? err.message : String(err)})`);
    return undefined;
  });
  phase('histories');

  const hits = creatioHits([...sims.values()]);
  const fatalLines = [
    ...worker.fatalLines.map((line) => ({ part: 'worker', line })),
    ...api.fatalLines.map((line) => ({ part: 'api', line })),
  ];
  const report: RunReport = {
    startedAt,
    command: o.command,
    options: o.plan,
    policies: o.policies,
    orgs: plan.orgs.map((g) => ({ orgId: g.orgId, mode: g.mode })),
    totals,
    outcomes: [...driver.outcomes.values()],
    faults: faultRows((k) => ledger.count(k), hits),
    crashes,
    fatalLines,
    timeline: ledger.timeline,
    phases,
    ports,
    dataDir: o.dataDir,
    histories,
  };
  return { plan, checks, report, verdict: verdictOf(report) };
}

/**
 * Until everything sent so far is synced, no webhook is on its way, and no
 * activity is scheduled or running, twice in a row: the moment to kill the
 * worker or Temporal without leaving an activity to its timeout.
 */
async function waitQuiet(driver: Driver, temporalAddress: string, sims: CreatioSimulator[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let calm = 0;
  while (Date.now() < deadline) {
    const left = Math.max(1_000, deadline - Date.now());
    const synced = await driver.waitAllSynced(left);
    await Promise.all(sims.map((s) => s.webhooksSettled(5_000).catch(() => undefined)));
    const busy = await activitiesInFlight(temporalAddress, 'default').catch(() => 1);
    calm = synced && busy === 0 ? calm + 1 : 0;
    if (calm >= 2) return true;
    await new Promise((r) => setTimeout(r, 300));
  }
  return false;
}

function serviceEnv(
  o: ChaosRunOptions,
  s: { databaseUrl: string; temporalAddress: string; apiPort: number; apiToken: string; bundle: string },
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'development',
    LOG_LEVEL: process.env.CHAOS_SERVICE_LOG_LEVEL ?? 'info',
    // Worker and API share it: keys generated on first use are the same for both.
    DATA_DIR: path.join(o.dataDir, 'service'),
    DATABASE_URL: s.databaseUrl,
    TEMPORAL_ADDRESS: s.temporalAddress,
    TEMPORAL_NAMESPACE: 'default',
    TEMPORAL_TASK_QUEUE: 'creatio-sync',
    API_HOST: '127.0.0.1',
    API_PORT: String(s.apiPort),
    API_TOKEN: s.apiToken,
    WORKER_SHUTDOWN_GRACE_MS: '3000',
    CREATIO_REQUEST_TIMEOUT_MS: String(o.plan.creatioRequestTimeoutMs),
    // Short waits so a run settles in minutes, not the production quarter hours.
    CREATIO_RETRY_MAX_WAIT_MS: '5000',
    NEEDS_ATTENTION_RECHECK_MS: '10000',
    BACKSTOP_MIN_MS: '5000',
    BACKSTOP_MAX_MS: '30000',
    CONVERSATION_IDLE_TIMEOUT_MS: String(30 * 60_000),
    SIGNAL_RECOVERY_INTERVAL_MS: '1000',
    SIGNAL_RECOVERY_GRACE_MS: '3000',
    DELETED_CASE_POLICY: o.policies.deletedCase,
    CLOSED_CASE_POLICY: o.policies.closedCase,
    WORKFLOW_BUNDLE_PATH: s.bundle,
    ...o.serviceEnv,
  };
  // Settings of the user's own service must not leak into the run's.
  for (const key of ['PUBLIC_BASE_URL', 'PLATFORM_CALLBACK_URL', 'PLATFORM_CALLBACK_SECRET', 'SECRET_KEYS', 'SECRET_ACTIVE_KEY_ID', 'PAYLOAD_KEYS', 'PAYLOAD_ACTIVE_KEY_ID']) {
    if (!o.serviceEnv || !(key in o.serviceEnv)) delete env[key];
  }
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
  return env;
}
