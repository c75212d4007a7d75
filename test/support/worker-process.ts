import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { TestStack } from './stack';
import { globalServices } from './global-state';

const WORKER_MAIN = path.resolve(__dirname, '../../dist/worker/main.js');

/**
 * The real worker entry point (`npm run worker`) as a separate OS process, so
 * tests can kill it with SIGKILL the way a crash or an OOM kill would.
 */
export interface WorkerProcess {
  child: ChildProcess;
  /** Resolves when the process exits. */
  exited: Promise<number | null>;
  kill(signal: NodeJS.Signals): Promise<number | null>;
  output(): string;
}

export function spawnWorker(stack: TestStack): WorkerProcess {
  if (!existsSync(WORKER_MAIN)) throw new Error(`${WORKER_MAIN} is missing: run "npm run build" first (npm test does).`);
  const g = globalServices();
  const child = spawn(process.execPath, [WORKER_MAIN], {
    env: {
      ...process.env,
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      DATABASE_URL: stack.cfg.DATABASE_URL,
      TEMPORAL_ADDRESS: g.temporalAddress,
      TEMPORAL_TASK_QUEUE: stack.cfg.TEMPORAL_TASK_QUEUE,
      SECRET_KEYS: stack.cfg.SECRET_KEYS,
      PAYLOAD_KEYS: stack.cfg.PAYLOAD_KEYS,
      API_TOKEN: stack.apiToken,
      DATA_DIR: stack.cfg.dataDir,
      WORKFLOW_BUNDLE_PATH: g.workflowBundlePath,
      WORKER_SHUTDOWN_GRACE_MS: '1000',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out = (out + c.toString()).slice(-20_000)));
  child.stderr?.on('data', (c: Buffer) => (out = (out + c.toString()).slice(-20_000)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    exited,
    output: () => out,
    async kill(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
