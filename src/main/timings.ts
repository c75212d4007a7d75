import type { Config } from '../config';
import type { SyncTimings } from '../workflows/definitions';

/** Workflow timings from configuration; passed to each workflow at start. */
export function timingsFromConfig(cfg: Config): SyncTimings {
  return {
    idleTimeoutMs: cfg.CONVERSATION_IDLE_TIMEOUT_MS,
    recheckMs: cfg.NEEDS_ATTENTION_RECHECK_MS,
    maxRetryWaitMs: cfg.CREATIO_RETRY_MAX_WAIT_MS,
    backstopMinMs: cfg.BACKSTOP_MIN_MS,
    backstopMaxMs: cfg.BACKSTOP_MAX_MS,
    maxHistoryEvents: cfg.WORKFLOW_MAX_HISTORY_EVENTS,
  };
}
