/**
 * Where to send what for one Creatio connection (creatio-api.md 1.1, 2.1).
 *
 * Cloud instances (`https://<name>.creatio.com`) get their Identity Service at
 * `https://<name>-is.creatio.com/connect/token`, the rule Creatio's own CLI uses.
 * Every other host (on-site, custom domain) must be given an explicit token URL:
 * guessing there would only produce confusing 404s.
 */
import { ConfigurationError } from './errors';

export const DEFAULT_ODATA_BASE_PATH = '/0/odata';

export interface EndpointSettings {
  instanceUrl: string;
  tokenUrl?: string;
  odataBasePath?: string;
}

export interface Endpoints {
  /** Normalised instance URL: origin plus optional path prefix, no trailing slash. */
  instanceUrl: string;
  tokenUrl: string;
  /** True when tokenUrl came from the `-is` rule rather than from settings. */
  tokenUrlDerived: boolean;
  /** OData service root, no trailing slash, e.g. `https://x.creatio.com/0/odata`. */
  odataRoot: string;
}

const CLOUD_SUFFIX = '.creatio.com';

function parseHttpUrl(value: string, what: string): URL {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new ConfigurationError(`${what} is not a valid URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigurationError(`${what} must be an http(s) URL`);
  }
  if (url.search || url.hash) {
    throw new ConfigurationError(`${what} must not have a query string or fragment`);
  }
  if (url.username || url.password) {
    throw new ConfigurationError(`${what} must not contain credentials`);
  }
  return url;
}

function stripTrailingSlashes(s: string): string {
  return s.replace(/\/+$/, '');
}

/** `https://acme.creatio.com` → `https://acme-is.creatio.com/connect/token`; undefined for non-cloud hosts. */
export function deriveTokenUrl(instanceUrl: string): string | undefined {
  const url = parseHttpUrl(instanceUrl, 'Instance URL');
  const host = url.hostname.toLowerCase();
  if (!host.endsWith(CLOUD_SUFFIX)) return undefined;
  const name = host.slice(0, -CLOUD_SUFFIX.length);
  // Already the Identity Service host, or the bare domain: nothing sensible to derive.
  if (name.length === 0 || name.endsWith('-is')) return undefined;
  return `https://${name}-is${CLOUD_SUFFIX}/connect/token`;
}

export function normaliseOdataBasePath(path: string | undefined): string {
  if (path === undefined || path.trim() === '') return DEFAULT_ODATA_BASE_PATH;
  const trimmed = stripTrailingSlashes(path.trim());
  if (!/^\/[A-Za-z0-9._~\-/]*$/.test(trimmed) || trimmed.length < 2) {
    throw new ConfigurationError('OData base path must look like "/0/odata" or "/odata"');
  }
  return trimmed;
}

export function resolveEndpoints(settings: EndpointSettings): Endpoints {
  const url = parseHttpUrl(settings.instanceUrl, 'Instance URL');
  const instanceUrl = stripTrailingSlashes(`${url.origin}${url.pathname}`);
  const odataRoot = `${instanceUrl}${normaliseOdataBasePath(settings.odataBasePath)}`;

  const explicit = settings.tokenUrl?.trim();
  if (explicit) {
    const tokenUrl = parseHttpUrl(explicit, 'Token URL');
    return {
      instanceUrl,
      tokenUrl: stripTrailingSlashes(tokenUrl.href),
      tokenUrlDerived: false,
      odataRoot,
    };
  }
  const derived = deriveTokenUrl(instanceUrl);
  if (!derived) {
    throw new ConfigurationError(
      'Token URL is required for instances outside *.creatio.com (on-site or custom domain): ' +
        'set it to the Identity Service URL ending in /connect/token',
    );
  }
  return { instanceUrl, tokenUrl: derived, tokenUrlDerived: true, odataRoot };
}
