import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { main } from '../../src/bench/main';
import { globalServices } from '../support/global-state';

/**
 * `npm run bench` at a tiny size, as a smoke check that the benchmark still
 * runs end to end (stack, our service, floor, naive, histories, idle phase,
 * report) on the integration run's Temporal server and PostgreSQL. No assertion on any figure: speed is judged from bench/results.md,
 * never by a timed test.
 */
it('runs the benchmark at a tiny size and prints its tables', async () => {
  const g = globalServices();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-smoke-'));
  let out = '';
  try {
    const code = await main(
      [
        '--n=3', '--m=3', '--c=2',
        '--probe-m=0', '--idle-open=3', '--idle-settle-ms=0', '--history-sample=0',
        '--results=-',
        `--data-dir=${path.join(dir, 'bench')}`,
        `--temporal-address=${g.temporalAddress}`,
        `--pg-admin-url=${g.pgAdminUrl}`,
        `--workflow-bundle=${g.workflowBundlePath}`,
      ],
      {},
      (text) => void (out += text),
    );
    expect(code).toBe(0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  for (const scenario of ['every / spaced', 'every / bursts', 'handoff-only / spaced', 'handoff-only / bursts']) {
    expect(out).toContain(`### ${scenario} (N=3, M=3)`);
  }
  expect(out).toContain('| conversations/s |');
  expect(out).toContain('### Open idle conversations');
  expect(out).toContain('### Targets');
}, 300_000);
