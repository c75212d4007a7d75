// Two-way sync: webhook tokens, received webhooks, relayed agent replies and
// the outbox of events for the conversation platform.
export const sql = `
CREATE TABLE webhook_tokens (
  token_hash  text PRIMARY KEY,             -- sha256 of the token: lookups never compare the token itself
  org_id      text NOT NULL,
  token_sealed text NOT NULL,               -- AES-GCM sealed, so the URL can be shown to admins again
  token_key_id text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz                   -- set on rotation: the old token keeps working until then
);
CREATE INDEX webhook_tokens_org_idx ON webhook_tokens (org_id);

CREATE TABLE inbound_webhooks (
  id              bigserial PRIMARY KEY,
  org_id          text NOT NULL,
  received_at     timestamptz NOT NULL DEFAULT now(),
  kind            text NOT NULL,            -- agent_reply | case_status
  case_id         uuid NOT NULL,
  activity_id     uuid,
  conversation_id text,
  outcome         text NOT NULL,            -- signalled | unknown_case | conversation_ended | ...
  body            jsonb NOT NULL
);
CREATE INDEX inbound_webhooks_org_idx ON inbound_webhooks (org_id, received_at DESC);

-- Creatio activities seen on a case: relayed to the platform once, or skipped (ours, internal).
CREATE TABLE creatio_activities_seen (
  org_id          text NOT NULL,
  activity_id     uuid NOT NULL,
  conversation_id text NOT NULL,
  outcome         text NOT NULL,            -- relayed | own | not_a_reply
  seen_at         timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, activity_id)
);

CREATE TABLE outbound_events (
  id              uuid PRIMARY KEY,         -- UUIDv5 of the dedupe key: the platform de-duplicates on it
  org_id          text NOT NULL,
  conversation_id text,
  type            text NOT NULL,
  payload         jsonb NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  delivered_at    timestamptz,
  attempts        integer NOT NULL DEFAULT 0,
  last_error      text
);
CREATE INDEX outbound_events_pending_idx ON outbound_events (org_id, conversation_id, created_at) WHERE delivered_at IS NULL;

ALTER TABLE conversations
  ADD COLUMN creatio_seen_until timestamptz,    -- activities created before this were read (minus an overlap window)
  ADD COLUMN creatio_resolved_at timestamptz,   -- Creatio resolved/closed the case (relayed once)
  ADD COLUMN echo_activity_ids uuid[] NOT NULL DEFAULT '{}';

ALTER TABLE connections
  ADD COLUMN integration_user_id uuid,          -- Contact of the OAuth app's user, learned from our own records
  ADD COLUMN last_webhook_at timestamptz;
`;
