/**
 * Standalone simulator: `npm run creatio-sim [-- --port 8787 --host 127.0.0.1
 * --odata-base-path /odata --token-lifetime 3600 --no-chat-origin
 * --webhook-url https://host/webhooks/creatio/<token> --webhook-format form]`.
 * Environment: CREATIO_SIM_PORT, CREATIO_SIM_HOST, CREATIO_SIM_CLIENT_ID,
 * CREATIO_SIM_CLIENT_SECRET, CREATIO_SIM_CONTROL_TOKEN, CREATIO_SIM_WEBHOOK_URL.
 * The control API is on; webhook business processes can also be set through it
 * (PUT /__sim/business-processes). Each webhook attempt is printed.
 */
import { SIM_IDS } from './seed';
import { startCreatioSimulator } from './simulator';
import type { SimulatorOptions } from './types';

/** Fixed demo credentials so scripts and docs can use them; override through the environment. */
const DEMO_CLIENT_ID = 'creatio-sim-client';
const DEMO_CLIENT_SECRET = 'creatio-sim-secret';
const DEFAULT_PORT = 8787;

function arg(name: string): string | undefined {
  const argv = process.argv.slice(2);
  const i = argv.indexOf(`--${name}`);
  if (i >= 0) return argv[i + 1];
  const prefixed = argv.find((a) => a.startsWith(`--${name}=`));
  return prefixed?.slice(name.length + 3);
}

function flag(name: string): boolean {
  return process.argv.slice(2).includes(`--${name}`);
}

async function main(): Promise<void> {
  const portText = arg('port') ?? process.env.CREATIO_SIM_PORT ?? String(DEFAULT_PORT);
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid port ${portText}`);
  const basePath = arg('odata-base-path') ?? '/0/odata';
  if (basePath !== '/0/odata' && basePath !== '/odata') throw new Error('--odata-base-path must be /0/odata or /odata');
  const lifetime = Number(arg('token-lifetime') ?? 3600);
  const clientId = process.env.CREATIO_SIM_CLIENT_ID ?? DEMO_CLIENT_ID;
  const clientSecret = process.env.CREATIO_SIM_CLIENT_SECRET ?? DEMO_CLIENT_SECRET;
  const options: SimulatorOptions = {
    host: arg('host') ?? process.env.CREATIO_SIM_HOST ?? '127.0.0.1',
    port,
    odataBasePath: basePath,
    tokenLifetimeSeconds: lifetime,
    controlApi: true,
    seedChatOrigin: !flag('no-chat-origin'),
    clients: [{ clientId, clientSecret, name: 'Integration app user', userContactId: SIM_IDS.demoClientUserContact }],
  };
  const webhookUrl = arg('webhook-url') ?? process.env.CREATIO_SIM_WEBHOOK_URL;
  const webhookFormat = arg('webhook-format') ?? 'json';
  if (webhookFormat !== 'json' && webhookFormat !== 'form') throw new Error('--webhook-format must be json or form');
  if (webhookUrl) options.businessProcesses = { url: webhookUrl, format: webhookFormat };
  const controlToken = process.env.CREATIO_SIM_CONTROL_TOKEN;
  if (controlToken) options.controlToken = controlToken;
  const sim = await startCreatioSimulator(options);
  // Creatio's process log is where an admin would look; stdout is ours.
  sim.onWebhookAttempt((a) => {
    const outcome = a.dropped ? 'dropped (test control)' : a.error !== undefined ? `error: ${a.error}` : `HTTP ${a.status ?? '?'}`;
    const flags = `${a.duplicated ? ' [duplicate]' : ''}${a.retry ? ` [retry ${a.retry}]` : ''}`;
    process.stdout.write(`webhook ${a.kind} (run ${a.run}) case ${a.payload.caseId}: ${outcome}${flags}\n`);
  });
  const lines = [
    'Creatio simulator running',
    `  Instance URL:  ${sim.url}`,
    `  Token URL:     ${sim.tokenUrl}`,
    `  OData URL:     ${sim.odataUrl}`,
    `  Client ID:     ${clientId}`,
    `  Client secret: ${clientSecret}`,
    `  Control API:   ${sim.url}/__sim  (e.g. GET ${sim.url}/__sim/records/Case${controlToken ? ', header x-sim-control-token' : ''})`,
    `  Webhooks:      ${webhookUrl ? `${webhookUrl} (${webhookFormat})` : 'off (--webhook-url, or PUT /__sim/business-processes)'}`,
    'Ctrl+C to stop.',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  const stop = (): void => {
    void sim.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`creatio-sim: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
