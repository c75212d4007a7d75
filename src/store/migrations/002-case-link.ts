// Whether the case's first activity (the link back to the conversation) is written,
// so a case created in an attempt that failed right after still gets it.
export const sql = `
ALTER TABLE conversations ADD COLUMN case_link_written boolean NOT NULL DEFAULT false;
`;
