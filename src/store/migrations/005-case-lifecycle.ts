// What we know of the case's status in Creatio, and replacement cases (the
// first was deleted in Creatio, or closed and the policy opens a new one).
export const sql = `
ALTER TABLE conversations
  ADD COLUMN creatio_case_status text NOT NULL DEFAULT 'open',   -- open | resolved | final
  ADD COLUMN case_generation integer NOT NULL DEFAULT 1,
  ADD COLUMN previous_case_number text,
  ADD COLUMN previous_case_reason text,                          -- deleted | closed
  DROP COLUMN echo_activity_ids;
`;
