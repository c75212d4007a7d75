// Initial schema. Migrations are TypeScript modules so the build ships them with the code.
export const sql = `
-- Connections: one Creatio connection per organisation.
CREATE TABLE connections (
  org_id              text PRIMARY KEY,
  instance_url        text NOT NULL,
  token_url           text,
  odata_base_path     text NOT NULL DEFAULT '/0/odata',
  client_id           text NOT NULL,
  -- AES-256-GCM ciphertext of the client secret, with the ID of the key that made it.
  -- NULL once disconnected.
  secret_ciphertext   text,
  secret_key_id       text,
  -- Bumped on every credentials change; token caches are keyed by it.
  credentials_version integer NOT NULL DEFAULT 1,
  owner_id            uuid,
  group_id            uuid,
  resolved_status_id  uuid,
  handoff_only        boolean NOT NULL DEFAULT false,
  status              text NOT NULL DEFAULT 'active',
  status_reason       text,
  status_changed_at   timestamptz NOT NULL DEFAULT now(),
  last_verified_at    timestamptz,
  last_error          text,
  lookups             jsonb,
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now()
);

-- One row per conversation: the case it maps to and where its sync stands.
CREATE TABLE conversations (
  org_id          text NOT NULL,
  conversation_id text NOT NULL,
  last_seq        integer NOT NULL DEFAULT 0,
  -- Highest seq such that every seq 1..n is stored (the sync never skips a gap silently).
  contiguous_seq  integer NOT NULL DEFAULT 0,
  -- Highest seq successfully signalled to the workflow.
  signalled_seq   integer NOT NULL DEFAULT 0,
  synced_seq      integer NOT NULL DEFAULT 0,
  case_id         uuid,
  case_number     text,
  sync_state      text NOT NULL DEFAULT 'pending',
  sync_reason     text,
  customer        jsonb,
  resolved_at     timestamptz,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, conversation_id)
);
CREATE INDEX conversations_case_idx ON conversations (case_id) WHERE case_id IS NOT NULL;
CREATE INDEX conversations_unsignalled_idx ON conversations (org_id) WHERE signalled_seq < contiguous_seq;

-- Every event as received, in per-conversation sequence order.
CREATE TABLE events (
  org_id          text NOT NULL,
  conversation_id text NOT NULL,
  seq             integer NOT NULL,
  event_id        text NOT NULL,
  type            text NOT NULL,
  payload         jsonb NOT NULL,
  received_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, conversation_id, seq),
  UNIQUE (org_id, conversation_id, event_id)
);
`;
