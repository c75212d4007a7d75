import * as m001 from './001-initial';

/** Every migration, in the order it must be applied. Append only; never edit an applied one. */
export const migrations: ReadonlyArray<{ name: string; sql: string }> = [{ name: '001-initial', sql: m001.sql }];
