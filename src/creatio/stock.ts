/**
 * Stock Creatio GUIDs and schema UIds (creatio-api.md section 3). Instances can
 * rename or replace lookups, so the sync resolves lookups by name and uses these
 * only as the simulator's seed and as last-resort fallbacks.
 */
export const CASE_ENTITY_SCHEMA_UID = '117d32f9-8275-4534-8411-1c66115ce9cd';
export const EMPTY_GUID = '00000000-0000-0000-0000-000000000000';

export const CaseStatus = {
  New: 'ae5f2f10-f46b-1410-fd9a-0050ba5d6c38',
  InProgress: '7e9f1204-f46b-1410-fb9a-0050ba5d6c38',
  WaitingForResponse: '3859c6e7-cbcb-486b-ba53-77808fe6e593',
  Resolved: 'ae7f411e-f46b-1410-009b-0050ba5d6c38',
  Closed: '3e7f420c-f46b-1410-fc9a-0050ba5d6c38',
  Canceled: '6e5f4218-f46b-1410-fe9a-0050ba5d6c38',
  Reopened: 'f063ebbe-fdc6-4982-8431-d8cfa52fedcf',
} as const;

export const CasePriority = {
  Medium: 'd9bd322c-f46b-1410-ee8c-0050ba5d6c38',
  High: '8b700f24-f46b-1410-ee8c-0050ba5d6c38',
  Critical: 'afb33208-f46b-1410-ec8c-0050ba5d6c38',
} as const;

export const CaseOrigin = {
  Email: '7f9e1f1e-f46b-1410-3492-0050ba5d6c38',
  Portal: 'debf4124-f46b-1410-3592-0050ba5d6c38',
  /** CaseOriginDef, Creatio's default origin (probably "Call"). */
  Default: '5e5e202a-f46b-1410-3692-0050ba5d6c38',
} as const;

export const CaseCategory = {
  Incident: '1b0bc159-150a-e111-a31b-00155d04c01d',
  ServiceRequest: '1c0bc159-150a-e111-a31b-00155d04c01d',
} as const;

export const ActivityType = {
  Task: 'fbe0acdc-cfc0-df11-b00f-001d60e938c6',
  Email: 'e2831dec-cfc0-df11-b00f-001d60e938c6',
  Call: 'e1831dec-cfc0-df11-b00f-001d60e938c6',
  Visit: 'e3831dec-cfc0-df11-b00f-001d60e938c6',
} as const;

export const ActivityCategory = {
  ToDo: 'f51c4643-58e6-df11-971b-001d60e938c6',
  Email: '8038a396-7825-e011-8165-00155d043204',
  Call: 'e52bd583-7825-e011-8165-00155d043204',
  Meeting: '42c74c49-58e6-df11-971b-001d60e938c6',
} as const;

export const ActivityStatus = {
  NotStarted: '384d4b84-58e6-df11-971b-001d60e938c6',
  InProgress: '394d4b84-58e6-df11-971b-001d60e938c6',
  Completed: '4bdbb88f-58e6-df11-971b-001d60e938c6',
  Canceled: '201cfba8-58e6-df11-971b-001d60e938c6',
} as const;

export const ContactType = {
  Contact: '806732ee-f36b-1410-a883-16d83cab0980',
  Client: '00783ef6-f36b-1410-a883-16d83cab0980',
  Employee: '60733efc-f36b-1410-a883-16d83cab0980',
} as const;

/** The Supervisor user's contact. */
export const SUPERVISOR_CONTACT_ID = '410006e1-ca4e-4502-a9ec-e54d922d2c00';
/** SysAdminUnit role "1st-line support", stock CaseGroupDef. */
export const FIRST_LINE_SUPPORT_GROUP_ID = 'b5d51a2d-c0dd-477b-b2aa-58034367ba26';
/** SysAdminUnit "All employees" (organisation), target of stock default settings. */
export const ALL_EMPLOYEES_ROLE_ID = 'a29a3ba5-4b0d-de11-9a51-005056c00008';
