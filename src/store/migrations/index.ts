import * as m001 from './001-initial';
import * as m002 from './002-case-link';
import * as m003 from './003-two-way-sync';
import * as m004 from './004-connection-audit';
import * as m005 from './005-case-lifecycle';
import * as m006 from './006-case-trigger';
import * as m007 from './007-ai-fields';
import * as m008 from './008-ingest-fast-path';
import * as m009 from './009-write-in-flight';

/** Every migration, in the order it must be applied. Append only; never edit an applied one. */
export const migrations: ReadonlyArray<{ name: string; sql: string }> = [
  { name: '001-initial', sql: m001.sql },
  { name: '002-case-link', sql: m002.sql },
  { name: '003-two-way-sync', sql: m003.sql },
  { name: '004-connection-audit', sql: m004.sql },
  { name: '005-case-lifecycle', sql: m005.sql },
  { name: '006-case-trigger', sql: m006.sql },
  { name: '007-ai-fields', sql: m007.sql },
  { name: '008-ingest-fast-path', sql: m008.sql },
  { name: '009-write-in-flight', sql: m009.sql },
];
