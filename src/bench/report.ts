import { CLASS_LABELS, REQUEST_CLASSES, type ClassCount, type RequestClass } from './creatio-stats';
import { formatLoad, type Machine } from './machine';
import type { BenchOptions } from './options';
import type { IdleResult, PhaseResult } from './results';
import { httpRequests } from './stats';
import { eventsPerMessage, type ScenarioResults, type TargetCheck, type TokenFigures } from './targets';

/** The markdown report of a run: printed, and appended to bench/results.md. */
export interface RunReport {
  opts: BenchOptions;
  machine: Machine;
  settings: Record<string, string>;
  seconds: number;
  loadEnd: number[];
  scenarios: ScenarioResults[];
  probe: PhaseResult[];
  idle?: IdleResult;
  tokens: TokenFigures;
  targets: TargetCheck[];
  /** Waits for a quiet machine before each phase, ms. */
  settleMs: number[];
}

const num = (n: number | undefined, digits = 1): string => (n === undefined || !Number.isFinite(n) ? '–' : n.toFixed(digits));
const ms = (n: number | undefined): string => (n === undefined || !Number.isFinite(n) ? '–' : Math.round(n).toString());
const ratio = (a: number | undefined, b: number | undefined): string =>
  a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0 ? '–' : `${(a / b).toFixed(2)}×`;

function table(header: string[], rows: string[][], align: Array<'l' | 'r'>): string {
  const sep = align.map((a) => (a === 'r' ? '---:' : '---'));
  return [header, sep, ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
}

function perConv(p: PhaseResult, total: number): number {
  return total / Math.max(1, p.spec.conversations);
}

function historyPerConv(p: PhaseResult | undefined, pick: (h: NonNullable<PhaseResult['history']>) => number): number | undefined {
  return p?.history && p.history.workflows > 0 ? pick(p.history) / p.history.workflows : undefined;
}

export function scenarioSection(s: ScenarioResults): string {
  const { ours, floor, naive } = s;
  const spec = ours.spec;
  const creatioOurs = ours.creatio ? Object.values(ours.creatio.byClass).reduce((a, c: ClassCount) => a + c.n, 0) : undefined;
  const naiveHttp = naive ? httpRequests(naive.sim) : undefined;
  const row = (label: string, o: number | undefined, fl: number | undefined, nv: number | undefined, fmt: (n: number | undefined) => string) => [
    label,
    fmt(o),
    fmt(fl),
    fmt(nv),
    ratio(o, fl),
    ratio(o, nv),
  ];
  const rows = [
    row('conversations/s', ours.convPerSec, floor?.convPerSec, naive?.convPerSec, (n) => num(n, 2)),
    row('messages/s', ours.msgPerSec, floor?.msgPerSec, naive?.msgPerSec, (n) => num(n, 1)),
    row('latency p50, ms', ours.latency.p50, floor?.latency.p50, naive?.latency.p50, ms),
    row('latency p95, ms', ours.latency.p95, floor?.latency.p95, naive?.latency.p95, ms),
    row('latency p99, ms', ours.latency.p99, floor?.latency.p99, naive?.latency.p99, ms),
    row('history events / conversation', historyPerConv(ours, (h) => h.events), historyPerConv(floor, (h) => h.events), undefined, (n) => num(n, 1)),
    row('history events / message', eventsPerMessage(ours), floor ? eventsPerMessage(floor) : undefined, undefined, (n) => num(n, 2)),
    row('activities / conversation (local incl.)', historyPerConv(ours, (h) => h.activities), historyPerConv(floor, (h) => h.activities), undefined, (n) => num(n, 1)),
    row('signals / conversation', historyPerConv(ours, (h) => h.signals), historyPerConv(floor, (h) => h.signals), undefined, (n) => num(n, 1)),
    row('Creatio HTTP requests / conversation', creatioOurs === undefined ? undefined : perConv(ours, creatioOurs), floor ? 0 : undefined, naiveHttp === undefined || !naive ? undefined : perConv(naive, naiveHttp), (n) => num(n, 2)),
    row('CPU ms / conversation, all measured processes', cpuPerConv(ours), floor && cpuPerConv(floor), naive && cpuPerConv(naive), (n) => num(n, 1)),
    row('worker peak RSS, MiB (sampled)', ours.rssPeakMiB, floor?.rssPeakMiB, undefined, (n) => num(n, 0)),
    row('errors', ours.errors, floor?.errors, naive?.errors, (n) => num(n, 0)),
  ];
  const lines = [
    `### ${spec.mode} / ${spec.pattern} (N=${spec.conversations}, M=${spec.messages})`,
    '',
    table(['', 'ours', 'floor', 'naive', 'ours ÷ floor', 'ours ÷ naive'], rows, ['l', 'r', 'r', 'r', 'r', 'r']),
    '',
  ];
  lines.push(...creatioLines(ours));
  lines.push(`- CPU ms per conversation by process: ${[ours, floor, naive].flatMap((p) => (p ? [`${p.impl}: ${cpuBreakdown(p)}`] : [])).join('; ')}.`);
  if (naive) lines.push(`- Naive, per conversation (simulator counts): ${simKinds(naive)}.`);
  lines.push(`- Wall time: ours ${num(ours.seconds)} s, ${floor ? `floor ${num(floor.seconds)} s, ` : ''}${naive ? `naive ${num(naive.seconds)} s` : ''}; completed ${ours.drive.completed}/${spec.conversations}${floor ? `, ${floor.drive.completed}` : ''}${naive ? `, ${naive.drive.completed}` : ''}.`);
  for (const p of [ours, floor, naive]) if (p?.errorDetail.length) lines.push(`- Errors, ${p.impl}: ${p.errorDetail.join('; ')}.`);
  const running = [ours, floor].flatMap((p) => (p?.stillRunning ? [`${p.impl} ${p.stillRunning}`] : []));
  if (running.length) lines.push(`- Workflows of the scenario still running after it (should be 0): ${running.join(', ')}.`);
  lines.push(...historyLines(ours, floor));
  return lines.join('\n');
}

/** CPU of everything measured during the phase, per conversation, ms. */
function cpuPerConv(p: PhaseResult): number {
  return (Object.values(p.cpu).reduce((a, b) => a + b, 0) * 1000) / Math.max(1, p.spec.conversations);
}

function cpuBreakdown(p: PhaseResult): string {
  return Object.entries(p.cpu)
    .filter(([, v]) => v * 1000 / Math.max(1, p.spec.conversations) >= 0.05)
    .map(([k, v]) => `${k} ${num((v * 1000) / Math.max(1, p.spec.conversations), 1)}`)
    .join(' · ');
}

function creatioLines(p: PhaseResult): string[] {
  const c = p.creatio;
  if (!c) return [];
  const parts = REQUEST_CLASSES.filter((k) => c.byClass[k]).map((k: RequestClass) => {
    const v = c.byClass[k]!;
    const sub = k === 'batch' && v.n > 0 ? ` (${num(v.sub / v.n, 1)} sub-requests each)` : '';
    return `${CLASS_LABELS[k]} ${num(perConv(p, v.n), 2)}${sub}`;
  });
  const hookTotal = Object.values(c.byClass).reduce((a, v) => a + v.n, 0);
  return [
    `- Our Creatio requests per conversation (worker hook): ${parts.join(' · ') || 'none'}.`,
    `- Per conversation, tokens and one-off lookup reads excluded: mean ${num(c.perConversationMean, 2)}, max ${c.perConversationMax}; writeToCase requests per message ${num(c.writeRequestsPerMessage, 3)}; failed ${c.failed}. Simulator counted ${httpRequests(p.sim)} HTTP requests in the phase, the hook ${hookTotal}.`,
  ];
}

function simKinds(p: PhaseResult): string {
  return Object.entries(p.sim)
    .filter(([k]) => !k.startsWith('batched:'))
    .map(([k, v]) => `${k} ${num(perConv(p, v), 2)}`)
    .join(' · ');
}

function topTypes(p: PhaseResult | undefined, n = 8): string {
  const h = p?.history;
  if (!h || h.workflows === 0) return '–';
  return Object.entries(h.byType)
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([t, v]) => `${t} ${num(v / h.workflows, 1)}`)
    .join(' · ');
}

function historyLines(ours: PhaseResult, floor?: PhaseResult): string[] {
  const lines = [`- History events per conversation by type, ours (${ours.history?.workflows ?? 0} histories): ${topTypes(ours)}.`];
  if (floor) lines.push(`- Same, floor: ${topTypes(floor)}.`);
  lines.push(`- Task times from the histories (mean ms; wait = scheduled → started, run = started → completed): ours ${taskTimes(ours)}${floor ? `; floor ${taskTimes(floor)}` : ''}.`);
  return lines;
}

function taskTimes(p: PhaseResult): string {
  const t = p.history?.timing;
  if (!t || !p.history?.workflows) return '–';
  const mean = (ms: number, n: number) => (n > 0 ? num(ms / n, 0) : '–');
  return [
    `workflow task wait ${mean(t.workflowTaskWaitMs, t.workflowTasks)}, run ${mean(t.workflowTaskRunMs, t.workflowTasks)} (${num(t.workflowTasks / p.history.workflows, 1)}/conversation)`,
    `activity wait ${mean(t.activityWaitMs, t.activityTasks)}, run ${mean(t.activityRunMs, t.activityTasks)} (${num(t.activityTasks / p.history.workflows, 1)}/conversation)`,
    `workflow start → close ${mean(t.workflowMs, p.history.workflows)}`,
  ].join(' · ');
}

function probeSection(probe: PhaseResult[]): string {
  if (probe.length === 0) return '';
  const rows = probe.map((p) => [
    `${p.spec.mode} / ${p.spec.pattern}`,
    String(p.spec.messages),
    num(historyPerConv(p, (h) => h.events), 0),
    num(eventsPerMessage(p), 2),
    num(historyPerConv(p, (h) => h.activities), 0),
    num(historyPerConv(p, (h) => h.signals), 0),
    String(p.creatio?.perConversationMax ?? '–'),
    ms(p.latency.p99),
    topTypes(p, 6),
  ]);
  return [
    `### History probe: one conversation per mode and pattern (ours)`,
    '',
    table(['scenario', 'messages', 'history events', 'per message', 'activities', 'signals', 'Creatio requests', 'p99 ms', 'top event types'], rows, ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'l']),
  ].join('\n');
}

function idleSection(idle: IdleResult | undefined): string {
  if (!idle) return '';
  const creatio = REQUEST_CLASSES.filter((k) => idle.creatio[k]).map((k) => `${CLASS_LABELS[k]} ${idle.creatio[k]!.n}`).join(' · ');
  const rows = [[
    `${idle.completed}/${idle.conversations}`,
    `${num(idle.openSeconds)} s`,
    num(idle.rssAfterOpenMiB, 0),
    `${num(idle.rssAfterSettleMiB, 0)} (${num(idle.settleMs / 1000, 0)} s)`,
    num(idle.rssPeakMiB, 0),
    num(idle.hwmMiB, 0),
    String(idle.cache),
    String(idle.cachedWorkflows ?? '–'),
    String(idle.running ?? '–'),
    String(idle.errors),
  ]];
  return [
    '### Open idle conversations (each with a case and one message, then idle)',
    '',
    table(['open', 'time to open', 'worker RSS after open, MiB', 'after settling, MiB', 'peak (sampled), MiB', 'VmHWM (life), MiB', 'WORKER_MAX_CACHED_WORKFLOWS', 'cached workflows', 'running workflows', 'errors'], rows, ['r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r']),
    '',
    `- Creatio requests while opening them (totals): ${creatio || 'none'}.`,
    ...(idle.errorDetail.length ? [`- Errors: ${idle.errorDetail.join('; ')}`] : []),
  ].join('\n');
}

export function formatReport(r: RunReport): string {
  const o = r.opts;
  const m = r.machine;
  const lines = [
    `## ${m.date.slice(0, 19).replace('T', ' ')} UTC — ${o.idleOnly ? `${o.idleOpen} open idle conversations` : `N=${o.conversations}, M=${o.messages}, C=${o.concurrency}`}`,
    '',
    `Command: \`${o.command}\``,
    '',
    `- Machine: ${m.cores} cores (${m.cpuModel}), ${num(m.memoryGiB)} GiB RAM, Node ${m.node}, ${m.platform}; load average (1/5/15 min) ${formatLoad(m.loadStart)} at start, ${formatLoad(r.loadEnd)} at end${o.note ? `; ${o.note}` : ''}.`,
    `- Code: ${m.revision}.`,
    ...Object.entries(r.settings).map(([k, v]) => `- ${k}: ${v}.`),
    ...(o.idleOnly
      ? []
      : [
          `- Scenarios: modes ${o.modes.join(', ')} × patterns ${o.patterns.join(', ')}. Every conversation: M messages then a resolve; handoff-only: M messages, a handoff, a resolve. Spaced: one event per request, next one ${o.gapMs} ms after the 202; bursts: the messages in ${o.burstRequests} request(s), handoff and resolve with the last. C conversations in flight; a slot takes the next conversation once the previous one is complete (all messages readable, case resolved).`,
          '- Latency: 202 received → activity committed in the simulator (its onRecordChange); in handoff-only mode from the handoff\'s 202. Floor: signal-with-start returned → its no-op activity ran. Naive: handed over → committed.',
          '- Our Creatio requests are counted in the worker by the onCreatioRequest hook (purpose and calling activity/workflow tagged) and cross-checked with the simulator\'s count; naive requests by the simulator.',
          `- Settling: before each phase the run waits until the measured processes use under 10% of a core for 2 s (at most 60 s), so work a phase left behind (timeouts of finished activities, background writes) is not counted in the next; waits were ${r.settleMs.length ? `${(Math.min(...r.settleMs) / 1000).toFixed(0)}–${(Math.max(...r.settleMs) / 1000).toFixed(0)} s` : 'none'}.`,
          '- Floor: src/bench/floor-workflows.ts, one workflow per conversation, a signal per request, one no-op activity per write of ≤ 100 events and one for the resolve, its own worker process with the same cache size. Naive: no Temporal, a token request + one HTTP call per record (case, each message, resolve), in the driver process.',
        ]),
    `- Run time ${num(r.seconds, 0)} s. Token requests in total (our worker): ${r.tokens.total} for ${r.tokens.connections} connections, ${r.tokens.workers} worker process.`,
    '',
  ];
  for (const s of r.scenarios) lines.push(scenarioSection(s), '');
  const probe = probeSection(r.probe);
  if (probe) lines.push(probe, '');
  const idle = idleSection(r.idle);
  if (idle) lines.push(idle, '');
  lines.push('### Targets', '', table(['target', 'figure', 'result'], r.targets.map((t) => [t.target, t.figure, t.verdict]), ['l', 'l', 'l']), '');
  return lines.join('\n');
}
