import { sameSecret } from '../security/secret-compare';

/**
 * Who may use the codec server. It is a decryption oracle, so by default
 * every call needs `Authorization: Bearer <CODEC_SERVER_TOKEN>`. The one
 * exception exists because the Web UI bundled with the dev server cannot send
 * a token (its "pass access token" option forwards the UI's own OIDC login,
 * and only to https endpoints): a configured UI origin may *decode* without
 * the token when the server listens on loopback and the call comes from
 * loopback. Browsers set Origin themselves, so no web page elsewhere can use
 * that path; a local process could forge the header, which is why it is off
 * in production. On a developer machine such a process could already use the
 * dev server, which listens on loopback without any authentication.
 */
export interface AccessPolicy {
  token: string;
  /** Exact origins (scheme://host:port) whose browsers may call us. */
  allowedOrigins: ReadonlySet<string>;
  loopbackUiWithoutToken: boolean;
}

export interface CallerInfo {
  authorization?: string;
  origin?: string;
  remoteAddress?: string;
  operation: 'encode' | 'decode';
}

export type AccessDecision =
  | { allowed: true; via: 'token' | 'loopback-ui' }
  | { allowed: false; status: 401 | 403; message: string };

export function authorize(caller: CallerInfo, policy: AccessPolicy): AccessDecision {
  if (caller.origin !== undefined && !policy.allowedOrigins.has(caller.origin)) {
    return { allowed: false, status: 403, message: `Origin ${caller.origin} is not in CODEC_SERVER_CORS_ORIGINS` };
  }
  const header = caller.authorization;
  if (header !== undefined) {
    const presented = header.startsWith('Bearer ') ? header.slice(7).trim() : '';
    // A wrong token is refused outright, never retried as a token-less UI call.
    if (presented && sameSecret(presented, policy.token)) return { allowed: true, via: 'token' };
    return { allowed: false, status: 401, message: 'Wrong codec server token' };
  }
  if (
    policy.loopbackUiWithoutToken &&
    caller.operation === 'decode' &&
    caller.origin !== undefined &&
    isLoopbackOrigin(caller.origin) &&
    isLoopbackAddress(caller.remoteAddress)
  ) {
    return { allowed: true, via: 'loopback-ui' };
  }
  return { allowed: false, status: 401, message: 'Send the codec server token as "Authorization: Bearer <token>"' };
}

/** CORS response headers for an allowed origin, or undefined (the browser then blocks the call). */
export function corsHeaders(origin: string | undefined, policy: AccessPolicy): Record<string, string> | undefined {
  if (origin === undefined || !policy.allowedOrigins.has(origin)) return undefined;
  return { 'access-control-allow-origin': origin, vary: 'Origin' };
}

export const PREFLIGHT_HEADERS = {
  'access-control-allow-methods': 'POST, OPTIONS',
  'access-control-allow-headers': 'content-type, x-namespace, authorization',
  'access-control-max-age': '600',
};

export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return v4 === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '');
  return h === 'localhost' || isLoopbackAddress(h);
}

function isLoopbackOrigin(origin: string): boolean {
  try {
    return isLoopbackHost(new URL(origin).hostname);
  } catch {
    return false;
  }
}

/** Validates and normalises origins ("http://host:port", no path). */
export function parseOrigins(list: string): Set<string> {
  const origins = new Set<string>();
  for (const raw of list.split(',').map((s) => s.trim()).filter(Boolean)) {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new Error(`CODEC_SERVER_CORS_ORIGINS: "${raw}" is not an origin like http://127.0.0.1:8233`);
    }
    if (url.origin === 'null' || (url.pathname !== '/' && url.pathname !== '')) {
      throw new Error(`CODEC_SERVER_CORS_ORIGINS: "${raw}" is not an origin like http://127.0.0.1:8233`);
    }
    origins.add(url.origin);
  }
  return origins;
}
