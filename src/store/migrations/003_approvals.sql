-- Slash-command approvals and Flagger's gate calls (src/store/approvals.ts, docs/approvals.md).

-- One row per command and Canary it applies to (CommandRecord). `key` is
-- comment/<comment id>/line/<line>[/<cluster>/<namespace>/<name>]: a redelivered webhook gives the
-- same keys, and INSERT … ON CONFLICT (key) DO NOTHING keeps the first.
CREATE TABLE command_records (
  key text PRIMARY KEY,
  repository text NOT NULL,
  pull_request integer NOT NULL,
  comment_id bigint NOT NULL,
  verb text NOT NULL,
  hook text,
  outcome text NOT NULL CHECK (outcome IN ('accepted', 'refused')),
  cluster text,
  namespace text,
  name text,
  run_id text,
  head_sha text NOT NULL,
  at timestamptz NOT NULL,
  consumed_at timestamptz,
  invalidated_at timestamptz,
  record jsonb NOT NULL,
  stored_at timestamptz NOT NULL DEFAULT now()
);

-- The gate route's read: accepted approvals of one hook for one Canary.
CREATE INDEX command_records_approvals ON command_records (cluster, namespace, name, hook) WHERE outcome = 'accepted';
CREATE INDEX command_records_pull_request ON command_records (repository, pull_request);

-- Every call Flagger made to /flagger/gates/… and the answer (GateCallRecord), refused early or not.
-- Plain columns, no JSON copy: the gate route writes one row per call.
CREATE TABLE gate_calls (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL,
  cluster text NOT NULL,
  hook text NOT NULL,
  namespace text,
  name text,
  phase text,
  checksum text,
  run_id text,
  status integer NOT NULL,
  code text NOT NULL,
  reason text NOT NULL,
  approval_key text
);

CREATE INDEX gate_calls_canary ON gate_calls (cluster, namespace, name, at);

-- Each pull request's head as the App last saw it (pull_request.synchronize, command jobs): the
-- gate compares an approval's head with it at call time, without asking GitHub.
CREATE TABLE pull_request_heads (
  repository text NOT NULL,
  pull_request integer NOT NULL,
  head_sha text NOT NULL,
  pushed_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (repository, pull_request)
);

-- The Canaries a pull request changes, per environment, as its latest review rendered them
-- (identity, declared revision, gate hooks): what a command resolves its Canary among.
CREATE TABLE pull_request_canaries (
  repository text NOT NULL,
  pull_request integer NOT NULL,
  head_sha text NOT NULL,
  canaries jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (repository, pull_request)
);
