/** Hands the global services' addresses from jest's global setup to the test files (via the environment). */
export interface GlobalServices {
  temporalAddress: string;
  pgAdminUrl: string;
  workflowBundlePath: string;
  tmpDir: string;
}

const KEY = 'CREATIO_SYNC_IT_SERVICES';

export function setGlobalServices(s: GlobalServices): void {
  process.env[KEY] = JSON.stringify(s);
}

export function globalServices(): GlobalServices {
  const raw = process.env[KEY];
  if (!raw) throw new Error('Integration services are not running: run integration tests through jest (global setup).');
  return JSON.parse(raw) as GlobalServices;
}
