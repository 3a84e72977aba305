/* chekt_events--0.19.0--0.20.0.sql */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION chekt_events UPDATE TO '0.20.0'" to load this file. \quit

-- 0.20.0: an analyst's views of what stays on a Citus coordinator, as
-- Citus can run them (issue 14).
--
-- On a Citus cluster an analyst was refused ("permission denied for schema
-- chekt_private"):
-- - chekt.analyst_scope, always: Citus reads the analysts (a reference
--   table) on a worker, as the analyst, without the view's rights;
-- - chekt.quarantine_daily and chekt.delivery_gaps, in a statement that
--   also reads a distributed table: Citus plans each uncorrelated subquery
--   of the view apart, then runs the view's query of the quarantine as a
--   new statement, parsed again as the analyst.
-- Their Citus forms, installed by chekt.distribute() and by this update on
-- a distributed database, give the same rows: the scope through
-- chekt.analyst_scope_rows(), which reads the analysts as their owner on
-- the node that asks, and the quarantine by day without subqueries.  A
-- single node keeps its forms, which ask the privilege and the scope once
-- per statement rather than once per row.

-- (src/analyst_scope.c: the view's own query, run as the owner of the
-- analysts, over this node's copy of them once Citus holds them)
CREATE FUNCTION chekt.analyst_scope_rows()
RETURNS TABLE (analyst text, app text)
AS 'MODULE_PATHNAME', 'chekt_analyst_scope_rows'
LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION chekt.analyst_scope_rows() IS
  'the rows of chekt.analyst_scope for the current user, read with the rights of the owner of chekt_private.analysts: the view reads them here on Citus (chekt.distribute())';

-- the forms of 0.19.0, by what they are
ALTER FUNCTION chekt_private.use_citus_forms() RENAME TO use_citus_question_forms;
COMMENT ON FUNCTION chekt_private.use_citus_question_forms() IS
  'replaces the questions over the distributed tables that Citus cannot plan as they are written for a single node by forms it can, with the same answers: run by chekt_private.use_citus_forms()';

-- The views an analyst reads with their owner's rights, over tables that
-- stay on the coordinator (or, the analysts, on every node): each runs
-- as one query of its own tables, with no subquery for Citus to plan
-- apart and no table for Citus to read as the analyst
CREATE FUNCTION chekt_private.use_citus_reader_forms()
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $forms$
BEGIN
  -- as in 0.8.0, the privilege and the scope asked per row (each a
  -- lookup in a cache: analyst_scope.c) instead of once by a subquery
  CREATE OR REPLACE VIEW chekt.quarantine_daily WITH (security_barrier = true) AS
  SELECT r.app,
         (r.received_at AT TIME ZONE 'UTC')::date AS day,
         r.reason,
         count(*) AS deliveries,
         CASE WHEN pg_catalog.has_table_privilege('chekt_private.rejected'::regclass, 'SELECT')
              THEN min(r.rejected_id) END AS example_rejected_id
    FROM chekt_private.rejected r
   WHERE pg_catalog.has_table_privilege('chekt_private.rejected'::regclass, 'SELECT')
      OR coalesce(r.app = ANY (chekt.visible_apps()), true)
   GROUP BY 1, 2, 3;

  -- as in 0.5.0, the rows read as the analysts' owner, for the current user
  CREATE OR REPLACE VIEW chekt.analyst_scope WITH (security_barrier = true) AS
  SELECT s.analyst, s.app
    FROM chekt.analyst_scope_rows() AS s;
END
$forms$;
COMMENT ON FUNCTION chekt_private.use_citus_reader_forms() IS
  'replaces the views an analyst reads with their owner''s rights over the tables Citus leaves on the coordinator (chekt.quarantine_daily) or makes reference tables (chekt.analyst_scope) by forms Citus runs without reading those tables as the analyst, with the same rows: run by chekt_private.use_citus_forms()';
REVOKE ALL ON FUNCTION chekt_private.use_citus_reader_forms() FROM PUBLIC;

-- what chekt.distribute() runs before it places any table
CREATE FUNCTION chekt_private.use_citus_forms()
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  PERFORM chekt_private.use_citus_question_forms();
  PERFORM chekt_private.use_citus_reader_forms();
END
$$;
COMMENT ON FUNCTION chekt_private.use_citus_forms() IS
  'installs every Citus form, of the questions and of the views analysts read: run by chekt.distribute()';
REVOKE ALL ON FUNCTION chekt_private.use_citus_forms() FROM PUBLIC;

-- a database distributed at 0.19.0 takes the new forms now (the question
-- forms it has), on the coordinator, where chekt.distribute() puts them:
-- Citus runs this update on the workers too, which keep the single node's
DO $$
DECLARE
  distributed boolean := false;
BEGIN
  IF EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname = 'citus') THEN
    -- (by name: the catalog and the function exist only with Citus)
    EXECUTE 'SELECT pg_catalog.citus_is_coordinator()
                    AND EXISTS (SELECT FROM pg_catalog.pg_dist_partition
                                 WHERE logicalrelid = ''chekt.alarm_trail''::pg_catalog.regclass)'
       INTO distributed;
  END IF;
  IF distributed THEN
    PERFORM chekt_private.use_citus_reader_forms();
  END IF;
END
$$;
