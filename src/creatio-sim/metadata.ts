/**
 * Service document and CSDL $metadata generated from the schema, so a client can
 * check which columns exist the way creatio-api.md 3 recommends.
 */
import { ODATA_NAMESPACE, SCHEMA, edmType } from './schema';

export function serviceDocument(odataUrl: string): Record<string, unknown> {
  return {
    '@odata.context': `${odataUrl}/$metadata`,
    value: [...SCHEMA.keys()].map((name) => ({ name, kind: 'EntitySet', url: name })),
  };
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');
}

export function metadataXml(): string {
  const types: string[] = [];
  const sets: string[] = [];
  for (const def of SCHEMA.values()) {
    const props = def.columnList.map((c) => {
      const attrs = [`Name="${esc(c.name)}"`, `Type="${edmType(c.type)}"`];
      if (!c.nullable) attrs.push('Nullable="false"');
      if (c.type === 'String' && c.maxLength !== undefined) attrs.push(`MaxLength="${c.maxLength}"`);
      return `        <Property ${attrs.join(' ')} />`;
    });
    const navs = def.columnList
      .filter((c) => c.lookup && c.navigation)
      .map(
        (c) =>
          `        <NavigationProperty Name="${esc(c.navigation as string)}" Type="${ODATA_NAMESPACE}.${c.lookup}">\n` +
          `          <ReferentialConstraint Property="${esc(c.name)}" ReferencedProperty="Id" />\n` +
          `        </NavigationProperty>`,
      );
    types.push(
      `      <EntityType Name="${def.name}">\n        <Key>\n          <PropertyRef Name="Id" />\n        </Key>\n${[...props, ...navs].join('\n')}\n      </EntityType>`,
    );
    const bindings = def.columnList
      .filter((c) => c.lookup && c.navigation)
      .map((c) => `          <NavigationPropertyBinding Path="${esc(c.navigation as string)}" Target="${c.lookup}" />`);
    sets.push(
      `        <EntitySet Name="${def.name}" EntityType="${ODATA_NAMESPACE}.${def.name}">\n${bindings.join('\n')}\n        </EntitySet>`,
    );
  }
  return (
    '<?xml version="1.0" encoding="utf-8"?>\n' +
    '<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">\n' +
    '  <edmx:DataServices>\n' +
    `    <Schema Namespace="${ODATA_NAMESPACE}" xmlns="http://docs.oasis-open.org/odata/ns/edm">\n` +
    `${types.join('\n')}\n` +
    '      <EntityContainer Name="Container">\n' +
    `${sets.join('\n')}\n` +
    '      </EntityContainer>\n' +
    '    </Schema>\n' +
    '  </edmx:DataServices>\n' +
    '</edmx:Edmx>\n'
  );
}
