/**
 * Validation of the URLs an admin types into the connection form. Forgiving
 * where the intent is clear (a trailing slash is removed), strict where a
 * guess would send credentials to the wrong place.
 */
export type UrlCheck = { ok: true; url: string } | { ok: false; message: string };

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK.has(hostname.toLowerCase()) || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

/**
 * Link-local addresses (169.254.0.0/16, fe80::/10) hold cloud metadata
 * services, never a Creatio instance: refusing them keeps a connection form
 * from being used to probe them. Private ranges stay allowed (on-site Creatio).
 */
export function isLinkLocalHost(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  return /^169\.254\.\d+\.\d+$/.test(h) || /^fe[89ab][0-9a-f]:/.test(h) || h === 'metadata.google.internal';
}

function parse(value: string, what: string): URL | string {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    return `${what} is not a valid URL (expected e.g. https://yourcompany.creatio.com)`;
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
    return `${what} must use https:// (plain http is accepted only for loopback test instances)`;
  }
  if (isLinkLocalHost(url.hostname)) return `${what} points to a link-local address (${url.hostname}), where no Creatio instance runs`;
  if (url.username || url.password) return `${what} must not contain a user name or password`;
  if (url.search || url.hash) return `${what} must not have a query string or fragment`;
  return url;
}

/** Instance URL: scheme and host (and port) only, trailing slash removed. */
export function normaliseInstanceUrl(value: string): UrlCheck {
  const url = parse(value, 'Instance URL');
  if (typeof url === 'string') return { ok: false, message: url };
  if (url.pathname !== '/' && url.pathname !== '') {
    return {
      ok: false,
      message: `Instance URL must not have a path (got "${url.pathname}"); enter just ${url.origin}. For .NET 8 on-site instances set odataBasePath to "/odata" instead.`,
    };
  }
  return { ok: true, url: url.origin };
}

/** Token URL (on-site Identity Service): any path, e.g. https://id.example.com/connect/token. */
export function normaliseTokenUrl(value: string): UrlCheck {
  const url = parse(value, 'Token URL');
  if (typeof url === 'string') return { ok: false, message: url };
  return { ok: true, url: url.href.replace(/\/+$/, '') };
}

/** Cloud instances have a derivable Identity Service; everything else needs an explicit token URL. */
export function isCreatioCloudHost(instanceUrl: string): boolean {
  try {
    const host = new URL(instanceUrl).hostname.toLowerCase();
    return host.endsWith('.creatio.com') && host !== 'creatio.com' && !host.endsWith('-is.creatio.com');
  } catch {
    return false;
  }
}
