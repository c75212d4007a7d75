import { Client, Connection, type DataConverter } from '@temporalio/client';

export interface TemporalClientOptions {
  address: string;
  namespace: string;
  /**
   * createDataConverter(codec) for every client that writes or reads payloads, or it writes
   * them in clear and cannot read what the worker encrypted. Absent: raw payloads.
   */
  dataConverter?: DataConverter;
}

/**
 * A Temporal client whose connection is made on first use, so the API starts
 * (and keeps storing events) while Temporal is down.
 */
export function createTemporalClient(opts: TemporalClientOptions): { client: Client; connection: Connection } {
  const connection = Connection.lazy({ address: opts.address });
  const client = new Client({ connection, namespace: opts.namespace, dataConverter: opts.dataConverter });
  return { client, connection };
}
