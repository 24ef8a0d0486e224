-- The merge gate (issue 12, docs/merge-gate.md): promotion records and the Flagger event log
-- (src/store/promotion-store.ts), and what the App keeps per pull request (src/store/gate-store.ts).

-- One promotion record per cluster, namespace and Canary (src/gate/promotion.ts, as JSON). Written
-- with an optimistic version check: UPDATE … WHERE version = <the version read>.
-- `images`: every image of every run, for finding a revision by its images (GIN, `@>`).
CREATE TABLE promotion_records (
  cluster text NOT NULL,
  namespace text NOT NULL,
  name text NOT NULL,
  record jsonb NOT NULL,
  version bigint NOT NULL,
  images text[] NOT NULL DEFAULT '{}',
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (cluster, namespace, name)
);

CREATE INDEX promotion_records_images ON promotion_records USING gin (images);

-- Flagger events as received (the audit log), once per event key: a replay adds nothing.
CREATE TABLE flagger_events (
  key text PRIMARY KEY,
  cluster text NOT NULL,
  namespace text NOT NULL,
  name text NOT NULL,
  event jsonb NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX flagger_events_canary ON flagger_events (cluster, namespace, name);

-- A pull request the gate follows: the Canaries it changes at `head_sha` (as ChangedCanary JSON),
-- the repository's environments they were judged with, the last decision, and after the merge
-- the merge commit whose rollout is followed (the merged revision).
CREATE TABLE gate_pull_requests (
  installation_id bigint NOT NULL,
  owner text NOT NULL,
  repo text NOT NULL,
  pull_number integer NOT NULL,
  head_sha text NOT NULL,
  state text NOT NULL CHECK (state IN ('open', 'merged', 'closed')),
  environments jsonb NOT NULL,
  canaries jsonb NOT NULL,
  decision jsonb,
  merge_sha text,
  merged_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (owner, repo, pull_number)
);

-- Which pull requests wait on which promotion record ("cluster/namespace/name"): a change of the
-- record queues a gate-evaluate job for each of them.
CREATE TABLE gate_waiting (
  record_key text NOT NULL,
  owner text NOT NULL,
  repo text NOT NULL,
  pull_number integer NOT NULL,
  installation_id bigint NOT NULL,
  PRIMARY KEY (record_key, owner, repo, pull_number)
);

CREATE INDEX gate_waiting_pull_request ON gate_waiting (owner, repo, pull_number);

-- `/canary hold`, `unhold` and `skip-gate` on a pull request (RecordedGateDecision JSON).
CREATE TABLE gate_decisions (
  id bigserial PRIMARY KEY,
  owner text NOT NULL,
  repo text NOT NULL,
  pull_number integer NOT NULL,
  decision jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX gate_decisions_pull_request ON gate_decisions (owner, repo, pull_number);

-- What we wrote on a commit: the canary/promotion check run (its id, so it is updated in place,
-- one per head SHA) and the canary/rollout commit status; `digest` of the last output, so the same
-- output is never sent twice.
CREATE TABLE gate_outputs (
  owner text NOT NULL,
  repo text NOT NULL,
  sha text NOT NULL,
  name text NOT NULL,
  pull_number integer,
  check_run_id bigint,
  digest text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (owner, repo, sha, name)
);
