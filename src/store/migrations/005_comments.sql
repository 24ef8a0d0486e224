-- The sticky comment's parts (src/store/comments.ts, src/github/comment-job.ts): the review's own
-- text for the head it reviewed, and the digest of the last body written to GitHub. A gate decision,
-- a rollout report or a command redraws the comment from these rows and the other stored sections
-- without reading the repository again; an unchanged body is never written twice.
CREATE TABLE pull_request_comments (
  owner text NOT NULL,
  repo text NOT NULL,
  pull_number integer NOT NULL,
  installation_id bigint NOT NULL,
  head_sha text NOT NULL,
  review_body text NOT NULL,
  written_digest text,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (owner, repo, pull_number)
);

-- The merged pull request's rollout as last reported (RolloutReport JSON), for its comment section.
ALTER TABLE gate_pull_requests ADD COLUMN rollout jsonb;
