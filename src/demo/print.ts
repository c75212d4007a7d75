import { htmlToPlainText } from '../domain/content';
import { collapseWhitespace } from '../domain/content-text';
import type { OrgMode } from './examples';
import type { ActivityKind, ConversationReport } from './verify';

/**
 * Everything the demo prints about results: each case and its activities as
 * read back from Creatio, the Temporal UI links and the verdict. Pure string
 * building; main.ts decides where it goes.
 */
const KIND_LABEL: Record<ActivityKind, string> = {
  'session-link': 'link',
  'handoff-note': 'handoff',
  message: 'message',
  unexpected: 'UNEXPECTED',
};

export function modeLabel(mode: OrgMode): string {
  return mode === 'handoff-only' ? 'handoff only' : 'every conversation';
}

export function formatReport(r: ConversationReport, opts: { allActivities: boolean }): string[] {
  const ex = r.plan.example;
  const ok = r.problems.length === 0;
  const lines = [
    `${ok ? '✓' : '✗'} ${ex.file}: ${ex.title}`,
    `  org ${r.plan.orgId} (${modeLabel(ex.orgMode)}) · conversation ${ex.conversationId} · ${r.plan.events.length} events · state ${r.view?.state ?? 'unknown'}`,
  ];
  if (r.cases.length === 0) {
    lines.push(`  No case in Creatio${ex.expect.case ? '' : ' (as expected: closed without a handoff)'}`);
  }
  r.cases.forEach((c, caseIndex) => {
    lines.push(`  Case ${c.number} · status ${c.statusName} · subject "${clip(c.subject, 110)}"`);
    const ai = Object.entries(c.aiFields);
    if (ai.length > 0) lines.push(`  AI fields from the handoff: ${ai.map(([k, v]) => `${k} = ${v}`).join(', ')}`);
    const kinds = caseIndex === 0 ? r.kinds : [];
    const shown = pickShown(c.activities.length, opts.allActivities);
    let previous = -1;
    for (const i of shown) {
      if (i !== previous + 1) lines.push(`       … ${i - previous - 1} more activities (--all-activities lists them) …`);
      previous = i;
      const a = c.activities[i]!;
      const kind = kinds[i] ? KIND_LABEL[kinds[i]!] : '';
      const firstLine = firstLineOf(a.notes);
      lines.push(`    ${String(i + 1).padStart(3)}. ${kind.padEnd(10)} ${clip(a.title, 100)}`);
      if (firstLine && firstLine !== collapseWhitespace(a.title)) lines.push(`${' '.repeat(20)}│ ${clip(firstLine, 100)}`);
    }
  });
  if (ok) {
    lines.push(
      ex.expect.case
        ? `  ✓ ${r.messagesFound} of ${r.messagesExpected} messages, each exactly once, in order${ex.expect.finalState === 'resolved' ? '; status Resolved' : ''}`
        : '  ✓ no case, as expected',
    );
  } else {
    for (const p of r.problems) lines.push(`  ✗ ${p}`);
  }
  return lines;
}

/** Long cases: the first and last few activities, unless all were asked for. */
function pickShown(count: number, all: boolean): number[] {
  const indexes = Array.from({ length: count }, (_v, i) => i);
  if (all || count <= 14) return indexes;
  return [...indexes.slice(0, 8), ...indexes.slice(count - 4)];
}

function firstLineOf(html: string): string {
  const text = htmlToPlainText(html);
  const line = text.split('\n').find((l) => l.trim() !== '') ?? '';
  return collapseWhitespace(line);
}

function clip(s: string, max: number): string {
  const one = collapseWhitespace(s);
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

export function temporalUiLink(uiUrl: string, namespace: string, orgId: string): string {
  return `${uiUrl}/namespaces/${encodeURIComponent(namespace)}/workflows?query=${encodeURIComponent(`CreatioOrgId="${orgId}"`)}`;
}

export function formatVerdict(reports: readonly ConversationReport[]): { ok: boolean; lines: string[] } {
  const failed = reports.filter((r) => r.problems.length > 0);
  if (failed.length === 0) {
    const cases = reports.reduce((n, r) => n + r.cases.length, 0);
    const messages = reports.reduce((n, r) => n + r.messagesFound, 0);
    const noCase = reports.filter((r) => !r.plan.example.expect.case).length;
    const resolved = reports.filter((r) => r.plan.example.expect.finalState === 'resolved' && r.plan.example.expect.case).length;
    return {
      ok: true,
      lines: [
        `PASS: ${reports.length} conversations verified over OData: ${cases} cases, ${messages} messages each present exactly once and in order;` +
          ` ${resolved} resolved cases have status Resolved; ${noCase} conversation${noCase === 1 ? '' : 's'} closed without handoff ha${noCase === 1 ? 's' : 've'} no case.`,
      ],
    };
  }
  const lines = [`FAIL: ${failed.length} of ${reports.length} conversations are not as expected in Creatio:`];
  for (const r of failed) {
    lines.push(`  ${r.plan.example.file} (conversation ${r.plan.example.conversationId}, org ${r.plan.orgId}):`);
    for (const p of r.problems) lines.push(`    - ${p}`);
  }
  return { ok: false, lines };
}
