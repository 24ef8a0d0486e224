-- The latest call of each gate (listLatestGateCalls, run before every batch of gate calls is
-- stored, and the comment's gate summaries) is the first entry of this index, however many calls
-- are stored: with the index on (cluster, namespace, name, at), PostgreSQL read and sorted every
-- stored call of the Canary for each batch (1.4 ms a batch in PGlite after 20,000 calls, and
-- growing with the table: Flagger polls a closed gate every tick for as long as it is closed).
-- It replaces that index: a Canary's calls in time order (listGateCalls) are still found by its
-- prefix. Building it locks gate_calls against writes once, for the time it takes.
DROP INDEX gate_calls_canary;
CREATE INDEX gate_calls_gate ON gate_calls (cluster, namespace, name, hook, at DESC, id DESC);
