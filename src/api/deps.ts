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
  /** Answers readiness: can we reach Temporal right now? */
  temporalReachable: () => Promise<boolean>;
}
