-- Each server process keeps the inputs of its gate decisions in memory (src/cluster/gate-inputs.ts)
-- and forgets them when one of these tables changes: every write to them notifies, in the writer's
-- own transaction, so a notification is delivered only once its change is visible, and the writers
-- (src/store/approvals.ts, src/store/promotion-store.ts) stay as they are.
--
-- Channel `canary_bot_gates` (database-wide: processes on other schemas share it), payload
-- `<schema>:canary:<cluster>/<namespace>/<name>` for a Canary's approvals or promotion record, and
-- `<schema>:pull:<repository>#<number>` for a pull request's head, which any of its approvals weighs.
-- PostgreSQL folds identical payloads of one transaction into one notification.

CREATE FUNCTION notify_gate_canary() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' AND OLD.cluster IS NOT NULL AND OLD.namespace IS NOT NULL AND OLD.name IS NOT NULL THEN
    PERFORM pg_notify('canary_bot_gates', TG_TABLE_SCHEMA || ':canary:' || OLD.cluster || '/' || OLD.namespace || '/' || OLD.name);
  END IF;
  IF TG_OP <> 'DELETE' AND NEW.cluster IS NOT NULL AND NEW.namespace IS NOT NULL AND NEW.name IS NOT NULL THEN
    PERFORM pg_notify('canary_bot_gates', TG_TABLE_SCHEMA || ':canary:' || NEW.cluster || '/' || NEW.namespace || '/' || NEW.name);
  END IF;
  RETURN NULL;
END
$$;

CREATE FUNCTION notify_gate_pull() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    PERFORM pg_notify('canary_bot_gates', TG_TABLE_SCHEMA || ':pull:' || OLD.repository || '#' || OLD.pull_request);
  END IF;
  IF TG_OP <> 'DELETE' THEN
    PERFORM pg_notify('canary_bot_gates', TG_TABLE_SCHEMA || ':pull:' || NEW.repository || '#' || NEW.pull_request);
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER command_records_notify_gate AFTER INSERT OR UPDATE OR DELETE ON command_records
  FOR EACH ROW EXECUTE FUNCTION notify_gate_canary();

CREATE TRIGGER promotion_records_notify_gate AFTER INSERT OR UPDATE OR DELETE ON promotion_records
  FOR EACH ROW EXECUTE FUNCTION notify_gate_canary();

CREATE TRIGGER pull_request_heads_notify_gate AFTER INSERT OR UPDATE OR DELETE ON pull_request_heads
  FOR EACH ROW EXECUTE FUNCTION notify_gate_pull();

-- TRUNCATE fires no row trigger: forget everything.
CREATE FUNCTION notify_gate_all() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('canary_bot_gates', TG_TABLE_SCHEMA || ':all:');
  RETURN NULL;
END
$$;

CREATE TRIGGER command_records_truncate_notify_gate AFTER TRUNCATE ON command_records
  FOR EACH STATEMENT EXECUTE FUNCTION notify_gate_all();

CREATE TRIGGER promotion_records_truncate_notify_gate AFTER TRUNCATE ON promotion_records
  FOR EACH STATEMENT EXECUTE FUNCTION notify_gate_all();

CREATE TRIGGER pull_request_heads_truncate_notify_gate AFTER TRUNCATE ON pull_request_heads
  FOR EACH STATEMENT EXECUTE FUNCTION notify_gate_all();
