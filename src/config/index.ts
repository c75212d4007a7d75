import path from 'node:path';
import { z } from 'zod';

/**
 * The service's whole configuration, read from the environment once at start
 * and validated, so a typo fails fast with a readable message instead of
 * surfacing as odd behaviour hours later.
 */
const boolish = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const durationMs = z.coerce.number().int().positive();

const ConfigSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Local state of the embedded stack (database files, dev-server history, generated keys). */
  DATA_DIR: z.string().default('.data'),

  DATABASE_URL: z.string().url().optional(),
  EMBEDDED_PG_PORT: z.coerce.number().int().min(1).max(65535).default(54329),

  /** host:port of a Temporal frontend; absent = start the bundled dev server. */
  TEMPORAL_ADDRESS: z.string().optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('creatio-sync'),
  TEMPORAL_DEV_PORT: z.coerce.number().int().min(1).max(65535).default(7233),
  TEMPORAL_UI_PORT: z.coerce.number().int().min(1).max(65535).default(8233),

  API_HOST: z.string().default('127.0.0.1'),
  API_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  /** Bearer token the backend presents on /v1; generated into DATA_DIR when unset outside production. */
  API_TOKEN: z.string().min(16).optional(),
  /** Public base URL of this service, used to show webhook URLs to admins. */
  PUBLIC_BASE_URL: z.string().url().optional(),
  /** Largest request body the API accepts, in bytes. */
  API_BODY_LIMIT: z.coerce.number().int().positive().default(1_048_576),

  /** Link back to the conversation, put in the first activity of each case. */
  SESSION_LINK_TEMPLATE: z.string().default('https://platform.example.com/conversations/{conversationId}'),

  CREATIO_REQUEST_TIMEOUT_MS: durationMs.default(30_000),
  /** Concurrent requests per Creatio connection per worker process. */
  CREATIO_MAX_CONCURRENCY: z.coerce.number().int().positive().default(8),
  /** Activity text longer than this is split across several activities. */
  ACTIVITY_TEXT_MAX: z.coerce.number().int().min(200).default(20_000),
  /** How often a conversation in needs_attention re-checks on its own. */
  NEEDS_ATTENTION_RECHECK_MS: durationMs.default(15 * 60_000),
  /** Longest wait between workflow-level retries while Creatio is unavailable. */
  CREATIO_RETRY_MAX_WAIT_MS: durationMs.default(5 * 60_000),
  /** A conversation workflow continues as new once its history has this many events. */
  WORKFLOW_MAX_HISTORY_EVENTS: z.coerce.number().int().min(50).max(40_000).default(10_000),
  /** A conversation with nothing happening finishes its workflow after this (a new event restarts it). */
  CONVERSATION_IDLE_TIMEOUT_MS: durationMs.default(7 * 24 * 3600_000),
  /** Backstop reads of open cases for lost webhooks: first interval (doubles while nothing changes)... */
  BACKSTOP_MIN_MS: durationMs.default(5 * 60_000),
  /** ...and the longest. 0 turns the backstop off. */
  BACKSTOP_MAX_MS: z.coerce.number().int().min(0).default(60 * 60_000),

  /** A case deleted in Creatio while the conversation goes on: "replace" (new case, whole transcript) or "stop". */
  DELETED_CASE_POLICY: z.enum(['replace', 'stop']).default('replace'),
  /** The customer writes again on a closed/canceled case: "reopen" it or open a "new_case" that refers to it. */
  CLOSED_CASE_POLICY: z.enum(['reopen', 'new_case']).default('reopen'),

  /** Where agent replies, resolutions and connection alerts are POSTed (signed). */
  PLATFORM_CALLBACK_URL: z.string().url().optional(),
  /** HMAC-SHA256 key for the X-Signature header of callbacks. */
  PLATFORM_CALLBACK_SECRET: z.string().min(16).optional(),
  PLATFORM_CALLBACK_TIMEOUT_MS: durationMs.default(10_000),
  /** Largest webhook body accepted from Creatio business processes. */
  WEBHOOK_BODY_LIMIT: z.coerce.number().int().positive().default(65_536),
  /** After a webhook token rotation the old token keeps working this long. */
  WEBHOOK_TOKEN_GRACE_SECONDS: z.coerce.number().int().min(0).default(24 * 3600),

  /** How often the API re-signals events stored while Temporal was unreachable. */
  SIGNAL_RECOVERY_INTERVAL_MS: durationMs.default(5_000),
  /** Stored events unsynced and unmarked for this long are signalled again (the first signal may have been lost). */
  SIGNAL_RECOVERY_GRACE_MS: durationMs.default(15_000),

  /** Prebuilt workflow bundle (built with the failure converter, see src/temporal/data-converter.ts); absent = bundle at start. */
  WORKFLOW_BUNDLE_PATH: z.string().optional(),
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().positive().default(1000),
  WORKER_SHUTDOWN_GRACE_MS: durationMs.default(30_000),

  /** Encryption keys for secrets at rest: "keyId:base64(32 bytes)" comma separated. */
  SECRET_KEYS: z.string().optional(),
  /** Key ID used for new encryptions; defaults to the first key. */
  SECRET_ACTIVE_KEY_ID: z.string().optional(),

  /** Encryption keys for workflow payloads (histories): "keyId:base64(32 bytes)" comma separated. */
  PAYLOAD_KEYS: z.string().optional(),
  /** Payload key ID used for new payloads; defaults to the first key. Keep old keys listed while histories use them. */
  PAYLOAD_ACTIVE_KEY_ID: z.string().optional(),

  /** Codec server (decrypts payloads for the Temporal Web UI and CLI). Loopback unless you put TLS in front. */
  CODEC_SERVER_HOST: z.string().default('127.0.0.1'),
  CODEC_SERVER_PORT: z.coerce.number().int().min(0).max(65535).default(8234),
  /** Bearer token for the codec server; generated into DATA_DIR when unset outside production. */
  CODEC_SERVER_TOKEN: z.string().min(16).optional(),
  /** Browser origins allowed to call it (comma separated); default: the dev server's Web UI on TEMPORAL_UI_PORT. */
  CODEC_SERVER_CORS_ORIGINS: z.string().optional(),
  /**
   * Let those origins decode without the token when the codec server and the caller are both on
   * loopback: the dev server's Web UI cannot send a token. Default: on outside production.
   */
  CODEC_SERVER_LOOPBACK_UI_WITHOUT_TOKEN: boolish.optional(),

  START_DEV_SERVER_UI: boolish.default('true'),
});

export type Config = z.infer<typeof ConfigSchema> & {
  /** DATA_DIR made absolute. */
  dataDir: string;
};

export class ConfigError extends Error {}

const ConfigChecks = ConfigSchema.superRefine((c, ctx) => {
  if (c.PLATFORM_CALLBACK_URL && !c.PLATFORM_CALLBACK_SECRET) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['PLATFORM_CALLBACK_SECRET'], message: 'required when PLATFORM_CALLBACK_URL is set (callbacks are signed)' });
  }
});

export function parseConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const result = ConfigChecks.safeParse(env);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return { ...result.data, dataDir: path.resolve(result.data.DATA_DIR) };
}

let loaded: Config | undefined;

/** The process-wide configuration, parsed on first use. */
export function config(): Config {
  loaded ??= parseConfig();
  return loaded;
}
