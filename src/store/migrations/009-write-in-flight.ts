// When a write to the case started (cleared when it records its result). A
// write reads what comes next as it finishes, so the API need not wake the
// workflow for events stored meanwhile (src/api/ingest.ts).
export const sql = `
ALTER TABLE conversations ADD COLUMN write_started_at timestamptz;
`;
