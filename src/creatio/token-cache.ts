/**
 * Access tokens per connection, one cache per worker process shared by all
 * activities. Keyed by the caller (`${orgId}:${credentialsVersion}`), so saving
 * new credentials simply starts using a new key.
 *
 * - single-flight: concurrent callers of an expired key share one token request;
 * - refreshed about a minute before `expires_in` (half the lifetime for short-lived tokens);
 * - a failed fetch is not cached: the next call tries again;
 * - `invalidate(key, token)` after a 401 drops the token only if it is still the
 *   cached one, so twenty parallel 401s cause one refresh, not twenty.
 *
 * The token string is reachable only through `acquireToken`, which index.ts does
 * not export: outside src/creatio nobody can read it.
 */
import { isCreatioError } from './errors';

export interface AccessToken {
  accessToken: string;
  /** Epoch ms at which Creatio stops accepting it. */
  expiresAt: number;
  /** Epoch ms after which we fetch a new one. */
  refreshAt: number;
}

export interface TokenCacheOptions {
  /** How long before expiry to refresh; default 60 s (capped at half the lifetime). */
  refreshBeforeExpiryMs?: number;
  now?: () => number;
}

interface Entry {
  token?: AccessToken;
  inflight?: Promise<AccessToken>;
}

interface Internals {
  entries: Map<string, Entry>;
  refreshBeforeMs: number;
  now: () => number;
}

const internals = new WeakMap<TokenCache, Internals>();

function state(cache: TokenCache): Internals {
  const s = internals.get(cache);
  if (!s) throw new Error('TokenCache not initialised');
  return s;
}

export class TokenCache {
  constructor(options: TokenCacheOptions = {}) {
    internals.set(this, {
      entries: new Map(),
      refreshBeforeMs: options.refreshBeforeExpiryMs ?? 60_000,
      now: options.now ?? Date.now,
    });
  }

  /** Drops `accessToken` for `key` if it is still the cached one (call after a 401). */
  invalidate(key: string, accessToken: string): void {
    const entry = state(this).entries.get(key);
    if (entry?.token?.accessToken === accessToken) entry.token = undefined;
  }

  /** Forgets everything about `key` (e.g. connection deleted). */
  forget(key: string): void {
    state(this).entries.delete(key);
  }

  /** Expiry of the cached token for `key`, if any; never the token itself. */
  peekExpiry(key: string): number | undefined {
    return state(this).entries.get(key)?.token?.expiresAt;
  }

  get size(): number {
    return state(this).entries.size;
  }
}

/** When to refresh a token that lives `lifetimeMs`: a minute early, or halfway for short lifetimes. */
export function refreshTime(obtainedAt: number, lifetimeMs: number, refreshBeforeMs: number): number {
  return obtainedAt + Math.max(lifetimeMs - refreshBeforeMs, lifetimeMs / 2);
}

export type TokenFetcher = () => Promise<{ accessToken: string; expiresInMs: number }>;

/**
 * The cached token for `key`, fetching it with `fetcher` when missing or due.
 * A refresh that fails retryably while the old token has not yet expired keeps
 * serving the old one (the early refresh is an optimisation, not a deadline).
 */
export async function acquireToken(cache: TokenCache, key: string, fetcher: TokenFetcher): Promise<AccessToken> {
  const s = state(cache);
  let entry = s.entries.get(key);
  if (!entry) {
    entry = {};
    s.entries.set(key, entry);
    prune(s, key);
  }
  const current = entry.token;
  if (current && s.now() < current.refreshAt) return current;
  if (entry.inflight) return entry.inflight;

  const e = entry;
  const flight = (async (): Promise<AccessToken> => {
    const startedAt = s.now();
    try {
      const fetched = await fetcher();
      const token: AccessToken = {
        accessToken: fetched.accessToken,
        expiresAt: startedAt + fetched.expiresInMs,
        refreshAt: refreshTime(startedAt, fetched.expiresInMs, s.refreshBeforeMs),
      };
      e.token = token;
      return token;
    } catch (err) {
      const old = e.token;
      if (old && old === current && s.now() < old.expiresAt && isCreatioError(err) && err.retryable) return old;
      throw err;
    } finally {
      e.inflight = undefined;
    }
  })();
  e.inflight = flight;
  return flight;
}

/** Drops other keys whose tokens have expired (old credential versions), so the map does not grow forever. */
function prune(s: Internals, keep: string): void {
  const now = s.now();
  for (const [k, e] of s.entries) {
    if (k !== keep && !e.inflight && (!e.token || e.token.expiresAt <= now)) s.entries.delete(k);
  }
}
