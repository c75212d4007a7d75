/**
 * Emulation of the two business processes a Creatio admin builds so Creatio
 * calls our webhook (issue 4; creatio-api.md 4.1, opencx-creatio-integration.md
 * 3.3). Creatio has no outbound webhook of its own: a Signal start event on a
 * record change runs a "Call web service" element, which POSTs once, unsigned,
 * and does not retry.
 *
 *   BP #1 (agentReply)   Activity "After record added", filter Type in
 *                        activityTypeNames and "Case is filled in" →
 *                        {"event_type":"new_activity","caseId","activityId"}
 *   BP #2 (caseClosure)  Case "After record modified" when StatusId changed to a
 *                        resolved and/or final status →
 *                        {"event_type":"case_status_changed","caseId","statusId","modifiedOn"}
 *
 * Processes run in the background: the filters are evaluated when the change
 * commits (as the start event does), the POST happens later on a timer, never in
 * the request that made the change. Test controls can delay, drop, duplicate or
 * hold-and-reorder deliveries.
 */
import { performance } from 'node:perf_hooks';
import { Agent, request } from 'undici';
import type {
  BusinessProcessKind,
  BusinessProcessesOptions,
  RecordChange,
  WebhookAttempt,
  WebhookControlState,
  WebhookControls,
  WebhookCounts,
  WebhookPayload,
} from './types';

const ZERO_GUID = '00000000-0000-0000-0000-000000000000';
const RESPONSE_BODY_LIMIT = 2000;
const MAX_LOG_ENTRIES = 10_000;
const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';
const FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded';

type StatusFilter = 'resolved_or_final' | 'resolved' | 'final';

/** What the emulator needs to know about the simulator's state. */
export interface BusinessProcessLookups {
  now(): number;
  /** Name of an ActivityType row, or undefined when there is none. */
  activityTypeName(typeId: string): string | undefined;
  caseStatus(statusId: string): { isResolved: boolean; isFinal: boolean } | undefined;
  /** Whether the contact is an OAuth client's system user (the integration). */
  isClientUser(contactId: string): boolean;
}

interface ResolvedProcesses {
  url: string;
  headers: Record<string, string>;
  format: 'json' | 'form';
  agentReply: { enabled: boolean; activityTypeNames: string[]; onlyWithCase: boolean; excludeClientUsers: boolean };
  caseClosure: { enabled: boolean; statusFilter: StatusFilter; excludeClientUsers: boolean };
  timeoutMs: number;
  retries: number;
  retryDelayMs: number;
}

/** One POST to make; retries and a duplicate are copies of it. */
interface Delivery {
  run: number;
  kind: BusinessProcessKind;
  url: string;
  headers: Record<string, string>;
  contentType: string;
  body: string;
  payload: WebhookPayload;
  byUserContactId: string;
  duplicated: boolean;
  retry: number;
  timeoutMs: number;
  retries: number;
  retryDelayMs: number;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function optionalBoolean(value: unknown, name: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new Error(`businessProcesses: ${name} must be a boolean`);
  return value;
}

function optionalCount(value: unknown, name: string, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) throw new Error(`${name} must be an integer >= ${min}`);
  return value;
}

/**
 * Validates options that may come from JSON (control API), so it checks every
 * field at run time rather than trusting the static type.
 */
export function resolveBusinessProcesses(input: unknown): ResolvedProcesses {
  if (!isRecord(input)) throw new Error('businessProcesses must be an object');
  const url = input.url;
  if (typeof url !== 'string') throw new Error('businessProcesses: url must be a string');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`businessProcesses: url '${url}' is not an absolute URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('businessProcesses: url must be http or https');

  const headers: Record<string, string> = {};
  if (input.headers !== undefined) {
    if (!isRecord(input.headers)) throw new Error('businessProcesses: headers must be an object of strings');
    for (const [k, v] of Object.entries(input.headers)) {
      if (k === '' || typeof v !== 'string') throw new Error('businessProcesses: headers must be an object of strings');
      headers[k] = v;
    }
  }
  const format = input.format ?? 'json';
  if (format !== 'json' && format !== 'form') throw new Error("businessProcesses: format must be 'json' or 'form'");

  const ar = input.agentReply ?? {};
  if (!isRecord(ar)) throw new Error('businessProcesses: agentReply must be an object');
  let activityTypeNames = ['Email', 'Task'];
  if (ar.activityTypeNames !== undefined) {
    if (!Array.isArray(ar.activityTypeNames) || !ar.activityTypeNames.every((n): n is string => typeof n === 'string')) {
      throw new Error('businessProcesses: agentReply.activityTypeNames must be an array of strings');
    }
    activityTypeNames = [...ar.activityTypeNames];
  }
  const cc = input.caseClosure ?? {};
  if (!isRecord(cc)) throw new Error('businessProcesses: caseClosure must be an object');
  const statusFilter = cc.statusFilter ?? 'resolved_or_final';
  if (statusFilter !== 'resolved_or_final' && statusFilter !== 'resolved' && statusFilter !== 'final') {
    throw new Error("businessProcesses: caseClosure.statusFilter must be 'resolved_or_final', 'resolved' or 'final'");
  }
  return {
    url,
    headers,
    format,
    agentReply: {
      enabled: optionalBoolean(ar.enabled, 'agentReply.enabled', true),
      activityTypeNames,
      onlyWithCase: optionalBoolean(ar.onlyWithCase, 'agentReply.onlyWithCase', true),
      excludeClientUsers: optionalBoolean(ar.excludeClientUsers, 'agentReply.excludeClientUsers', false),
    },
    caseClosure: {
      enabled: optionalBoolean(cc.enabled, 'caseClosure.enabled', true),
      statusFilter,
      excludeClientUsers: optionalBoolean(cc.excludeClientUsers, 'caseClosure.excludeClientUsers', false),
    },
    timeoutMs: optionalCount(input.timeoutMs, 'businessProcesses: timeoutMs', 10_000, 1),
    retries: optionalCount(input.retries, 'businessProcesses: retries', 0, 0),
    retryDelayMs: optionalCount(input.retryDelayMs, 'businessProcesses: retryDelayMs', 1000, 0),
  };
}

function toOptions(r: ResolvedProcesses): BusinessProcessesOptions {
  return {
    url: r.url,
    headers: { ...r.headers },
    format: r.format,
    agentReply: { ...r.agentReply, activityTypeNames: [...r.agentReply.activityTypeNames] },
    caseClosure: { ...r.caseClosure },
    timeoutMs: r.timeoutMs,
    retries: r.retries,
    retryDelayMs: r.retryDelayMs,
  };
}

export function encodeWebhookBody(payload: WebhookPayload, format: 'json' | 'form'): string {
  return format === 'json' ? JSON.stringify(payload) : new URLSearchParams(Object.entries(payload)).toString();
}

function errorText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as Error & { code?: unknown }).code;
  return typeof code === 'string' && !err.message.includes(code) ? `${code}: ${err.message}` : err.message;
}

function emptyCounts(): Omit<WebhookCounts, 'held' | 'pending'> {
  return { runs: { agentReply: 0, caseClosure: 0 }, attempts: 0, succeeded: 0, failed: 0, dropped: 0, duplicated: 0, retried: 0 };
}

export class BusinessProcessEmulator {
  private options: ResolvedProcesses | undefined;
  private controls: WebhookControlState = { delayMs: 0, dropNext: 0, duplicateNext: 0, holdAndReorder: false };
  private held: Delivery[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<AbortController>();
  /** Deliveries waiting on a timer, being released, or in flight. */
  private pending = 0;
  private log: WebhookAttempt[] = [];
  private tallies = emptyCounts();
  private runSeq = 0;
  private attemptSeq = 0;
  private readonly listeners = new Set<(attempt: WebhookAttempt) => void>();
  private readonly idleWaiters = new Set<() => void>();
  private closed = false;
  // Own connection pool, so close() can tear down keep-alive sockets to the receiver.
  private readonly agent = new Agent({ keepAliveTimeout: 1000, keepAliveMaxTimeout: 1000 });

  constructor(private readonly lookups: BusinessProcessLookups) {}

  configure(options: BusinessProcessesOptions | undefined): void {
    this.options = options === undefined ? undefined : resolveBusinessProcesses(options);
  }

  current(): BusinessProcessesOptions | undefined {
    return this.options ? toOptions(this.options) : undefined;
  }

  /** Record-change listener: runs the matching process's start event. */
  handleChange(change: RecordChange): void {
    const o = this.options;
    if (this.closed || !o) return;
    const matched = this.match(o, change);
    if (matched) this.startRun(o, matched.kind, matched.payload, change.byUserContactId);
  }

  private fromClient(change: RecordChange): boolean {
    return change.viaClientId !== undefined || this.lookups.isClientUser(change.byUserContactId);
  }

  private match(o: ResolvedProcesses, change: RecordChange): { kind: BusinessProcessKind; payload: WebhookPayload } | undefined {
    const after = change.after;
    if (!after) return undefined;
    if (change.entity === 'Activity' && change.op === 'insert') {
      const bp = o.agentReply;
      if (!bp.enabled || (bp.excludeClientUsers && this.fromClient(change))) return undefined;
      if (bp.activityTypeNames.length > 0) {
        const typeId = typeof after.TypeId === 'string' ? after.TypeId : ZERO_GUID;
        const name = typeId === ZERO_GUID ? undefined : this.lookups.activityTypeName(typeId);
        if (name === undefined || !bp.activityTypeNames.includes(name)) return undefined;
      }
      const caseId = typeof after.CaseId === 'string' && after.CaseId !== '' ? after.CaseId : ZERO_GUID;
      if (caseId === ZERO_GUID && bp.onlyWithCase) return undefined;
      // An unfilled lookup parameter reads as the empty GUID in a process.
      return { kind: 'agentReply', payload: { event_type: 'new_activity', caseId, activityId: change.id } };
    }
    if (change.entity === 'Case' && change.op === 'update' && change.before) {
      const bp = o.caseClosure;
      if (!bp.enabled || change.before.StatusId === after.StatusId) return undefined;
      if (bp.excludeClientUsers && this.fromClient(change)) return undefined;
      const statusId = typeof after.StatusId === 'string' ? after.StatusId : ZERO_GUID;
      const flags = statusId === ZERO_GUID ? undefined : this.lookups.caseStatus(statusId);
      if (!flags) return undefined;
      const matches =
        bp.statusFilter === 'resolved' ? flags.isResolved : bp.statusFilter === 'final' ? flags.isFinal : flags.isResolved || flags.isFinal;
      if (!matches) return undefined;
      return {
        kind: 'caseClosure',
        payload: { event_type: 'case_status_changed', caseId: change.id, statusId, modifiedOn: String(after.ModifiedOn) },
      };
    }
    return undefined;
  }

  private startRun(o: ResolvedProcesses, kind: BusinessProcessKind, payload: WebhookPayload, byUserContactId: string): void {
    const run = ++this.runSeq;
    this.tallies.runs[kind] += 1;
    const headers: Record<string, string> = { ...o.headers };
    const declared = Object.keys(headers).find((k) => k.toLowerCase() === 'content-type');
    const contentType = declared !== undefined ? (headers[declared] as string) : o.format === 'json' ? JSON_CONTENT_TYPE : FORM_CONTENT_TYPE;
    if (declared === undefined) headers['content-type'] = contentType;
    const delivery: Delivery = {
      run,
      kind,
      url: o.url,
      headers,
      contentType,
      body: encodeWebhookBody(payload, o.format),
      payload,
      byUserContactId,
      duplicated: false,
      retry: 0,
      timeoutMs: o.timeoutMs,
      retries: o.retries,
      retryDelayMs: o.retryDelayMs,
    };
    if (this.controls.dropNext > 0) {
      this.controls.dropNext -= 1;
      this.tallies.dropped += 1;
      this.record({ ...this.attemptBase(delivery), at: this.lookups.now(), dropped: true });
      return;
    }
    const copies = [delivery];
    if (this.controls.duplicateNext > 0) {
      this.controls.duplicateNext -= 1;
      this.tallies.duplicated += 1;
      copies.push({ ...delivery, headers: { ...headers }, duplicated: true });
    }
    for (const d of copies) {
      if (this.controls.holdAndReorder) this.held.push(d);
      else this.schedule(d, this.controls.delayMs);
    }
  }

  private attemptBase(d: Delivery): Omit<WebhookAttempt, 'seq' | 'at'> {
    const a: Omit<WebhookAttempt, 'seq' | 'at'> = {
      run: d.run,
      kind: d.kind,
      url: d.url,
      contentType: d.contentType,
      body: d.body,
      payload: d.payload,
      byUserContactId: d.byUserContactId,
    };
    if (d.duplicated) a.duplicated = true;
    if (d.retry > 0) a.retry = d.retry;
    return a;
  }

  /** Timer first, even for 0 ms: the POST must never run inside the request that made the change. */
  private schedule(d: Delivery, delayMs: number): void {
    if (this.closed) return;
    this.pending += 1;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.send(d).finally(() => this.done());
    }, delayMs);
    this.timers.add(timer);
  }

  private done(): void {
    this.pending -= 1;
    if (this.pending <= 0) {
      this.pending = 0;
      for (const resolve of [...this.idleWaiters]) resolve();
    }
  }

  private async send(d: Delivery): Promise<WebhookAttempt> {
    const attempt: Omit<WebhookAttempt, 'seq'> = { ...this.attemptBase(d), at: this.lookups.now() };
    const started = performance.now();
    const controller = new AbortController();
    this.inFlight.add(controller);
    let timedOut = false;
    const timeout = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, d.timeoutMs);
    try {
      if (this.closed) throw new Error('simulator closed');
      const res = await request(d.url, { method: 'POST', headers: d.headers, body: d.body, dispatcher: this.agent, signal: controller.signal });
      attempt.status = res.statusCode;
      const text = await res.body.text();
      if (text !== '') attempt.responseBody = text.slice(0, RESPONSE_BODY_LIMIT);
    } catch (err) {
      // A status may already be known when the body read fails; keep both.
      attempt.error = timedOut ? `timed out after ${d.timeoutMs} ms` : this.closed ? 'aborted: simulator closed' : errorText(err);
    } finally {
      clearTimeout(timeout);
      this.inFlight.delete(controller);
    }
    attempt.durationMs = Math.round(performance.now() - started);
    const ok = attempt.error === undefined && attempt.status !== undefined && attempt.status >= 200 && attempt.status < 300;
    this.tallies.attempts += 1;
    if (ok) this.tallies.succeeded += 1;
    else this.tallies.failed += 1;
    const recorded = this.record(attempt);
    if (!ok && d.retry < d.retries && !this.closed) {
      this.tallies.retried += 1;
      this.schedule({ ...d, retry: d.retry + 1 }, d.retryDelayMs);
    }
    return recorded;
  }

  private record(attempt: Omit<WebhookAttempt, 'seq'>): WebhookAttempt {
    const entry: WebhookAttempt = { seq: ++this.attemptSeq, ...attempt };
    this.log.push(entry);
    if (this.log.length > MAX_LOG_ENTRIES) this.log.splice(0, this.log.length - MAX_LOG_ENTRIES);
    for (const listener of this.listeners) {
      try {
        listener(entry);
      } catch (err) {
        // A broken observer must not stop delivery bookkeeping.
        process.stderr.write(`creatio-sim: webhook listener failed: ${String(err)}\n`);
      }
    }
    return entry;
  }

  setControls(controls?: WebhookControls): WebhookControlState {
    if (controls !== undefined) {
      if (!isRecord(controls)) throw new Error('webhook controls must be an object');
      const next = { ...this.controls };
      const c: Record<string, unknown> = controls;
      for (const key of Object.keys(c)) {
        if (!['delayMs', 'dropNext', 'duplicateNext', 'holdAndReorder'].includes(key)) throw new Error(`unknown webhook control '${key}'`);
      }
      if (c.delayMs !== undefined) next.delayMs = optionalCount(c.delayMs, 'delayMs', 0, 0);
      if (c.dropNext !== undefined) next.dropNext = optionalCount(c.dropNext, 'dropNext', 0, 0);
      if (c.duplicateNext !== undefined) next.duplicateNext = optionalCount(c.duplicateNext, 'duplicateNext', 0, 0);
      if (c.holdAndReorder !== undefined) {
        if (typeof c.holdAndReorder !== 'boolean') throw new Error('holdAndReorder must be a boolean');
        next.holdAndReorder = c.holdAndReorder;
      }
      const releasing = this.controls.holdAndReorder && !next.holdAndReorder;
      this.controls = next;
      if (releasing) void this.release();
    }
    return { ...this.controls };
  }

  /** Sends held deliveries newest first, each after the previous one's answer, so the receiver sees that order. */
  async release(): Promise<WebhookAttempt[]> {
    this.controls.holdAndReorder = false;
    const batch = this.held.splice(0).reverse();
    this.pending += batch.length;
    const results: WebhookAttempt[] = [];
    for (const d of batch) {
      try {
        if (!this.closed) results.push(await this.send(d));
      } finally {
        this.done();
      }
    }
    return results;
  }

  attempts(): WebhookAttempt[] {
    return [...this.log];
  }

  counts(): WebhookCounts {
    return { ...this.tallies, runs: { ...this.tallies.runs }, held: this.held.length, pending: this.pending };
  }

  clearLog(): void {
    this.log = [];
    this.tallies = emptyCounts();
  }

  onAttempt(listener: (attempt: WebhookAttempt) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  settled(timeoutMs = 10_000): Promise<void> {
    if (this.pending === 0 || this.closed) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const finish = (): void => {
        clearTimeout(timer);
        this.idleWaiters.delete(finish);
        resolve();
      };
      const timer = setTimeout(() => {
        this.idleWaiters.delete(finish);
        reject(new Error(`webhooks not settled after ${timeoutMs} ms (${this.pending} pending)`));
      }, timeoutMs);
      this.idleWaiters.add(finish);
    });
  }

  /** Stops everything: timers cleared, held deliveries discarded, in-flight POSTs aborted. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.held = [];
    for (const controller of this.inFlight) controller.abort();
    for (const resolve of [...this.idleWaiters]) resolve();
    await this.agent.destroy().catch(() => undefined);
  }
}
