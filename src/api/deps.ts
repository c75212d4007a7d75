import type { Logger } from 'pino';
import type { Pool } from 'pg';
import type { SignalTarget } from '../client/conversation-signals';
import type { SecretBox } from '../security/secret-box';

export interface ApiDeps {
  pool: Pool;
  signals: SignalTarget;
  secrets: SecretBox;
  logger: Logger;
  apiToken: string;
  bodyLimit: number;
  /** Largest webhook body accepted from Creatio. */
  webhookBodyLimit: number;
  /** Public base URL for showing webhook URLs (e.g. https://sync.example.com). */
  publicBaseUrl: () => string;
  /** Grace period of a rotated webhook token, in seconds. */
  webhookTokenGraceSeconds: number;
  /** Answers readiness: can we reach Temporal right now? */
  temporalReachable: () => Promise<boolean>;
}
