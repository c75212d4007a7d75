import type { IdleResult, PhaseResult } from './results';

/**
 * The targets, checked against the figures of a run (never as timed
 * test assertions). A target the run has no figure for is "n/a".
 */
export interface TargetCheck {
  target: string;
  figure: string;
  verdict: 'pass' | 'FAIL' | 'n/a';
}

export interface ScenarioResults {
  ours: PhaseResult;
  floor?: PhaseResult;
  naive?: PhaseResult;
}

export interface TokenFigures {
  total: number;
  connections: number;
  workers: number;
  seconds: number;
  lifetimeSeconds: number;
}

const verdict = (ok: boolean): 'pass' | 'FAIL' => (ok ? 'pass' : 'FAIL');
const f2 = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : 'n/a');

export function eventsPerMessage(p: PhaseResult): number {
  return p.history && p.history.workflows > 0 ? p.history.events / p.history.workflows / p.spec.messages : NaN;
}

export function checkTargets(scenarios: ScenarioResults[], probe: PhaseResult[], tokens: TokenFigures, idle?: IdleResult): TargetCheck[] {
  const checks: TargetCheck[] = [];

  // History events per message, on 200-message conversations (the probe), else on the main scenarios.
  for (const [mode, pattern] of [['every', 'bursts'], ['handoff-only', 'bursts'], ['handoff-only', 'spaced']] as const) {
    const p = probe.find((r) => r.spec.mode === mode && r.spec.pattern === pattern) ?? scenarios.find((s) => s.ours.spec.mode === mode && s.ours.spec.pattern === pattern)?.ours;
    const label = `history events per message ≤ 4, ${mode} ${pattern}`;
    if (!p) {
      checks.push({ target: label, figure: 'not run', verdict: 'n/a' });
      continue;
    }
    const v = eventsPerMessage(p);
    checks.push({ target: `${label} (${p.spec.messages} messages${p.spec.messages === 200 ? '' : '; target is stated for 200'})`, figure: f2(v), verdict: verdict(v <= 4) });
  }

  const lifetimes = Math.max(1, Math.ceil(tokens.seconds / tokens.lifetimeSeconds));
  const allowed = tokens.connections * lifetimes * tokens.workers;
  checks.push({
    target: 'token requests: 1 per connection per token lifetime per worker process',
    figure: `${tokens.total} for ${tokens.connections} connections × ${lifetimes} lifetime(s) × ${tokens.workers} worker`,
    verdict: verdict(tokens.total <= allowed),
  });

  for (const s of scenarios.filter((x) => x.ours.spec.mode === 'handoff-only')) {
    const c = s.ours.creatio;
    const applies = s.ours.spec.messages + 1 <= 98;
    checks.push({
      target: `handoff-only conversation of ≤ 98 events (messages + handoff) in ≤ 3 Creatio requests incl. the resolve, ${s.ours.spec.pattern}`,
      figure: c ? `max ${c.perConversationMax}, mean ${f2(c.perConversationMean)} per conversation (M=${s.ours.spec.messages}; tokens and one-off lookup reads excluded)` : 'n/a',
      verdict: !c || !applies ? 'n/a' : verdict(c.perConversationMax <= 3),
    });
  }
  for (const p of probe.filter((x) => x.spec.mode === 'handoff-only')) {
    const c = p.creatio;
    checks.push({ target: `handoff-only ${p.spec.pattern}, ${p.spec.messages} messages: Creatio requests (for reference; > 98 events needs more batches)`, figure: c ? `${c.perConversationMax}` : 'n/a', verdict: 'n/a' });
  }

  const spaced = scenarios.find((s) => s.ours.spec.mode === 'every' && s.ours.spec.pattern === 'spaced')?.ours;
  checks.push({
    target: 'spaced messages: at most one Creatio request each (writes, every conversation)',
    figure: spaced?.creatio ? `${f2(spaced.creatio.writeRequestsPerMessage)} requests per message` : 'not run',
    verdict: spaced?.creatio ? verdict(spaced.creatio.writeRequestsPerMessage <= 1) : 'n/a',
  });

  for (const s of scenarios) {
    if (!s.floor) continue;
    const thr = s.ours.convPerSec / s.floor.convPerSec;
    checks.push({ target: `throughput ≥ 70% of the Temporal floor, ${s.ours.scenario}`, figure: `${(thr * 100).toFixed(0)}% (${f2(s.ours.convPerSec)} vs ${f2(s.floor.convPerSec)} conv/s)`, verdict: verdict(thr >= 0.7) });
    const lat = s.ours.latency.p99 / s.floor.latency.p99;
    checks.push({ target: `p99 latency ≤ 2× the floor's, ${s.ours.scenario}`, figure: `${f2(lat)}× (${s.ours.latency.p99} vs ${s.floor.latency.p99} ms)`, verdict: verdict(lat <= 2) });
  }

  if (idle) {
    checks.push({
      target: `${idle.conversations} open idle conversations: no errors (RSS stated, cache ${idle.cache})`,
      figure: `${idle.errors} errors; RSS ${idle.rssAfterSettleMiB.toFixed(0)} MiB after settling, peak ${idle.rssPeakMiB.toFixed(0)} MiB`,
      verdict: verdict(idle.errors === 0 && idle.completed === idle.conversations),
    });
  }
  return checks;
}
