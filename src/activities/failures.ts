import { ApplicationFailure } from '@temporalio/activity';
import { isCreatioError, TransientError, type CreatioError } from '../creatio';

/** Details attached to an activity failure: codes and names only, never record content. */
export interface FailureDetails {
  status?: number;
  retryAfterMs?: number;
  entity?: string;
  operation?: string;
  column?: string;
}

/**
 * Turns a typed Creatio error into the ApplicationFailure Temporal records:
 * its type is the error kind (the workflow reads it as the reason code), its
 * retryability decides whether Temporal retries, and Retry-After becomes the
 * next retry delay.
 */
export function creatioFailure(err: CreatioError): ApplicationFailure {
  const details: FailureDetails = { status: err.status };
  if (err instanceof TransientError && err.retryAfterMs !== undefined) details.retryAfterMs = err.retryAfterMs;
  for (const key of ['entity', 'operation', 'column'] as const) {
    const value = (err as unknown as Record<string, unknown>)[key];
    if (typeof value === 'string') details[key] = value;
  }
  return ApplicationFailure.create({
    type: err.kind,
    message: err.message,
    nonRetryable: !err.retryable,
    nextRetryDelay: details.retryAfterMs,
    details: [details],
  });
}

export function toActivityFailure(err: unknown): unknown {
  return isCreatioError(err) ? creatioFailure(err) : err;
}

export function notConnected(): ApplicationFailure {
  return ApplicationFailure.create({
    type: 'not_connected',
    message: 'Creatio is not connected for this organisation',
    nonRetryable: true,
  });
}
