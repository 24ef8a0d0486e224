-- The job queue (src/store/queue.ts) and webhook delivery de-duplication (src/store/deliveries.ts).

-- One row per job. `key` groups the jobs that must not run at the same time (a pull request:
-- "review:<installation>/<owner>/<repo>#<n>"); at most one job per kind and key waits in the queue
-- (newer events merge into it), and at most one runs.
CREATE TABLE jobs (
  id bigserial PRIMARY KEY,
  kind text NOT NULL,
  key text NOT NULL,
  installation_id bigint NOT NULL DEFAULT 0,
  payload jsonb NOT NULL DEFAULT '{}'::jsonb,
  state text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'failed')),
  run_at timestamptz NOT NULL DEFAULT now(),
  attempts integer NOT NULL DEFAULT 0,
  max_attempts integer NOT NULL,
  locked_by text,
  locked_until timestamptz,
  last_error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX jobs_one_queued_per_key ON jobs (kind, key) WHERE state = 'queued';
CREATE INDEX jobs_running_by_key ON jobs (kind, key) WHERE state = 'running';
CREATE INDEX jobs_due ON jobs (run_at, id) WHERE state = 'queued';
CREATE INDEX jobs_running_by_installation ON jobs (installation_id) WHERE state = 'running';

-- X-GitHub-Delivery ids already accepted: a redelivery (same id) is answered and not queued again.
CREATE TABLE deliveries (
  id text PRIMARY KEY,
  event text NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX deliveries_received_at ON deliveries (received_at);
