/**
 * Fault injection: rules (see FaultRule in types.ts), matching, and a few
 * ready-made rules for the failure modes in creatio-api.md section 5.
 */
import { randomUUID } from 'node:crypto';
import type { ActiveFaultInfo, EntityName, FaultRule } from './types';

export interface FaultTarget {
  method: string;
  /** Request path with query string (for sub-requests: the resolved OData path). */
  path: string;
  kind: string;
  entity?: EntityName;
  clientId?: string;
}

interface ActiveFault {
  id: string;
  label: string;
  rule: FaultRule;
  remaining?: number;
  startsAt: number;
  endsAt?: number;
  applied: number;
}

export function validateFaultRule(rule: FaultRule): void {
  const effects = [rule.respond !== undefined, rule.commitThenTimeout !== undefined, rule.dropConnection === true].filter(Boolean).length;
  if (effects > 1) throw new Error('a fault rule takes at most one of respond, commitThenTimeout, dropConnection');
  if (effects === 0 && !(typeof rule.latencyMs === 'number' && rule.latencyMs > 0)) {
    throw new Error('a fault rule needs an effect: respond, commitThenTimeout, dropConnection or latencyMs');
  }
  if (rule.respond && (!Number.isInteger(rule.respond.status) || rule.respond.status < 100 || rule.respond.status > 599)) {
    throw new Error('respond.status must be an HTTP status code');
  }
  if (rule.times !== undefined && (!Number.isInteger(rule.times) || rule.times < 1)) throw new Error('times must be a positive integer');
  if (rule.durationMs !== undefined && !(rule.durationMs > 0)) throw new Error('durationMs must be positive');
  if (rule.commitThenTimeout && !(rule.commitThenTimeout.holdMs >= 0)) throw new Error('commitThenTimeout.holdMs must be >= 0');
}

export class FaultInjector {
  private rules: ActiveFault[] = [];
  private counts = new Map<string, number>();

  constructor(private readonly now: () => number) {}

  add(rule: FaultRule): string {
    validateFaultRule(rule);
    const id = randomUUID();
    const startsAt = this.now() + (rule.delayStartMs ?? 0);
    const fault: ActiveFault = { id, label: rule.label ?? `fault-${this.rules.length + 1}-${id.slice(0, 8)}`, rule, startsAt, applied: 0 };
    if (rule.times !== undefined) fault.remaining = rule.times;
    if (rule.durationMs !== undefined) fault.endsAt = startsAt + rule.durationMs;
    if (rule.times === undefined && rule.durationMs === undefined) fault.remaining = 1;
    this.rules.push(fault);
    return id;
  }

  remove(id: string): void {
    this.rules = this.rules.filter((r) => r.id !== id);
  }

  clear(): void {
    this.rules = [];
  }

  list(): ActiveFaultInfo[] {
    this.prune();
    return this.rules.map((r) => {
      const info: ActiveFaultInfo = { id: r.id, label: r.label, rule: r.rule, applied: r.applied };
      if (r.remaining !== undefined) info.remaining = r.remaining;
      return info;
    });
  }

  counters(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }

  resetCounters(): void {
    this.counts.clear();
  }

  private prune(): void {
    const now = this.now();
    this.rules = this.rules.filter((r) => (r.remaining === undefined || r.remaining > 0) && (r.endsAt === undefined || r.endsAt > now));
  }

  private matches(rule: FaultRule, t: FaultTarget): boolean {
    if (rule.method !== undefined && rule.method.toUpperCase() !== t.method.toUpperCase()) return false;
    if (rule.pathIncludes !== undefined && !t.path.includes(rule.pathIncludes)) return false;
    if (rule.entity !== undefined && rule.entity !== t.entity) return false;
    if (rule.clientId !== undefined && rule.clientId !== t.clientId) return false;
    if (rule.kind !== undefined) {
      const ok = rule.kind.endsWith(':') ? t.kind.startsWith(rule.kind) : t.kind === rule.kind;
      if (!ok) return false;
    }
    return true;
  }

  /** The first active rule matching `t`, consuming one of its uses. */
  take(t: FaultTarget): { label: string; rule: FaultRule } | undefined {
    this.prune();
    const now = this.now();
    for (const r of this.rules) {
      if (r.startsAt > now || !this.matches(r.rule, t)) continue;
      if (r.remaining !== undefined) r.remaining -= 1;
      r.applied += 1;
      this.counts.set(r.label, (this.counts.get(r.label) ?? 0) + 1);
      return { label: r.label, rule: r.rule };
    }
    return undefined;
  }
}

const OUTAGE_HTML = `<!DOCTYPE html>
<html><head><title>Service Unavailable</title></head>
<body><h1>Service Unavailable</h1><p>The site is being updated. Please try again later.</p></body></html>
`;

/** Ready-made rules for creatio-api.md section 5. Spread and override as needed. */
export const faultPresets = {
  /** Maintenance window: 503 with an HTML page (item 10). Default: every request for `durationMs`. */
  outage(opts: { durationMs?: number; times?: number; retryAfter?: number; status?: 502 | 503 | 504 } & Partial<FaultRule> = {}): FaultRule {
    const { durationMs, times, retryAfter, status, ...rest } = opts;
    const rule: FaultRule = {
      label: 'outage',
      ...rest,
      respond: { status: status ?? 503, body: OUTAGE_HTML, contentType: 'text/html; charset=utf-8' },
    };
    if (retryAfter !== undefined && rule.respond) rule.respond.retryAfter = retryAfter;
    if (durationMs !== undefined) rule.durationMs = durationMs;
    if (times !== undefined) rule.times = times;
    if (durationMs === undefined && times === undefined) rule.durationMs = 60_000;
    return rule;
  },
  /** 429 with Retry-After (gateway throttling). */
  rateLimited(opts: { retryAfterSeconds?: number; times?: number } & Partial<FaultRule> = {}): FaultRule {
    const { retryAfterSeconds, times, ...rest } = opts;
    return {
      label: 'rate-limited',
      ...rest,
      times: times ?? 1,
      respond: { status: 429, retryAfter: retryAfterSeconds ?? 1 },
    };
  },
  /** Slow responses (item 9). */
  slow(latencyMs: number, rest: Partial<FaultRule> = {}): FaultRule {
    return { label: 'slow', times: 1, ...rest, latencyMs };
  },
  /** The write commits, the response comes too late (item 8/9). */
  commitThenTimeout(holdMs: number, rest: Partial<FaultRule> = {}, then: 'respond' | 'drop' = 'drop'): FaultRule {
    return { label: 'commit-then-timeout', times: 1, ...rest, commitThenTimeout: { holdMs, then } };
  },
  /** Connection reset before anything is done. */
  dropConnection(rest: Partial<FaultRule> = {}): FaultRule {
    return { label: 'drop-connection', times: 1, ...rest, dropConnection: true };
  },
  /** Cookie-session style bounce to the login page (item 11): 302 to an HTML page. */
  loginBounce(rest: Partial<FaultRule> = {}): FaultRule {
    return {
      label: 'login-bounce',
      times: 1,
      ...rest,
      respond: { status: 302, headers: { location: '/Login/NuiLogin.aspx?ReturnUrl=%2f0%2fodata' }, body: '' },
    };
  },
};

export const LOGIN_PAGE_HTML = `<!DOCTYPE html>
<html><head><title>Creatio</title></head>
<body><form method="post" action="/ServiceModel/AuthService.svc/Login"><input name="UserName"><input name="UserPassword" type="password"></form></body></html>
`;
