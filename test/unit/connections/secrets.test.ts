import { Writable } from 'node:stream';
import { CredentialsRejectedError } from '../../../src/creatio';
import { createLogger } from '../../../src/logging/logger';
import { SecretBox } from '../../../src/security/secret-box';
import { sameSecret } from '../../../src/security/secret-compare';

const SECRET = 'Plaintext-Secret-4471-zz';

function capture(): { lines: string[]; stream: Writable } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  return { lines, stream };
}

describe('logger redaction', () => {
  it('never writes the secret under any of the keys it travels in', () => {
    const { lines, stream } = capture();
    const logger = createLogger({ level: 'trace', destination: stream });
    logger.info({ clientSecret: SECRET }, 'top level');
    logger.info({ body: { clientSecret: SECRET, clientId: 'app-1' } }, 'request body');
    logger.info({ settings: { credentials: { client_secret: SECRET } } }, 'two levels down');
    logger.info({ req: { headers: { authorization: `Bearer ${SECRET}` } } }, 'request headers');
    logger.info({ token: SECRET, accessToken: SECRET, access_token: SECRET, secret: SECRET, password: SECRET }, 'other keys');
    logger.child({ clientSecret: SECRET }).info('child bindings');
    const out = lines.join('');
    expect(lines).toHaveLength(6);
    expect(out).not.toContain(SECRET);
    expect(out).toContain('[redacted]');
    expect(out).toContain('app-1'); // what is not secret stays readable
  });

  it('error messages of the Creatio client carry no secret to redact in the first place', () => {
    const { lines, stream } = capture();
    const logger = createLogger({ level: 'info', destination: stream });
    const err = new CredentialsRejectedError('Creatio Identity Service rejected the client credentials (400 invalid_client).', 400, 'invalid_client');
    logger.warn({ err }, 'token refused');
    expect(lines.join('')).toContain('invalid_client');
  });
});

describe('secrets at rest', () => {
  it('seals with the active key, binds the org, and opens with the key named in the record', () => {
    const old = SecretBox.generateKeySpec('k-old');
    const box1 = SecretBox.fromSpec(old);
    const sealed = box1.seal(SECRET, 'org-1');
    expect(sealed.keyId).toBe('k-old');
    expect(sealed.ciphertext).not.toContain(SECRET);
    expect(() => box1.open(sealed, 'org-2')).toThrow();
    const box2 = SecretBox.fromSpec(`${SecretBox.generateKeySpec('k-new')},${old}`, 'k-new');
    expect(box2.open(sealed, 'org-1')).toBe(SECRET);
    expect(box2.seal(SECRET, 'org-1').keyId).toBe('k-new');
  });

  it('compares secrets in constant time', () => {
    expect(sameSecret(SECRET, SECRET)).toBe(true);
    expect(sameSecret(SECRET, `${SECRET}x`)).toBe(false);
    expect(sameSecret('', '')).toBe(true);
  });
});
