import { request } from 'undici';
import { signPayload, SIGNATURE_HEADER } from './signature';
import type { PlatformEvent } from './events';

export interface CallbackTarget {
  url: string;
  secret: string;
  timeoutMs: number;
}

/** A failed delivery; `retryable` false for answers that a retry cannot change (4xx other than 408/429). */
export class CallbackError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'CallbackError';
  }
}

/** POSTs one event, signed. Resolves on any 2xx. */
export async function deliverPlatformEvent(target: CallbackTarget, event: PlatformEvent): Promise<void> {
  const body = JSON.stringify(event);
  const timestamp = Math.floor(Date.now() / 1000);
  let status: number;
  try {
    const res = await request(target.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-event-id': event.id,
        'x-event-type': event.type,
        [SIGNATURE_HEADER]: signPayload(target.secret, body, timestamp),
      },
      body,
      headersTimeout: target.timeoutMs,
      bodyTimeout: target.timeoutMs,
    });
    status = res.statusCode;
    await res.body.dump();
  } catch (err) {
    throw new CallbackError(`callback request failed: ${(err as Error).message}`, true);
  }
  if (status >= 200 && status < 300) return;
  const retryable = status >= 500 || status === 408 || status === 429;
  throw new CallbackError(`callback answered HTTP ${status}`, retryable, status);
}
