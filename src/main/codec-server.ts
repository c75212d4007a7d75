import path from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import { codecServerSettings, startCodecServer, type RunningCodecServer } from '../codec-server/server';
import { config, type Config } from '../config';
import { createLogger } from '../logging/logger';
import { loadCodecServerToken, loadPayloadCodec } from './local-secrets';

/**
 * `npm run codec-server`: decodes our encrypted payloads for the Temporal Web
 * UI and CLI (npm start runs one too). Same PAYLOAD_KEYS as the workers.
 */
export async function startConfiguredCodecServer(
  cfg: Config,
  logger: FastifyBaseLogger,
  opts: { anyPortIfTaken?: boolean } = {},
): Promise<RunningCodecServer & { portTaken?: number }> {
  const settings = codecServerSettings(cfg);
  const options = { ...settings, codec: loadPayloadCodec(cfg), token: loadCodecServerToken(cfg), namespace: cfg.TEMPORAL_NAMESPACE, logger };
  try {
    return await startCodecServer(options);
  } catch (err) {
    // npm start points the UI at whatever URL we get: a busy port must not stop the service.
    if (!opts.anyPortIfTaken || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || settings.port === 0) throw err;
    return { ...(await startCodecServer({ ...options, port: 0 })), portTaken: settings.port };
  }
}

/** Where the token is, for the lines we print. */
export function codecTokenSource(cfg: Config): string {
  return cfg.CODEC_SERVER_TOKEN ? 'CODEC_SERVER_TOKEN' : path.join(cfg.dataDir, 'codec-server-token');
}

async function main(): Promise<void> {
  const cfg = config();
  const logger = createLogger({ level: cfg.LOG_LEVEL, name: 'creatio-sync-codec' });
  const server = await startConfiguredCodecServer(cfg, logger);
  const settings = codecServerSettings(cfg);
  const say = (line: string) => process.stdout.write(line + '\n');
  say(`Codec server: ${server.url}  (POST /decode, /encode; Authorization: Bearer <token from ${codecTokenSource(cfg)}>)`);
  say(`  Browser origins allowed: ${[...settings.allowedOrigins].join(', ')}${settings.loopbackUiWithoutToken ? ' (may decode without the token, loopback only)' : ''}`);
  say(`  Web UI: Settings → Codec Server → ${server.url}   CLI: temporal workflow show --codec-endpoint ${server.url} --codec-auth "Bearer <token>" ...`);
  const shutdown = async () => {
    await server.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown());
  process.once('SIGTERM', () => void shutdown());
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
