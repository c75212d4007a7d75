/**
 * The client-credentials token request (creatio-api.md 1.2–1.4): form POST with
 * the credentials in the body (what Creatio documents), never Basic auth.
 * 400/401 → credentials rejected (non-retryable, operator must act);
 * 404 → wrong token URL (configuration); 5xx, 429, timeouts → transient.
 */
import type { Dispatcher } from 'undici';
import { ConfigurationError, CredentialsRejectedError, TransientError } from './errors';
import { parseRetryAfter, send, TransportError, type HttpResponse } from './http';

export interface TokenRequest {
  tokenUrl: string;
  tokenUrlDerived: boolean;
  clientId: string;
  clientSecret: string;
  timeoutMs: number;
  dispatcher?: Dispatcher;
}

export interface FetchedToken {
  accessToken: string;
  expiresInMs: number;
}

/** Used when the Identity Service omits expires_in: Creatio's stock lifetime. */
const DEFAULT_LIFETIME_S = 3600;

const CHECK_CREDENTIALS =
  'Check that the client ID and secret were copied whole, that the secret has not been regenerated since, ' +
  'that the OAuth app is active and uses the Client Credentials grant, and that the token URL belongs to this instance.';

function oauthErrorCode(json: unknown): string | undefined {
  if (typeof json !== 'object' || json === null) return undefined;
  const code = (json as { error?: unknown }).error;
  // Only echo well-formed RFC 6749 codes; never free text from the server.
  return typeof code === 'string' && /^[a-z_]{1,64}$/.test(code) ? code : undefined;
}

export async function fetchToken(req: TokenRequest): Promise<{ token: FetchedToken; status: number }> {
  const body = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: req.clientId,
    client_secret: req.clientSecret,
  }).toString();
  const source = req.tokenUrlDerived ? 'derived token URL' : 'configured token URL';
  let res: HttpResponse;
  try {
    res = await send({
      method: 'POST',
      url: req.tokenUrl,
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body,
      timeoutMs: req.timeoutMs,
      dispatcher: req.dispatcher,
    });
  } catch (err) {
    // Re-raised as a plain TransientError: TransportError means "an OData write may have happened".
    if (err instanceof TransportError) {
      throw new TransientError(
        err.timedOut
          ? `Creatio Identity Service did not answer within ${req.timeoutMs} ms`
          : `Creatio Identity Service unreachable at the ${source} (${err.message})`,
      );
    }
    throw err;
  }
  const { status } = res;

  if (status === 400 || status === 401 || status === 403) {
    const code = oauthErrorCode(res.json);
    throw new CredentialsRejectedError(
      `Creatio Identity Service rejected the client credentials (${status}${code ? ` ${code}` : ''}). ${CHECK_CREDENTIALS}`,
      status,
      code,
    );
  }
  if (status === 429 || status >= 500) {
    throw new TransientError(
      `Creatio Identity Service unavailable (${status})`,
      status,
      parseRetryAfter(res.headers['retry-after']),
    );
  }
  if (status === 404) {
    throw new ConfigurationError(
      req.tokenUrlDerived
        ? 'The derived token URL (https://<name>-is.creatio.com/connect/token) does not exist (404); ' +
            'set the token URL explicitly to your Identity Service'
        : 'The configured token URL does not exist (404); it should end in /connect/token',
      status,
    );
  }
  if (status < 200 || status >= 300) {
    throw new ConfigurationError(`The ${source} answered ${status} instead of issuing a token`, status);
  }
  const json = res.json;
  const accessToken =
    typeof json === 'object' && json !== null ? (json as { access_token?: unknown }).access_token : undefined;
  if (typeof accessToken !== 'string' || accessToken === '') {
    throw new ConfigurationError(
      `The ${source} answered ${status} without an access token${res.isHtml ? ' (an HTML page)' : ''}; ` +
        'check that it points at the Identity Service /connect/token endpoint',
      status,
    );
  }
  const rawExpires = (json as { expires_in?: unknown }).expires_in;
  const expiresIn = typeof rawExpires === 'string' ? Number(rawExpires) : rawExpires;
  const seconds = typeof expiresIn === 'number' && Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : DEFAULT_LIFETIME_S;
  return { token: { accessToken, expiresInMs: seconds * 1000 }, status };
}
