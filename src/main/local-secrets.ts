import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config';
import { SecretBox } from '../security/secret-box';

/**
 * Keys and tokens for the embedded stack. Production sets SECRET_KEYS and
 * API_TOKEN explicitly; on a developer machine they are generated once into
 * DATA_DIR (git-ignored) so restarts keep decrypting what was stored.
 */
function readOrCreate(file: string, create: () => string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    mkdirSync(path.dirname(file), { recursive: true });
    try {
      writeFileSync(file, create() + '\n', { mode: 0o600, flag: 'wx' });
    } catch {
      // Created by a concurrent process: read theirs.
    }
    return readFileSync(file, 'utf8').trim();
  }
}

export function loadSecretBox(cfg: Config): SecretBox {
  if (cfg.SECRET_KEYS) return SecretBox.fromSpec(cfg.SECRET_KEYS, cfg.SECRET_ACTIVE_KEY_ID);
  if (cfg.NODE_ENV === 'production') throw new Error('SECRET_KEYS must be set in production (see README "Configuration")');
  const spec = readOrCreate(path.join(cfg.dataDir, 'secret-keys'), () => SecretBox.generateKeySpec('local-1'));
  return SecretBox.fromSpec(spec, cfg.SECRET_ACTIVE_KEY_ID);
}

export function loadApiToken(cfg: Config): string {
  if (cfg.API_TOKEN) return cfg.API_TOKEN;
  if (cfg.NODE_ENV === 'production') throw new Error('API_TOKEN must be set in production (see README "Configuration")');
  return readOrCreate(path.join(cfg.dataDir, 'api-token'), () => randomBytes(24).toString('base64url'));
}
