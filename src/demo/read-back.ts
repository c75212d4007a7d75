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
  const { value } = await creatio.query('Case', {
    filter,
    select: ['Id', 'Number', 'Subject', 'StatusId'],
    expand: ['Status($select=Name)'],
    orderby: ['CreatedOn'],
  });
  const cases: ReadCase[] = [];
  for (const row of value) {
    const id = String(row.Id);
    const status = row.Status;
    cases.push({
      id,
      number: String(row.Number ?? ''),
      subject: String(row.Subject ?? ''),
      statusId: String(row.StatusId ?? ''),
      statusName: typeof status === 'object' && status !== null && 'Name' in status ? String(status.Name) : '?',
      activities: await readActivities(creatio, id),
    });
  }
  return cases;
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
