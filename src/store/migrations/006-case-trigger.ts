// The event that made us create the case: a handoff that did gets no separate
// handoff note (its summary is in the case), even when written in a later batch.
export const sql = `
ALTER TABLE conversations ADD COLUMN case_trigger_seq integer;
`;
