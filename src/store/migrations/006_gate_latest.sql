-- Per gate (cluster, namespace, name, hook): how many calls were stored and which is the latest,
-- kept by a statement trigger on gate_calls. Every batch of gate calls reads its gates' previous
-- answers (to redraw the comments whose gate changed answer) and every comment redraw shows each
-- gate's count and latest answer: both are now a primary-key lookup, where they read (and, for the
-- count, scanned) every stored call of the Canary — a cost that grew for as long as Flagger polled
-- a gate, every tick. gate_calls is append-only; a TRUNCATE empties this table too.
CREATE TABLE gate_latest (
  cluster text NOT NULL,
  namespace text NOT NULL,
  name text NOT NULL,
  hook text NOT NULL,
  calls bigint NOT NULL,
  -- The latest call: the greatest (at, id).
  at timestamptz NOT NULL,
  call_id bigint NOT NULL,
  PRIMARY KEY (cluster, namespace, name, hook)
);

CREATE FUNCTION gate_latest_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO gate_latest AS l (cluster, namespace, name, hook, calls, at, call_id)
  SELECT DISTINCT ON (cluster, namespace, name, hook) cluster, namespace, name, hook,
    count(*) OVER (PARTITION BY cluster, namespace, name, hook), at, id
  FROM added WHERE namespace IS NOT NULL AND name IS NOT NULL
  ORDER BY cluster, namespace, name, hook, at DESC, id DESC
  ON CONFLICT (cluster, namespace, name, hook) DO UPDATE SET
    calls = l.calls + excluded.calls,
    call_id = CASE WHEN (excluded.at, excluded.call_id) > (l.at, l.call_id) THEN excluded.call_id ELSE l.call_id END,
    at = GREATEST(l.at, excluded.at);
  RETURN NULL;
END
$$;

CREATE TRIGGER gate_calls_latest AFTER INSERT ON gate_calls
  REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION gate_latest_add();

CREATE FUNCTION gate_latest_clear() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM gate_latest;
  RETURN NULL;
END
$$;

CREATE TRIGGER gate_calls_latest_truncate AFTER TRUNCATE ON gate_calls
  FOR EACH STATEMENT EXECUTE FUNCTION gate_latest_clear();

-- The calls stored before this migration.
INSERT INTO gate_latest (cluster, namespace, name, hook, calls, at, call_id)
SELECT DISTINCT ON (cluster, namespace, name, hook) cluster, namespace, name, hook,
  count(*) OVER (PARTITION BY cluster, namespace, name, hook), at, id
FROM gate_calls WHERE namespace IS NOT NULL AND name IS NOT NULL
ORDER BY cluster, namespace, name, hook, at DESC, id DESC;
