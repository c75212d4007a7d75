import { ValidationError } from '../../../src/creatio/errors';
import { and, buildQueryString, entityKeyPath, eq, ge, guid, lookupEq, or } from '../../../src/creatio/odata';

const ID = '7E9F1204-F46B-1410-FB9A-0050BA5D6C38';

describe('OData helpers', () => {
  it('writes keys as bare lower-case GUIDs', () => {
    expect(entityKeyPath('Case', ID)).toBe('Case(7e9f1204-f46b-1410-fb9a-0050ba5d6c38)');
    expect(() => entityKeyPath('Case', "guid'x'")).toThrow(ValidationError);
    expect(() => entityKeyPath('Case;drop', ID)).toThrow(ValidationError);
  });

  it('filters lookups through the navigation property, never a quoted GUID', () => {
    expect(lookupEq('Case', ID)).toBe('Case/Id eq 7e9f1204-f46b-1410-fb9a-0050ba5d6c38');
    expect(eq('StatusId', guid(ID))).toBe('StatusId eq 7e9f1204-f46b-1410-fb9a-0050ba5d6c38');
    expect(() => eq('CaseId', ID)).toThrow(/lookupEq/);
  });

  it('quotes strings with doubled apostrophes and leaves dates, numbers, booleans bare', () => {
    expect(eq('Number', "SR'1")).toBe("Number eq 'SR''1'");
    expect(ge('CreatedOn', new Date('2024-01-01T00:00:00Z'))).toBe('CreatedOn ge 2024-01-01T00:00:00.000Z');
    expect(and(eq('IsFinal', false), or(eq('Code', 3), eq('Name', null)))).toBe(
      '(IsFinal eq false) and ((Code eq 3) or (Name eq null))',
    );
  });

  it('builds encoded query strings and refuses a quoted-GUID filter written by hand', () => {
    const qs = buildQueryString({ filter: "Number eq 'SR 1&2'", select: ['Id', 'Number'], top: 1, skip: 0, orderby: ['CreatedOn', 'Id desc'], count: true });
    expect(qs).toBe("?$filter=Number%20eq%20'SR%201%262'&$select=Id,Number&$orderby=CreatedOn,Id%20desc&$top=1&$skip=0&$count=true");
    expect(buildQueryString({})).toBe('');
    expect(() => buildQueryString({ filter: `CaseId eq '${ID}'` })).toThrow(ValidationError);
    expect(() => buildQueryString({ filter: `Case/Id eq '${ID}'` })).toThrow(ValidationError);
    expect(() => buildQueryString({ top: -1 })).toThrow(ValidationError);
    expect(() => buildQueryString({ orderby: ['Id; drop'] })).toThrow(ValidationError);
  });
});
