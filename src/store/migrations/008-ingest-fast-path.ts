// Raised by the one-statement ingest (src/store/events-repo.ts) when an event
// of the request is already stored: the statement is undone and the request
// goes the transaction way, which handles duplicates and conflicts.
export const sql = `
CREATE FUNCTION ingest_events_already_stored() RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  RAISE EXCEPTION 'an event of the request is already stored' USING ERRCODE = 'EVDUP';
END $$;
`;
