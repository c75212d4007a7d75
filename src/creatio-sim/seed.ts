/**
 * Stock rows a fresh Creatio instance has (creatio-api.md 3, stock GUIDs from
 * src/creatio/stock.ts), plus the few the reference gives no GUID for: those use
 * fixed simulator GUIDs (SIM_IDS), so tests can rely on them but must not treat
 * them as Creatio's.
 */
import {
  ALL_EMPLOYEES_ROLE_ID,
  ActivityCategory,
  ActivityStatus,
  ActivityType,
  CaseCategory,
  CaseOrigin,
  CasePriority,
  CaseStatus,
  ContactType,
  FIRST_LINE_SUPPORT_GROUP_ID,
  SUPERVISOR_CONTACT_ID,
} from '../creatio/stock';
import { entityDef } from './schema';
import type { Store } from './store';
import type { EntityName } from './types';
import { emptyValue, type StoredRow, type StoredValue } from './values';

/** Simulator-only GUIDs (no stock value known). */
export const SIM_IDS = {
  casePriorityLow: '25132199-e87d-4828-9598-e05d80ff1385',
  caseOriginChat: '6e6e3d0a-f303-415e-aa41-36fb3300c3da',
  secondLineSupportGroup: '2233d481-7896-4426-b8de-9e4a5aec61ea',
  supervisorUser: '5997926f-a87e-4690-80e8-5ec96ca462a4',
  ourCompanyAccount: 'b10d7b21-25d8-4bf4-9b4c-2303b5947ff7',
  /** System-user contact of the standalone simulator's demo client. */
  demoClientUserContact: 'a97653a1-4102-40c4-8b30-dd7ba2b03eb1',
} as const;

/** SysAdminUnitTypeValue (creatio-api.md 3.7). */
export const SysAdminUnitType = {
  Organisation: 0,
  Department: 1,
  Manager: 2,
  Team: 3,
  User: 4,
  PortalUser: 5,
  FunctionalRole: 6,
} as const;

export function seedRow(entity: EntityName, values: Record<string, StoredValue>, at: number, by: string): StoredRow {
  const def = entityDef(entity);
  const row: StoredRow = {};
  for (const c of def.columnList) row[c.name] = emptyValue(c);
  Object.assign(row, { CreatedOn: at, ModifiedOn: at, CreatedById: by, ModifiedById: by }, values);
  return row;
}

export function seedStore(store: Store, options: { seedChatOrigin: boolean; now: number }): void {
  const at = options.now;
  const put = (entity: EntityName, values: Record<string, StoredValue>): void =>
    store.insert(entity, seedRow(entity, values, at, SUPERVISOR_CONTACT_ID));

  // The Supervisor first: every seeded row is "created by" it.
  put('Contact', { Id: SUPERVISOR_CONTACT_ID, Name: 'Supervisor', GivenName: 'Supervisor', TypeId: ContactType.Employee });
  put('ContactType', { Id: ContactType.Contact, Name: 'Contact person' });
  put('ContactType', { Id: ContactType.Client, Name: 'Customer' });
  put('ContactType', { Id: ContactType.Employee, Name: 'Employee' });

  put('Account', { Id: SIM_IDS.ourCompanyAccount, Name: 'Our company', OwnerId: SUPERVISOR_CONTACT_ID });

  const statuses: Array<[string, string, { IsFinal?: boolean; IsResolved?: boolean; IsPaused?: boolean }, string]> = [
    [CaseStatus.New, 'New', {}, '#0E84CF'],
    [CaseStatus.InProgress, 'In progress', {}, '#FFAC07'],
    [CaseStatus.WaitingForResponse, 'Waiting for response', { IsPaused: true }, '#A6DE00'],
    [CaseStatus.Resolved, 'Resolved', { IsResolved: true }, '#64B8DF'],
    [CaseStatus.Closed, 'Closed', { IsFinal: true }, '#8ECB60'],
    [CaseStatus.Canceled, 'Canceled', { IsFinal: true }, '#999999'],
    [CaseStatus.Reopened, 'Reopened', {}, '#F25C5C'],
  ];
  for (const [Id, Name, flags, StatusColor] of statuses) {
    put('CaseStatus', { Id, Name, IsFinal: false, IsResolved: false, IsPaused: false, ...flags, StatusColor });
  }

  put('CasePriority', { Id: SIM_IDS.casePriorityLow, Name: 'Low' });
  put('CasePriority', { Id: CasePriority.Medium, Name: 'Medium' });
  put('CasePriority', { Id: CasePriority.High, Name: 'High' });
  put('CasePriority', { Id: CasePriority.Critical, Name: 'Critical' });

  put('CaseOrigin', { Id: CaseOrigin.Email, Name: 'Email' });
  put('CaseOrigin', { Id: CaseOrigin.Portal, Name: 'Portal' });
  // CaseOriginDef; its name is probably "Call" (creatio-api.md 3.4 [INFERRED]).
  put('CaseOrigin', { Id: CaseOrigin.Default, Name: 'Call' });
  if (options.seedChatOrigin) put('CaseOrigin', { Id: SIM_IDS.caseOriginChat, Name: 'Chat' });

  put('CaseCategory', { Id: CaseCategory.Incident, Name: 'Incident' });
  put('CaseCategory', { Id: CaseCategory.ServiceRequest, Name: 'Service request' });

  put('ActivityType', { Id: ActivityType.Task, Name: 'Task' });
  put('ActivityType', { Id: ActivityType.Email, Name: 'Email' });
  put('ActivityType', { Id: ActivityType.Call, Name: 'Call' });
  put('ActivityType', { Id: ActivityType.Visit, Name: 'Visit' });

  put('ActivityCategory', { Id: ActivityCategory.ToDo, Name: 'To do', ActivityTypeId: ActivityType.Task });
  put('ActivityCategory', { Id: ActivityCategory.Email, Name: 'Email', ActivityTypeId: ActivityType.Email });
  put('ActivityCategory', { Id: ActivityCategory.Call, Name: 'Call', ActivityTypeId: ActivityType.Call });
  put('ActivityCategory', { Id: ActivityCategory.Meeting, Name: 'Meeting', ActivityTypeId: ActivityType.Visit });

  put('ActivityStatus', { Id: ActivityStatus.NotStarted, Name: 'Not started', Finish: false });
  put('ActivityStatus', { Id: ActivityStatus.InProgress, Name: 'In progress', Finish: false });
  put('ActivityStatus', { Id: ActivityStatus.Completed, Name: 'Completed', Finish: true });
  put('ActivityStatus', { Id: ActivityStatus.Canceled, Name: 'Canceled', Finish: true });

  put('SysAdminUnit', { Id: ALL_EMPLOYEES_ROLE_ID, Name: 'All employees', SysAdminUnitTypeValue: SysAdminUnitType.Organisation, Active: true });
  put('SysAdminUnit', {
    Id: FIRST_LINE_SUPPORT_GROUP_ID,
    Name: '1st-line support',
    SysAdminUnitTypeValue: SysAdminUnitType.Department,
    ParentRoleId: ALL_EMPLOYEES_ROLE_ID,
    Active: true,
  });
  put('SysAdminUnit', {
    Id: SIM_IDS.secondLineSupportGroup,
    Name: '2nd-line support',
    SysAdminUnitTypeValue: SysAdminUnitType.Department,
    ParentRoleId: ALL_EMPLOYEES_ROLE_ID,
    Active: true,
  });
  put('SysAdminUnit', {
    Id: SIM_IDS.supervisorUser,
    Name: 'Supervisor',
    SysAdminUnitTypeValue: SysAdminUnitType.User,
    ContactId: SUPERVISOR_CONTACT_ID,
    Active: true,
  });
}

/** The OAuth app's system user: a Contact plus a SysAdminUnit user (creatio-api.md 1.2). */
export function seedClientUser(store: Store, name: string, contactId: string, userId: string, now: number): void {
  store.insert('Contact', seedRow('Contact', { Id: contactId, Name: name, GivenName: name, TypeId: ContactType.Employee }, now, SUPERVISOR_CONTACT_ID));
  store.insert(
    'SysAdminUnit',
    seedRow('SysAdminUnit', { Id: userId, Name: name, SysAdminUnitTypeValue: SysAdminUnitType.User, ContactId: contactId, Active: true }, now, SUPERVISOR_CONTACT_ID),
  );
}
