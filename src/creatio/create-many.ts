/**
 * Ordered, idempotent bulk create over `$batch`.
 *
 * Invariant: rows[0 .. confirmed) are known to exist in Creatio, in order, and
 * no later row was written by us out of order. How:
 * - every row carries its Id (the caller derives it deterministically);
 * - rows go in stop-on-first-error batches of ≤100 in order, so Creatio writes a
 *   prefix of each batch and skips the rest;
 * - the confirmed prefix grows only from 2xx sub-responses or from GETs that
 *   found the row; `onProgress(confirmed)` is awaited after each growth so the
 *   caller can persist a cursor;
 * - when a batch's outcome is uncertain (timeout, network error, 5xx of the
 *   whole batch, a retryable sub-response) or a sub-response says duplicate key,
 *   we first ask which pending Ids exist (one continue-on-error batch of GETs),
 *   skip the existing prefix and only then re-post the rest: nothing is written
 *   twice and the order holds. A duplicate key whose row is NOT found is a real
 *   conflict (another unique index) and is thrown.
 * - non-retryable failures (invalid lookup, validation, permission) are thrown
 *   at once with `error.progress = { confirmed, failedIndex }`; retryable ones
 *   are retried a few times (short waits, honouring a short Retry-After) and then
 *   thrown the same way, for Temporal to retry with `verifyExisting: true`.
 */
import { CreatioError, DuplicateKeyError, NotFoundError, TransientError, ValidationError } from './errors';
import { MAX_BATCH_SIZE, type BatchItem, type BatchItemResult, type NewRecord } from './batch';
import { checkEntityName, formatGuid } from './odata';

/** One row of a mixed create (e.g. a Case followed by its Activities). */
export interface EntityRow {
  entity: string;
  body: NewRecord;
  /** Columns to read back when checking whether the row exists; default ['Id']. */
  verifySelect?: readonly string[];
}

export interface CreateManyOptions {
  /**
   * Awaited after every confirmed prefix with the number of rows confirmed so
   * far, and what Creatio returned for each confirmed row (the created entity,
   * or the verifySelect columns when it was found existing), by row index.
   */
  onProgress?: (confirmed: number, bodies: ReadonlyArray<unknown>) => void | Promise<void>;
  /** Check which rows already exist before the first post (use on a retried attempt). */
  verifyExisting?: boolean;
  /** Batch requests tried without progress before giving up; default 3. */
  maxAttempts?: number;
  /** First wait between attempts (doubles each time); default 200 ms. */
  retryDelayMs?: number;
  /** A Retry-After longer than this is not waited for in-process: the error is thrown; default 5 s. */
  maxRetryAfterMs?: number;
  /** Rows per batch, ≤100 (default 100). */
  batchSize?: number;
  purpose?: string;
  timeoutMs?: number;
  /**
   * An update sent after the rows in the same `$batch` request, only when
   * that one request carries every row and is the operation's first (so it
   * applies to records this very request created, e.g. resolving a case
   * created with its whole transcript). Never retried or thrown: the result
   * says whether it was applied, and the caller does it its usual way if not.
   */
  finalUpdate?: { entity: string; id: string; body: Record<string, unknown> };
}

export interface CreateManyResult {
  /** Rows confirmed present: equals rows.length on success. */
  confirmed: number;
  /** Of those, rows found already existing (earlier attempt) rather than created now. */
  alreadyExisted: number;
  /** With a finalUpdate: whether it was sent with the rows and Creatio applied it. */
  finalUpdateApplied?: boolean;
}

export interface ChunkSender {
  sendChunk(
    items: readonly BatchItem[],
    opts: { continueOnError?: boolean; purpose?: string; timeoutMs?: number },
  ): Promise<BatchItemResult[]>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function withProgress<E extends CreatioError>(err: E, confirmed: number, failedIndex?: number): E {
  err.progress = failedIndex === undefined ? { confirmed } : { confirmed, failedIndex };
  return err;
}

function isUncertainSub(error: CreatioError): boolean {
  return error.retryable && (error.status === undefined || error.status >= 500);
}

export async function createMany(
  sender: ChunkSender,
  input: readonly EntityRow[],
  opts: CreateManyOptions = {},
): Promise<CreateManyResult> {
  for (const r of input) checkEntityName(r.entity);
  const what = [...new Set(input.map((r) => r.entity))].join('/') || 'record';
  const batchSize = Math.min(opts.batchSize ?? MAX_BATCH_SIZE, MAX_BATCH_SIZE);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError('batchSize must be 1..100');
  const maxAttempts = Math.max(1, opts.maxAttempts ?? 3);
  const retryDelayMs = opts.retryDelayMs ?? 200;
  const maxRetryAfterMs = opts.maxRetryAfterMs ?? 5_000;
  const send = { purpose: opts.purpose, timeoutMs: opts.timeoutMs };

  const rows: EntityRow[] = input.map((r) => {
    if (typeof r.body.Id !== 'string') throw new ValidationError(`Creates must send their Id (${r.entity})`);
    return { ...r, body: { ...r.body, Id: formatGuid(r.body.Id) } };
  });
  if (new Set(rows.map((r) => `${r.entity}/${r.body.Id}`)).size !== rows.length) {
    throw new ValidationError(`createMany got the same ${what} Id twice`);
  }
  const bodies: unknown[] = [];

  let confirmed = 0;
  let alreadyExisted = 0;
  let attempts = 0;
  let needVerify = opts.verifyExisting === true;
  /** A duplicate-key answer for rows[confirmed]: verified, then success or a real conflict. */
  let duplicate: DuplicateKeyError | undefined;
  let lastError: CreatioError | undefined;

  async function advance(confirmedBodies: readonly unknown[], existed: number): Promise<void> {
    if (confirmedBodies.length === 0) return;
    for (const b of confirmedBodies) bodies[confirmed++] = b;
    alreadyExisted += existed;
    attempts = 0; // progress resets the retry budget
    lastError = undefined;
    if (opts.onProgress) await opts.onProgress(confirmed, bodies);
  }

  /**
   * GET the pending rows (continue-on-error) and confirm the prefix that exists.
   * Returns a retryable error when it could not tell; throws non-retryable ones.
   */
  async function verify(): Promise<CreatioError | undefined> {
    const pending = rows.slice(confirmed, confirmed + batchSize);
    const items: BatchItem[] = pending.map((r) => ({ method: 'GET', entity: r.entity, id: r.body.Id, select: r.verifySelect ?? ['Id'] }));
    const results = await sender.sendChunk(items, { ...send, continueOnError: true });
    const found: unknown[] = [];
    let unclear: CreatioError | undefined;
    for (const r of results) {
      if (r.outcome === 'ok') {
        found.push(r.body);
        continue;
      }
      if (r.outcome === 'failed' && r.error instanceof NotFoundError) break; // the existing prefix ends here
      unclear = ('error' in r ? r.error : undefined) ?? new TransientError(`Could not check which ${what} rows exist`);
      break;
    }
    if (duplicate && found.length === 0 && !unclear) {
      // The row Creatio called a duplicate is not there: a different unique key clashed.
      throw withProgress(duplicate, confirmed, confirmed);
    }
    if (found.length > 0) duplicate = undefined;
    await advance(found, found.length);
    if (unclear && !unclear.retryable) throw withProgress(unclear, confirmed);
    return unclear;
  }

  let justVerified = false;
  let firstSend = !needVerify;
  let finalUpdateApplied = false;
  if (opts.finalUpdate) checkEntityName(opts.finalUpdate.entity);
  while (confirmed < rows.length) {
    if (lastError && !justVerified) {
      const retryAfter = lastError instanceof TransientError ? lastError.retryAfterMs : undefined;
      if (attempts >= maxAttempts || (retryAfter !== undefined && retryAfter > maxRetryAfterMs)) {
        // Rows past `confirmed` may exist (uncertain); the caller's next attempt uses verifyExisting.
        throw withProgress(lastError, confirmed);
      }
      await sleep(retryAfter ?? retryDelayMs * 2 ** (attempts - 1));
    }
    if (needVerify) {
      const unclear = await verify();
      if (unclear) {
        lastError = unclear;
        attempts++;
      } else {
        needVerify = false;
        justVerified = true; // we just waited and checked: post straight away
      }
      continue;
    }
    justVerified = false;

    const chunk = rows.slice(confirmed, confirmed + batchSize);
    const items = chunk.map((r): BatchItem => ({ method: 'POST', entity: r.entity, body: r.body }));
    const fu = opts.finalUpdate;
    const withUpdate = fu !== undefined && firstSend && chunk.length === rows.length && chunk.length < MAX_BATCH_SIZE;
    if (withUpdate) items.push({ method: 'PATCH', entity: fu.entity, id: fu.id, body: fu.body });
    firstSend = false;
    const results = await sender.sendChunk(items, send);
    const rowResults = results.slice(0, chunk.length);
    if (withUpdate && rowResults.length === chunk.length && rowResults.every((r) => r.outcome === 'ok')) {
      finalUpdateApplied = results[chunk.length]?.outcome === 'ok';
    }
    const ok: unknown[] = [];
    let failure: { error: CreatioError; uncertain: boolean; perRow: boolean } | undefined;
    for (const r of rowResults) {
      if (r.outcome === 'ok') {
        ok.push(r.body);
        continue;
      }
      if (r.outcome === 'failed' && r.error instanceof DuplicateKeyError) {
        duplicate = r.error;
        needVerify = true;
      } else if (r.outcome === 'failed') {
        failure = { error: r.error, uncertain: isUncertainSub(r.error), perRow: true };
      } else if (r.outcome === 'unknown') {
        failure = { error: r.error, uncertain: true, perRow: false };
      } else if (r.error) {
        failure = { error: r.error, uncertain: false, perRow: false };
      }
      // Anything after the first non-2xx was skipped by Creatio (or must be re-sent anyway).
      break;
    }
    await advance(ok, 0);
    if (duplicate) continue;
    if (failure) {
      // Sub-responses form a prefix, so a failing row is rows[confirmed].
      if (!failure.error.retryable) throw withProgress(failure.error, confirmed, failure.perRow ? confirmed : undefined);
      lastError = failure.error;
      attempts++;
      needVerify = failure.uncertain;
      continue;
    }
    if (ok.length === 0) {
      // No failure reported yet nothing confirmed: responses missing. Check, then re-send within the budget.
      lastError = new TransientError(`Creatio's $batch response covered none of the ${what} rows sent`);
      attempts++;
      needVerify = true;
    }
  }
  return { confirmed, alreadyExisted, ...(opts.finalUpdate ? { finalUpdateApplied } : {}) };
}
