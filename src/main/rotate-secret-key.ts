import { config } from '../config';
import { formatRotationReport, rotateSecretKeys } from '../security/rotate-keys';
import { openDatabase } from '../store/database';
import { loadSecretBox } from './local-secrets';

/**
 * `npm run rotate-secret-key`: re-encrypts every stored secret under
 * SECRET_ACTIVE_KEY_ID. Put the new key in SECRET_KEYS next to the old one(s),
 * make it active, deploy, run this, and drop the old key once it reports
 * nothing left under it. Safe to run again; safe while the service runs.
 * Exit code 1 when a secret could not be re-encrypted.
 */
async function main(): Promise<number> {
  const cfg = config();
  const secrets = loadSecretBox(cfg);
  const db = await openDatabase(cfg);
  try {
    const report = await rotateSecretKeys(db.pool, secrets);
    for (const line of formatRotationReport(report)) process.stdout.write(line + '\n');
    return report.columns.some((c) => c.failed.length > 0) ? 1 : 0;
  } finally {
    await db.close();
  }
}

// Exits explicitly: an exit hook of the embedded PostgreSQL package would otherwise turn exitCode into 0.
main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
