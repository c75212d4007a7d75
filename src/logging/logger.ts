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
];

export function redactPaths(): string[] {
  const paths: string[] = [];
  for (const key of REDACTED_KEYS) {
    const k = /^[A-Za-z_$][\w$]*$/.test(key) ? key : `["${key}"]`;
    const dot = k.startsWith('[') ? '' : '.';
    paths.push(k, `*${dot}${k}`, `*.*${dot}${k}`, `req.headers${dot}${k}`);
  }
  return paths;
}

export function createLogger(opts: { level: string; name?: string; destination?: pino.DestinationStream }): Logger {
  return pino(
    {
      level: opts.level,
      name: opts.name,
      redact: { paths: redactPaths(), censor: '[redacted]' },
    },
    opts.destination,
  );
}
