import { ConfigurationError } from '../../../src/creatio/errors';
import { deriveTokenUrl, resolveEndpoints } from '../../../src/creatio/urls';

describe('Creatio endpoints', () => {
  it('derives the Identity Service URL for cloud instances', () => {
    expect(deriveTokenUrl('https://acme.creatio.com')).toBe('https://acme-is.creatio.com/connect/token');
    expect(deriveTokenUrl('https://ACME-Dev.creatio.com/')).toBe('https://acme-dev-is.creatio.com/connect/token');
    const e = resolveEndpoints({ instanceUrl: 'https://acme.creatio.com/' });
    expect(e).toEqual({
      instanceUrl: 'https://acme.creatio.com',
      tokenUrl: 'https://acme-is.creatio.com/connect/token',
      tokenUrlDerived: true,
      odataRoot: 'https://acme.creatio.com/0/odata',
    });
  });

  it('does not derive for other hosts and then requires an explicit token URL', () => {
    expect(deriveTokenUrl('https://crm.example.com')).toBeUndefined();
    expect(deriveTokenUrl('https://creatio.com.example.org')).toBeUndefined();
    expect(deriveTokenUrl('https://acme-is.creatio.com')).toBeUndefined();
    expect(() => resolveEndpoints({ instanceUrl: 'https://crm.example.com' })).toThrow(ConfigurationError);
    expect(() => resolveEndpoints({ instanceUrl: 'https://crm.example.com', tokenUrl: '  ' })).toThrow(/Token URL is required/);
  });

  it('uses an explicit token URL as given (minus trailing slash), even on cloud hosts', () => {
    const e = resolveEndpoints({ instanceUrl: 'https://acme.creatio.com', tokenUrl: 'https://id.example.com/connect/token/' });
    expect(e.tokenUrl).toBe('https://id.example.com/connect/token');
    expect(e.tokenUrlDerived).toBe(false);
  });

  it('defaults the OData base path to /0/odata and allows /odata', () => {
    const base = { instanceUrl: 'https://crm.example.com', tokenUrl: 'https://crm.example.com:5000/connect/token' };
    expect(resolveEndpoints(base).odataRoot).toBe('https://crm.example.com/0/odata');
    expect(resolveEndpoints({ ...base, odataBasePath: '/odata/' }).odataRoot).toBe('https://crm.example.com/odata');
    expect(() => resolveEndpoints({ ...base, odataBasePath: 'odata' })).toThrow(ConfigurationError);
  });

  it('rejects URLs that are not plain http(s) roots', () => {
    expect(() => resolveEndpoints({ instanceUrl: 'ftp://acme.creatio.com' })).toThrow(ConfigurationError);
    expect(() => resolveEndpoints({ instanceUrl: 'https://acme.creatio.com/?x=1' })).toThrow(ConfigurationError);
    expect(() => resolveEndpoints({ instanceUrl: 'https://user:pw@acme.creatio.com' })).toThrow(ConfigurationError);
    expect(() => resolveEndpoints({ instanceUrl: 'not a url' })).toThrow(ConfigurationError);
  });
});
