// Connection admin flow: an audit trail of settings changes and the last
// Test & Save checklist (so the settings page can show its warnings again).
export const sql = `
CREATE TABLE connection_audit (
  id          bigserial PRIMARY KEY,
  org_id      text NOT NULL,
  at          timestamptz NOT NULL DEFAULT now(),
  -- connected | updated | verified | disconnected | secret_reencrypted | status_changed
  action      text NOT NULL,
  -- Who did it, as told by the caller (x-actor header); 'system' for the service itself.
  actor       text,
  -- [{field, old, new}] for ordinary fields; [{field: 'clientSecret', changed: true}] for the secret.
  changes     jsonb NOT NULL DEFAULT '[]',
  credentials_version integer
);
CREATE INDEX connection_audit_org_idx ON connection_audit (org_id, id DESC);

ALTER TABLE connections ADD COLUMN last_checklist jsonb;
`;
