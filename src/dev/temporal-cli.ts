import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Finds a Temporal CLI (which contains the real Temporal dev server) or builds
 * one, in this order:
 *   1. $TEMPORAL_CLI
 *   2. `temporal` on PATH
 *   3. a previous build in the user cache folder (outside the repo, survives clean clones)
 *   4. `go install github.com/temporalio/cli/cmd/temporal@v1.5.1` when Go exists
 *      (v1.5.1 is the newest tag without `replace` directives, so it installs)
 *   5. nothing: the caller falls back to the Temporal SDK's own download,
 *      which needs internet access.
 */
export const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal@v1.5.1';

export type TemporalCliSource = 'env' | 'path' | 'cache' | 'go-install';
export interface TemporalCli {
  path: string;
  source: TemporalCliSource;
}

export function cacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'creatio-conversation-sync', 'bin');
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/** Looks without building anything. */
export function findTemporalCli(): TemporalCli | undefined {
  const fromEnv = process.env.TEMPORAL_CLI;
  if (fromEnv) {
    if (!isExecutable(fromEnv)) throw new Error(`TEMPORAL_CLI=${fromEnv} is not an executable file`);
    return { path: fromEnv, source: 'env' };
  }
  const fromPath = onPath('temporal');
  if (fromPath) return { path: fromPath, source: 'path' };
  const cached = path.join(cacheDir(), 'temporal');
  if (isExecutable(cached)) return { path: cached, source: 'cache' };
  return undefined;
}

export function goAvailable(): boolean {
  return spawnSync('go', ['version'], { stdio: 'ignore' }).status === 0;
}

/** Builds the CLI into the cache folder with `go install` (minutes the first time). */
export async function buildTemporalCliWithGo(log: (line: string) => void = () => undefined): Promise<TemporalCli> {
  const dir = cacheDir();
  mkdirSync(dir, { recursive: true });
  log(`Building the Temporal CLI with Go: go install ${TEMPORAL_CLI_MODULE} (first time takes several minutes)`);
  await new Promise<void>((resolve, reject) => {
    const child = spawn('go', ['install', TEMPORAL_CLI_MODULE], {
      env: { ...process.env, GOBIN: dir, CGO_ENABLED: '0' },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`go install exited with code ${code}`))));
  });
  const built = path.join(dir, 'temporal');
  if (!existsSync(built)) throw new Error(`go install finished but ${built} is missing`);
  return { path: built, source: 'go-install' };
}

/** Finds the CLI, building it with Go if needed; undefined = use the SDK download. */
export async function findOrBuildTemporalCli(log: (line: string) => void = () => undefined): Promise<TemporalCli | undefined> {
  const found = findTemporalCli();
  if (found) return found;
  if (goAvailable()) return buildTemporalCliWithGo(log);
  return undefined;
}

if (require.main === module) {
  // `npm run temporal-cli`: find or build, and say which.
  findOrBuildTemporalCli((l) => console.log(l))
    .then((cli) => {
      if (cli) console.log(`Temporal CLI: ${cli.path} (from ${cli.source})`);
      else console.log('No Temporal CLI and no Go: the Temporal SDK will download its dev server (needs internet).');
    })
    .catch((err: unknown) => {
      console.error(err);
      process.exit(1);
    });
}
