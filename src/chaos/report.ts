import { appendFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ConversationOutcome } from './drive';
import { FAULT_LABELS, type CountedKind } from './faults';
import type { FaultKind, PlanOptions } from './plan';
import type { HistoryTally, ProcessExit } from './processes';
import type { Policies, Totals } from './verify';

/**
 * The run's result as a Markdown table (printed, and appended to
 * bench/chaos-results.md with the date, parameters and machine), and the
 * verdict: the targets are 0 duplicates, 0 missing, 0 out of order, and every
 * conversation synced or waiting with a stated reason.
 */
export interface RunReport {
  startedAt: Date;
  command: string;
  options: PlanOptions;
  policies: Policies;
  orgs: Array<{ orgId: string; mode: string }>;
  totals: Totals;
  outcomes: readonly ConversationOutcome[];
  faults: Array<{ kind: CountedKind; injected: number; hits?: number }>;
  crashes: Array<{ part: string; exit: ProcessExit }>;
  fatalLines: Array<{ part: string; line: string }>;
  timeline: string[];
  phases: Array<[string, number]>;
  ports: Record<string, string>;
  dataDir: string;
  histories?: HistoryTally;
}

export interface Verdict {
  ok: boolean;
  failures: string[];
}

export function verdictOf(r: Pick<RunReport, 'totals' | 'crashes' | 'fatalLines'>): Verdict {
  const t = r.totals;
  const failures: string[] = [];
  if (t.duplicates > 0) failures.push(`${t.duplicates} duplicate(s)`);
  if (t.missing > 0) failures.push(`${t.missing} missing`);
  if (t.outOfOrder > 0) failures.push(`${t.outOfOrder} out of order`);
  if (t.unexpected > 0) failures.push(`${t.unexpected} unexpected activit${t.unexpected === 1 ? 'y' : 'ies'}`);
  if (t.caseProblems > 0) failures.push(`${t.caseProblems} case status/policy problem(s)`);
  const stuck = [...t.finals].filter(([k]) => k.startsWith('NOT SETTLED')).reduce((a, [, n]) => a + n, 0);
  if (stuck > 0) failures.push(`${stuck} conversation(s) neither synced nor waiting with a reason`);
  const rejected = r.totals.withProblems.filter((c) => c.problems.some((p) => p.startsWith('request not accepted'))).length;
  if (rejected > 0) failures.push(`${rejected} conversation(s) with requests the API did not accept`);
  if (r.crashes.length > 0) failures.push(`${r.crashes.length} service process exit(s) nobody caused`);
  if (r.fatalLines.length > 0) failures.push(`${r.fatalLines.length} fatal log line(s)`);
  return { ok: failures.length === 0, failures };
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export function machine(): string {
  const cpus = os.cpus();
  return `${os.type()} ${os.release()} ${os.arch()}, ${cpus.length} × ${cpus[0]?.model.trim() ?? 'CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GB RAM, Node ${process.version}`;
}

export function formatReport(r: RunReport): string[] {
  const t = r.totals;
  const v = verdictOf(r);
  const o = r.options;
  const total = r.phases.reduce((a, [, ms]) => a + ms, 0);
  const sum = (f: (x: ConversationOutcome) => number) => r.outcomes.reduce((a, x) => a + f(x), 0);
  const modes = r.orgs.map((g) => `${g.orgId} (${g.mode === 'every_message' ? 'case on first customer message' : 'case on handoff'})`).join(', ');
  const lines: string[] = [];
  lines.push(`## Chaos run ${r.startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC: ${v.ok ? 'PASS' : 'FAIL'}`);
  lines.push('');
  lines.push(`- Command: \`${r.command}\``);
  lines.push(
    `- Parameters: seed ${o.seed}, ${o.conversations} conversations, ~${o.messagesPerConversation} messages each, drive ${seconds(o.durationMs)}, ` +
      `${o.schedule} fault schedule, policies DELETED_CASE_POLICY=${r.policies.deletedCase} CLOSED_CASE_POLICY=${r.policies.closedCase}`,
  );
  lines.push(`- Orgs: ${modes}`);
  lines.push(`- Machine: ${machine()}`);
  lines.push(`- Duration: ${seconds(total)} (${r.phases.map(([k, ms]) => `${k} ${seconds(ms)}`).join(', ')})`);
  lines.push('');
  lines.push('| measure | value |');
  lines.push('|---|---|');
  lines.push(`| conversations | ${t.conversations} |`);
  lines.push(`| events sent / stored | ${t.eventsPlanned} / ${t.eventsStored} |`);
  lines.push(`| messages | ${t.messages} |`);
  lines.push(
    `| POST requests | ${sum((x) => x.requests)} (${sum((x) => x.retries)} retried, ${sum((x) => x.storedWhileTemporalDown)} answered 503 temporal_unavailable = stored, ` +
      `${sum((x) => x.resends)} re-sent on purpose) |`,
  );
  lines.push(`| cases in Creatio | ${t.cases} |`);
  lines.push(`| activities in Creatio | ${t.activities} (expected ${t.expectedActivities} for events + ${t.cases} session links) |`);
  lines.push(`| **duplicates** | **${t.duplicates}** |`);
  lines.push(`| **missing** | **${t.missing}** |`);
  lines.push(`| **out of order** | **${t.outOfOrder}** |`);
  lines.push(`| unexpected activities on our cases | ${t.unexpected} |`);
  lines.push(`| case status / policy problems | ${t.caseProblems} |`);
  lines.push(`| events not in Creatio yet (conversations not synced at the end) | ${t.notYetSynced} |`);
  lines.push(`| service processes exiting on their own / fatal log lines | ${r.crashes.length} / ${r.fatalLines.length} |`);
  if (r.histories) {
    lines.push(
      `| workflow runs; activity attempts timed out (lost with a killed worker or in transit, then retried); workflow tasks timed out | ` +
        `${r.histories.workflows}; ${r.histories.activityTimeouts}; ${r.histories.workflowTaskTimeouts} |`,
    );
  }
  lines.push('');
  lines.push('| fault | injected | Creatio requests hit |');
  lines.push('|---|---|---|');
  for (const f of r.faults) lines.push(`| ${FAULT_LABELS[f.kind]} | ${f.injected} | ${f.hits ?? ''} |`);
  lines.push('');
  lines.push('| final state | conversations |');
  lines.push('|---|---|');
  for (const [k, n] of [...t.finals].sort((a, b) => b[1] - a[1])) lines.push(`| ${k} | ${n} |`);
  const lifecycle = r.outcomes.filter((x) => x.lifecycle).map((x) => `${x.plan.conversationId}: ${x.lifecycle!.note}`);
  if (lifecycle.length > 0) {
    lines.push('');
    lines.push('Case lifecycle actions:');
    for (const l of lifecycle) lines.push(`- ${l}`);
  }
  lines.push('');
  lines.push(`Verdict: ${v.ok ? 'PASS, targets met (0 duplicates, 0 missing, 0 out of order; every conversation synced or waiting with a stated reason)' : `FAIL: ${v.failures.join('; ')}`}`);
  if (!v.ok) lines.push(...problemLines(r));
  return lines;
}

function problemLines(r: RunReport): string[] {
  const lines: string[] = ['', `Problems (service logs in ${path.join(r.dataDir, 'logs')}):`];
  for (const c of r.totals.withProblems.slice(0, 25)) {
    lines.push(`- ${c.orgId}/${c.conversationId} (${c.final.category}${c.final.detail ? `: ${c.final.detail}` : ''}):`);
    for (const p of c.problems.slice(0, 6)) lines.push(`  - ${p}`);
  }
  if (r.totals.withProblems.length > 25) lines.push(`- ... and ${r.totals.withProblems.length - 25} more conversations`);
  for (const c of r.crashes) lines.push(`- ${c.part} exited on its own at ${new Date(c.exit.at).toISOString()} (code ${c.exit.code}, signal ${c.exit.signal}); last output:\n\n\`\`\`\n${c.exit.tail.slice(-1_500)}\n\`\`\``);
  for (const f of r.fatalLines.slice(0, 5)) lines.push(`- fatal log line from ${f.part}: \`${f.line.slice(0, 600)}\``);
  return lines;
}

/** Appends the report to the results file (created with a heading the first time). */
export function appendResults(file: string, lines: readonly string[]): void {
  mkdirSync(path.dirname(file), { recursive: true });
  if (!existsSync(file)) {
    writeFileSync(
      file,
      '# Chaos run results\n\n' +
        'Appended by `npm run chaos` (src/chaos): conversations driven through the public API while processes\n' +
        'are killed and Creatio misbehaves, then our database compared with the simulated Creatio.\n',
    );
  }
  appendFileSync(file, '\n' + lines.join('\n') + '\n');
}

export function faultRows(injected: (k: CountedKind) => number, hits: Partial<Record<FaultKind, number>>): RunReport['faults'] {
  const kinds: CountedKind[] = [
    'worker_sigkill',
    'temporal_restart',
    'api_restart',
    'creatio_outage',
    'rate_limited',
    'slow_responses',
    'commit_then_timeout',
    'token_expiry',
    'case_deleted',
    'case_closed',
  ];
  return kinds.map((kind) => ({ kind, injected: injected(kind), hits: kind in hits ? hits[kind as FaultKind] : undefined }));
}
