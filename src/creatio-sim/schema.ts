/**
 * Entity schemas the simulator serves: columns, types, max lengths and lookups
 * (foreign keys), following creatio-api.md section 3. Anything not listed here is
 * an unknown column and is rejected, as Creatio rejects it.
 */
import { ENTITY_NAMES, type EntityName } from './types';

export type ColumnType = 'Guid' | 'String' | 'Text' | 'DateTime' | 'Boolean' | 'Int';

export interface ColumnDef {
  name: string;
  type: ColumnType;
  /** Max characters for String columns (varchar(n)); Text columns are unlimited. */
  maxLength?: number;
  /** Foreign key target. Absent on Guid columns that reference nothing we simulate. */
  lookup?: EntityName;
  /** OData navigation property name for lookups: the column name without "Id". */
  navigation?: string;
  /** Whether JSON null is accepted (non-nullable Boolean/Int columns reject it). */
  nullable: boolean;
}

export interface EntityDef {
  name: EntityName;
  /** Database table name used in database-like error texts. */
  table: string;
  columns: ReadonlyMap<string, ColumnDef>;
  columnList: readonly ColumnDef[];
  /** Navigation property name -> its lookup column. */
  navigations: ReadonlyMap<string, ColumnDef>;
}

/** Namespace of entity types in error texts and $metadata. [INFERRED] */
export const ODATA_NAMESPACE = 'Terrasoft.Configuration';

/** Creatio's standard string sizes (MediumText 250, LongText 500). */
const MEDIUM = 250;
const LONG = 500;

const guid = (name: string): ColumnDef => ({ name, type: 'Guid', nullable: true });
const lookup = (name: string, target: EntityName): ColumnDef => ({
  name,
  type: 'Guid',
  lookup: target,
  navigation: name.endsWith('Id') ? name.slice(0, -2) : name,
  nullable: true,
});
const str = (name: string, maxLength: number): ColumnDef => ({ name, type: 'String', maxLength, nullable: true });
const text = (name: string): ColumnDef => ({ name, type: 'Text', nullable: true });
const date = (name: string): ColumnDef => ({ name, type: 'DateTime', nullable: true });
const bool = (name: string): ColumnDef => ({ name, type: 'Boolean', nullable: false });
const int = (name: string): ColumnDef => ({ name, type: 'Int', nullable: false });

/** Columns every Creatio entity has. */
const system = (): ColumnDef[] => [
  date('CreatedOn'),
  lookup('CreatedById', 'Contact'),
  date('ModifiedOn'),
  lookup('ModifiedById', 'Contact'),
  int('ProcessListeners'),
];

/** Base lookup columns (Id, Name, Description). */
const lookupBase = (): ColumnDef[] => [
  { name: 'Id', type: 'Guid', nullable: false },
  str('Name', MEDIUM),
  str('Description', MEDIUM),
];

const id = (): ColumnDef => ({ name: 'Id', type: 'Guid', nullable: false });

const definitions: Record<EntityName, ColumnDef[]> = {
  Case: [
    id(),
    str('Number', MEDIUM),
    str('Subject', LONG),
    text('Symptoms'),
    date('RegisteredOn'),
    lookup('StatusId', 'CaseStatus'),
    lookup('PriorityId', 'CasePriority'),
    lookup('OriginId', 'CaseOrigin'),
    lookup('ContactId', 'Contact'),
    lookup('AccountId', 'Account'),
    lookup('OwnerId', 'Contact'),
    lookup('GroupId', 'SysAdminUnit'),
    lookup('CategoryId', 'CaseCategory'),
    lookup('ParentCaseId', 'Case'),
    text('Notes'),
    text('Solution'),
    date('SolutionProvidedOn'),
    date('FirstSolutionProvidedOn'),
    date('ClosureDate'),
    date('ResponseDate'),
    date('SolutionDate'),
    bool('ResponseOverdue'),
    bool('SolutionOverdue'),
    // Lookups to tables the simulator does not model: accepted, not checked.
    guid('SupportLevelId'),
    guid('ServiceItemId'),
    guid('ServicePactId'),
    guid('ClosureCodeId'),
    guid('SatisfactionLevelId'),
    text('SatisfactionLevelComment'),
    ...system(),
  ],
  Activity: [
    id(),
    str('Title', LONG),
    lookup('TypeId', 'ActivityType'),
    lookup('ActivityCategoryId', 'ActivityCategory'),
    lookup('StatusId', 'ActivityStatus'),
    date('StartDate'),
    date('DueDate'),
    lookup('OwnerId', 'Contact'),
    lookup('AuthorId', 'Contact'),
    lookup('ContactId', 'Contact'),
    lookup('AccountId', 'Account'),
    lookup('CaseId', 'Case'),
    text('Body'),
    text('Notes'),
    text('DetailedResult'),
    str('Sender', LONG),
    text('Recepient'),
    guid('MessageTypeId'),
    guid('ResultId'),
    str('PhoneNumber', MEDIUM),
    ...system(),
  ],
  Contact: [
    id(),
    str('Name', MEDIUM),
    str('GivenName', MEDIUM),
    str('Surname', MEDIUM),
    str('Email', MEDIUM),
    str('Phone', MEDIUM),
    str('MobilePhone', MEDIUM),
    lookup('AccountId', 'Account'),
    lookup('TypeId', 'ContactType'),
    ...system(),
  ],
  Account: [
    id(),
    str('Name', MEDIUM),
    lookup('OwnerId', 'Contact'),
    lookup('PrimaryContactId', 'Contact'),
    str('Phone', MEDIUM),
    str('Web', MEDIUM),
    ...system(),
  ],
  CaseStatus: [
    ...lookupBase(),
    bool('IsFinal'),
    bool('IsResolved'),
    bool('IsPaused'),
    str('StatusColor', 50),
    ...system(),
  ],
  CasePriority: [...lookupBase(), ...system()],
  CaseOrigin: [...lookupBase(), ...system()],
  CaseCategory: [...lookupBase(), ...system()],
  ActivityType: [...lookupBase(), ...system()],
  ActivityCategory: [...lookupBase(), lookup('ActivityTypeId', 'ActivityType'), ...system()],
  ActivityStatus: [...lookupBase(), bool('Finish'), ...system()],
  ContactType: [...lookupBase(), ...system()],
  SysAdminUnit: [
    ...lookupBase(),
    int('SysAdminUnitTypeValue'),
    lookup('ContactId', 'Contact'),
    lookup('ParentRoleId', 'SysAdminUnit'),
    bool('Active'),
    ...system(),
  ],
  SocialMessage: [
    id(),
    guid('EntitySchemaUId'),
    guid('EntityId'),
    text('Message'),
    lookup('ParentId', 'SocialMessage'),
    ...system(),
  ],
};

function build(name: EntityName, columnList: ColumnDef[]): EntityDef {
  const columns = new Map(columnList.map((c) => [c.name, c]));
  const navigations = new Map<string, ColumnDef>();
  for (const c of columnList) if (c.navigation) navigations.set(c.navigation, c);
  return { name, table: name, columns, columnList, navigations };
}

export const SCHEMA: ReadonlyMap<EntityName, EntityDef> = new Map(
  ENTITY_NAMES.map((n) => [n, build(n, definitions[n])]),
);

export function entityDef(name: EntityName): EntityDef {
  const def = SCHEMA.get(name);
  if (!def) throw new Error(`no schema for ${name}`);
  return def;
}

/** Every (entity, column) whose lookup points at `target`; used for delete checks. */
export function referencesTo(target: EntityName): Array<{ entity: EntityName; column: ColumnDef }> {
  const out: Array<{ entity: EntityName; column: ColumnDef }> = [];
  for (const def of SCHEMA.values()) {
    for (const c of def.columnList) if (c.lookup === target) out.push({ entity: def.name, column: c });
  }
  return out;
}

export function edmType(type: ColumnType): string {
  switch (type) {
    case 'Guid':
      return 'Edm.Guid';
    case 'String':
    case 'Text':
      return 'Edm.String';
    case 'DateTime':
      return 'Edm.DateTimeOffset';
    case 'Boolean':
      return 'Edm.Boolean';
    case 'Int':
      return 'Edm.Int32';
  }
}

export function qualifiedTypeName(entity: EntityName): string {
  return `${ODATA_NAMESPACE}.${entity}`;
}

/** Columns the server sets itself; clients may still send them (Creatio accepts it, creatio-api.md 2.2). */
export const SYSTEM_COLUMNS = new Set(['CreatedOn', 'CreatedById', 'ModifiedOn', 'ModifiedById']);
