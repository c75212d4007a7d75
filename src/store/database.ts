import path from 'node:path';
import { Pool } from 'pg';
import type { Config } from '../config';
import { ensureEmbeddedPostgres } from './embedded-postgres';
import { migrate } from './migrate';

export interface Database {
  pool: Pool;
  /** 'external' when DATABASE_URL was given, else 'embedded'. */
  kind: 'external' | 'embedded';
  close(): Promise<void>;
}

/**
 * Opens the database named by DATABASE_URL, or the shared embedded one, and
 * brings its schema up to date.
 */
export async function openDatabase(cfg: Pick<Config, 'DATABASE_URL' | 'dataDir' | 'EMBEDDED_PG_PORT'>, opts: { poolSize?: number } = {}): Promise<Database> {
  let url = cfg.DATABASE_URL;
  let stopEmbedded = async (): Promise<void> => undefined;
  if (!url) {
    const embedded = await ensureEmbeddedPostgres({ dataDir: path.join(cfg.dataDir, 'postgres'), port: cfg.EMBEDDED_PG_PORT });
    url = embedded.url;
    stopEmbedded = embedded.stop;
  }
  const pool = new Pool({ connectionString: url, max: opts.poolSize ?? 20 });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', () => undefined);
  await migrate(pool);
  return {
    pool,
    kind: cfg.DATABASE_URL ? 'external' : 'embedded',
    close: async () => {
      await pool.end();
      await stopEmbedded();
    },
  };
}
