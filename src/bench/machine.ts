import os from 'node:os';

/** The machine a run was measured on, for the results file. */
export interface Machine {
  cores: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  platform: string;
  date: string;
  loadStart: number[];
}

export function describeMachine(): Machine {
  const cpus = os.cpus();
  return {
    cores: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    memoryGiB: os.totalmem() / 1024 ** 3,
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    date: new Date().toISOString(),
    loadStart: os.loadavg(),
  };
}

export function loadNow(): number[] {
  return os.loadavg();
}

export function formatLoad(load: number[]): string {
  return load.map((l) => l.toFixed(2)).join(' / ');
}
