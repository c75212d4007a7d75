import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config';
import { SecretBox } from '../security/secret-box';
import { EncryptionCodec } from '../temporal/codec';

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

/** The payload codec every Temporal client and worker of this deployment shares (same keys everywhere). */
export function loadPayloadCodec(cfg: Config): EncryptionCodec {
  if (cfg.PAYLOAD_KEYS) return EncryptionCodec.fromSpec(cfg.PAYLOAD_KEYS, cfg.PAYLOAD_ACTIVE_KEY_ID);
  if (cfg.NODE_ENV === 'production') throw new Error('PAYLOAD_KEYS must be set in production (see README "Privacy")');
  const spec = readOrCreate(path.join(cfg.dataDir, 'payload-keys'), () => EncryptionCodec.generateKeySpec('local-1'));
  return EncryptionCodec.fromSpec(spec, cfg.PAYLOAD_ACTIVE_KEY_ID);
}

export function loadCodecServerToken(cfg: Config): string {
  if (cfg.CODEC_SERVER_TOKEN) return cfg.CODEC_SERVER_TOKEN;
  if (cfg.NODE_ENV === 'production') throw new Error('CODEC_SERVER_TOKEN must be set in production (see README "Privacy")');
  return readOrCreate(path.join(cfg.dataDir, 'codec-server-token'), () => randomBytes(24).toString('base64url'));
}
