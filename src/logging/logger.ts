import pino, { type Logger } from 'pino';

/**
 * Structured logs with secrets redacted by key, wherever they appear, as a
 * second line of defence: code should not log them in the first place.
 */
export const REDACTED_KEYS = [
  'clientSecret',
  'client_secret',
  'secret',
  'password',
  'accessToken',
  'access_token',
  'authorization',
  'Authorization',
  'token',
  'apiToken',
  'x-sim-control-token',
  'x-webhook-secret',
  'x-webhook-token',
  'API_TOKEN',
  'SECRET_KEYS',
  'DATABASE_URL',
  'PLATFORM_CALLBACK_SECRET',
  'PAYLOAD_KEYS',
  'CODEC_SERVER_TOKEN',
];

const REDACTED = new Set(REDACTED_KEYS.map((k) => k.toLowerCase()));
/** Top-level keys that go through a serializer below (it picks what is logged). */
const SERIALIZED_KEYS: ReadonlySet<string> = new Set(['req', 'res']);

/**
 * Redacts secret-named keys at any depth (pino's path redaction stops at a
 * fixed depth). Returns the input itself when nothing needed redacting.
 */
export function deepRedact(value: unknown, depth = 0, seen: WeakSet<object> = new WeakSet()): unknown {
  if (typeof value !== 'object' || value === null || depth > 20 || seen.has(value)) return value;
  seen.add(value);
  if (Array.isArray(value)) {
    let changed = false;
    const out = value.map((v) => {
      const r = deepRedact(v, depth + 1, seen);
      if (r !== v) changed = true;
      return r;
    });
    return changed ? out : value;
  }
  if (value instanceof Error || value instanceof Date || Buffer.isBuffer(value)) return value;
  let copy: Record<string, unknown> | undefined;
  for (const [k, v] of Object.entries(value)) {
    // A request or reply at the top is left to its serializer, which keeps only safe fields. Walking it
    // would also copy a reply whose request body holds a secret, and the copy loses its statusCode getter.
    if (depth === 0 && SERIALIZED_KEYS.has(k)) continue;
    const r = REDACTED.has(k.toLowerCase()) ? '[redacted]' : deepRedact(v, depth + 1, seen);
    if (r !== v) {
      copy ??= { ...(value as Record<string, unknown>) };
      copy[k] = r;
    }
  }
  return copy ?? value;
}

export function redactPaths(): string[] {
  const paths: string[] = [];
  for (const key of REDACTED_KEYS) {
    const k = /^[A-Za-z_$][\w$]*$/.test(key) ? key : `["${key}"]`;
    const dot = k.startsWith('[') ? '' : '.';
    paths.push(k, `*${dot}${k}`, `*.*${dot}${k}`, `req.headers${dot}${k}`);
  }
  return paths;
}

/** A request path fit for logs: webhook tokens (they authenticate Creatio) and query strings removed. */
export function loggableUrl(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  return url.split('?')[0]!.replace(/^(\/webhooks\/creatio\/)[^/]+/, '$1[redacted]');
}

interface RequestLike {
  id?: unknown;
  method?: string;
  url?: string;
  ip?: string;
}

/** What an operator needs from a request or a reply, and nothing that could hold a secret. */
const serializers = {
  req: (req: RequestLike) => ({ id: req.id, method: req.method, url: loggableUrl(req.url), ip: req.ip }),
  res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
};

export function createLogger(opts: { level: string; name?: string; destination?: pino.DestinationStream }): Logger {
  return pino(
    {
      level: opts.level,
      name: opts.name,
      serializers,
      redact: { paths: redactPaths(), censor: '[redacted]' },
      formatters: { log: (obj) => deepRedact(obj) as Record<string, unknown> },
    },
    opts.destination,
  );
}
