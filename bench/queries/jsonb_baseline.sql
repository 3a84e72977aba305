-- The same questions written by hand over a plain jsonb table, as a user
-- without chekt_events would: one table of bodies, expression indexes on
-- the ids asked for.  The yardstick of bench/queries/run.sh.
\set ON_ERROR_STOP on
SET client_min_messages = warning;
DROP TABLE IF EXISTS bench_doc;
CREATE TABLE bench_doc (doc jsonb);
