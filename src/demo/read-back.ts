import { createCreatioClient, lookupEq, TokenCache, type CreatioClient } from '../creatio';
import type { ReplayPlan } from './replay';

/**
 * Reads what Creatio holds for each sample back over OData, with the
 * project's own Creatio client and a separate read-only OAuth client of the
 * simulator: the verdict rests on what a Creatio user would see, not on our
 * database or the simulator's in-process tables.
 */
export interface ReadCase {
  id: string;
  number: string;
  subject: string;
  statusId: string;
  statusName: string;
  /** Columns the sample's handoff filled through AI fields: lookups by their Name, others as text. */
  aiFields: Record<string, string>;
  activities: ReadActivity[];
}

export interface ReadActivity {
  id: string;
  title: string;
  notes: string;
  startDate: string;
}

export interface Credentials {
  instanceUrl: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
}

const PAGE = 500;

export function openReader(creds: Credentials): CreatioClient {
  return createCreatioClient({ cacheKey: `demo-read-back:${creds.clientId}`, ...creds }, { tokenCache: new TokenCache(), timeoutMs: 15_000 });
}

/** Every case in Creatio that belongs to the conversation (there must be at most one). */
export async function readConversationCases(creatio: CreatioClient, plan: ReplayPlan): Promise<ReadCase[]> {
  // The case text names its conversation; the demo's conversation IDs never contain quotes.
  const filter = `contains(Symptoms,'Conversation: ${plan.example.conversationId}')`;
  const aiColumns = Object.keys(aiFieldsOf(plan));
  const aiLookups = aiColumns.filter((c) => c.endsWith('Id')).map((c) => c.slice(0, -2));
  const { value } = await creatio.query('Case', {
    filter,
    select: ['Id', 'Number', 'Subject', 'StatusId', ...aiColumns],
    expand: ['Status($select=Name)', ...aiLookups.map((nav) => `${nav}($select=Name)`)],
    orderby: ['CreatedOn'],
  });
  const cases: ReadCase[] = [];
  for (const row of value) {
    const id = String(row.Id);
    cases.push({
      id,
      number: String(row.Number ?? ''),
      subject: String(row.Subject ?? ''),
      statusId: String(row.StatusId ?? ''),
      statusName: nameOf(row.Status),
      aiFields: Object.fromEntries(aiColumns.map((c) => [c, c.endsWith('Id') ? nameOf(row[c.slice(0, -2)]) : String(row[c] ?? '')])),
      activities: await readActivities(creatio, id),
    });
  }
  return cases;
}

function aiFieldsOf(plan: ReplayPlan): Record<string, unknown> {
  for (const e of plan.events) if (e.spec.type === 'handoff' && e.spec.aiFields) return e.spec.aiFields;
  return {};
}

/** Name of an expanded lookup ('?' when empty). */
function nameOf(expanded: unknown): string {
  return typeof expanded === 'object' && expanded !== null && 'Name' in expanded ? String(expanded.Name) : '?';
}

/** All activities of a case, oldest first, a page at a time. */
async function readActivities(creatio: CreatioClient, caseId: string): Promise<ReadActivity[]> {
  const out: ReadActivity[] = [];
  for (let skip = 0; ; skip += PAGE) {
    const { value } = await creatio.query('Activity', {
      filter: lookupEq('Case', caseId),
      select: ['Id', 'Title', 'Notes', 'StartDate'],
      orderby: ['StartDate', 'CreatedOn'],
      top: PAGE,
      skip,
    });
    for (const row of value) {
      out.push({ id: String(row.Id), title: String(row.Title ?? ''), notes: String(row.Notes ?? ''), startDate: String(row.StartDate ?? '') });
    }
    if (value.length < PAGE) return out;
  }
}
