import {
  isCreatioCloudHost,
  isLinkLocalHost,
  isLoopbackHost,
  normaliseInstanceUrl,
  normaliseTokenUrl,
  type UrlCheck,
} from '../../../src/domain/connection-url';

function ok(check: UrlCheck): string {
  if (!check.ok) throw new Error(`expected ok, got: ${check.message}`);
  return check.url;
}

function rejected(check: UrlCheck): string {
  if (check.ok) throw new Error(`expected a rejection, got ${check.url}`);
  return check.message;
}

describe('normaliseInstanceUrl', () => {
  it.each([
    ['https://acme.creatio.com', 'https://acme.creatio.com'],
    ['https://acme.creatio.com/', 'https://acme.creatio.com'],
    ['  https://acme.creatio.com/  ', 'https://acme.creatio.com'],
    ['HTTPS://ACME.Creatio.COM/', 'https://acme.creatio.com'],
    ['https://acme.creatio.com:443/', 'https://acme.creatio.com'],
    ['https://crm.example.org:8443', 'https://crm.example.org:8443'],
    ['https://crm.example.org:8443/', 'https://crm.example.org:8443'],
    ['https://10.0.0.5', 'https://10.0.0.5'],
  ])('accepts %j as %s', (input, url) => {
    expect(ok(normaliseInstanceUrl(input))).toBe(url);
  });

  it.each([
    ['http://localhost:5000/', 'http://localhost:5000'],
    ['http://LOCALHOST:5000', 'http://localhost:5000'],
    ['http://127.0.0.1:8080', 'http://127.0.0.1:8080'],
    ['http://127.5.6.7', 'http://127.5.6.7'],
    ['http://[::1]:3000/', 'http://[::1]:3000'],
    ['http://[0:0:0:0:0:0:0:1]:3000', 'http://[::1]:3000'],
  ])('accepts plain http for loopback %j', (input, url) => {
    expect(ok(normaliseInstanceUrl(input))).toBe(url);
  });

  it.each([
    'http://acme.creatio.com',
    'http://10.0.0.5',
    'http://192.168.1.10:5000',
    'http://localhost.example.com',
    'http://127.0.0.1.nip.io',
    'http://0.0.0.0',
    'ftp://acme.creatio.com',
    'ws://localhost',
  ])('requires https for %j', (input) => {
    expect(rejected(normaliseInstanceUrl(input))).toMatch(/must use https:\/\//);
  });

  it.each(['acme.creatio.com', '', '   ', 'https://', 'not a url', '//acme.creatio.com'])('rejects %j as not a URL', (input) => {
    expect(rejected(normaliseInstanceUrl(input))).toMatch(/Instance URL is not a valid URL/);
  });

  it.each(['https://acme.creatio.com/0', 'https://acme.creatio.com/0/', 'https://acme.creatio.com/odata', 'https://acme.creatio.com//'])(
    'rejects a path (%j), pointing at the origin and at odataBasePath',
    (input) => {
      const message = rejected(normaliseInstanceUrl(input));
      expect(message).toMatch(/must not have a path/);
      expect(message).toContain('https://acme.creatio.com');
      expect(message).toContain('odataBasePath');
    },
  );

  it.each(['https://acme.creatio.com/?x=1', 'https://acme.creatio.com?tenant=2', 'https://acme.creatio.com/#login'])(
    'rejects a query or fragment (%j)',
    (input) => {
      expect(rejected(normaliseInstanceUrl(input))).toMatch(/query string or fragment/);
    },
  );

  it.each(['https://jdoe:s3cr3tPw@acme.creatio.com', 'https://jdoe@acme.creatio.com', 'https://:s3cr3tPw@acme.creatio.com'])(
    'rejects credentials in the URL (%j) without echoing them',
    (input) => {
      const message = rejected(normaliseInstanceUrl(input));
      expect(message).toMatch(/must not contain a user name or password/);
      expect(message).not.toContain('s3cr3tPw');
      expect(message).not.toContain('jdoe');
    },
  );
});

describe('normaliseTokenUrl', () => {
  it.each([
    ['https://id.example.com/connect/token', 'https://id.example.com/connect/token'],
    ['https://id.example.com/connect/token/', 'https://id.example.com/connect/token'],
    ['https://id.example.com/connect/token///', 'https://id.example.com/connect/token'],
    [' https://ID.example.com:9443/connect/token ', 'https://id.example.com:9443/connect/token'],
    ['https://id.example.com', 'https://id.example.com'],
    ['http://localhost:5001/connect/token', 'http://localhost:5001/connect/token'],
  ])('accepts %j as %s (any path, trailing slashes removed)', (input, url) => {
    expect(ok(normaliseTokenUrl(input))).toBe(url);
  });

  it('names the token URL in its messages', () => {
    expect(rejected(normaliseTokenUrl('http://id.example.com/connect/token'))).toMatch(/^Token URL must use https/);
    expect(rejected(normaliseTokenUrl('nope'))).toMatch(/^Token URL is not a valid URL/);
    expect(rejected(normaliseTokenUrl('https://id.example.com/connect/token?x=1'))).toMatch(/^Token URL must not have a query/);
    expect(rejected(normaliseTokenUrl('https://u:p@id.example.com/connect/token'))).toMatch(/^Token URL must not contain a user/);
  });
});

describe('isLoopbackHost', () => {
  it.each(['localhost', 'LocalHost', '127.0.0.1', '127.255.255.254', '[::1]', '::1'])('%s is loopback', (host) => {
    expect(isLoopbackHost(host)).toBe(true);
  });

  it.each(['localhost.example.com', '127.0.0.1.example.com', '128.0.0.1', '10.0.0.1', '0.0.0.0', 'example.com', '', '[::2]'])(
    '%j is not loopback',
    (host) => {
      expect(isLoopbackHost(host)).toBe(false);
    },
  );
});

describe('isCreatioCloudHost', () => {
  it.each(['https://acme.creatio.com', 'https://ACME.Creatio.com/', 'https://acme-dev.creatio.com', 'https://a.b.creatio.com'])(
    '%s is a cloud instance',
    (url) => {
      expect(isCreatioCloudHost(url)).toBe(true);
    },
  );

  it.each([
    ['the bare domain', 'https://creatio.com'],
    ['the Identity Service host', 'https://acme-is.creatio.com'],
    ['a look-alike domain', 'https://evilcreatio.com'],
    ['a suffix attack', 'https://acme.creatio.com.evil.example'],
    ['an on-site instance', 'https://crm.example.org'],
    ['not a URL', 'acme.creatio.com'],
    ['empty', ''],
  ])('%s (%s) is not', (_name, url) => {
    expect(isCreatioCloudHost(url)).toBe(false);
  });
});

describe('link-local addresses (cloud metadata services)', () => {
  it.each(['https://169.254.169.254', 'https://[fe80::1]', 'http://169.254.169.254', 'https://metadata.google.internal'])('refuses %s as instance URL', (url) => {
    expect(rejected(normaliseInstanceUrl(url))).toMatch(/link-local|https/);
  });

  it('refuses one as token URL and names it', () => {
    expect(rejected(normaliseTokenUrl('https://169.254.169.254/latest/meta-data'))).toMatch(/^Token URL points to a link-local address \(169\.254\.169\.254\)/);
  });

  it.each(['fe80.example.com', '169.254.example.com', '10.169.254.1'])('does not mistake %s for one', (host) => {
    expect(isLinkLocalHost(host)).toBe(false);
  });
});
