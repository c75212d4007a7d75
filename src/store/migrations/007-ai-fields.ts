// What happened to the AI-filled case fields of the last handoff (columns and reasons only, no values).
export const sql = `
ALTER TABLE conversations ADD COLUMN ai_fields_report jsonb;
`;
