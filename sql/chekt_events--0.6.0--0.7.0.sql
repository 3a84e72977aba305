-- chekt_events 0.6.0 -> 0.7.0: one site's completeness report, fast
--
-- chekt.site_delivery_gaps(site, from_day, to_day, app) answers what the
-- view chekt.delivery_gaps answers for one site over a range of UTC days,
-- in about 15 ms at 9M events where the same query of the view took
-- 120-320 ms: the planner overestimates a site's devices and partitions a
-- hundredfold, so the view's plan pays for JIT compilation and parallel
-- workers that a handful of index lookups does not need.  A function can
-- turn both off for its query (as device_downtime() does); a view cannot.

\echo Use "ALTER EXTENSION chekt_events UPDATE TO '0.7.0'" to load this file. \quit

CREATE TYPE chekt.delivery_gap AS (
  app          text,
  site_id      text,
  day          date,
  kind         text,
  reason       text,
  occurrences  bigint,
  example_id   text
);

COMMENT ON TYPE chekt.delivery_gap IS 'a row of chekt.site_delivery_gaps(): a row of chekt.delivery_gaps';

-- the columns say what the view's say
DO $$
DECLARE
  col record;
BEGIN
  FOR col IN SELECT a.attname, pg_catalog.col_description(a.attrelid, a.attnum) AS description
               FROM pg_catalog.pg_attribute a
              WHERE a.attrelid = 'chekt.delivery_gaps'::regclass AND a.attnum > 0 AND NOT a.attisdropped
  LOOP
    EXECUTE format('COMMENT ON COLUMN chekt.delivery_gap.%I IS %L', col.attname, col.description);
  END LOOP;
END
$$;

-- One site's completeness report over a range of days: the view's rows.
-- A query of the view by site and days is right but slow for reasons
-- outside its rows: the planner cannot know how few devices and partitions
-- a site has (it takes a site's events as if any device could be at any
-- site: 529 devices for 6 at 9M events), so its cost estimate crosses
-- jit_above_cost and compiling takes about 100 ms of a 10 ms answer, and
-- it may list a site's devices with parallel workers, which start anew for
-- every query (docs/decisions.md).
CREATE FUNCTION chekt.site_delivery_gaps(site text, from_day date, to_day date, app text DEFAULT NULL)
RETURNS SETOF chekt.delivery_gap
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
SET jit = off
SET max_parallel_workers_per_gather = 0
AS $$
BEGIN
  IF site IS NULL THEN
    RAISE EXCEPTION 'the site must not be NULL'
      USING ERRCODE = 'null_value_not_allowed',
            HINT = 'Pass a site_id; for every site, and for the gaps that carry no site, query the view chekt.delivery_gaps.';
  END IF;
  IF from_day IS NULL OR to_day IS NULL THEN
    RAISE EXCEPTION 'the days must not be NULL'
      USING ERRCODE = 'null_value_not_allowed',
            DETAIL = format('from_day is %s, to_day is %s.', coalesce(from_day::text, 'NULL'), coalesce(to_day::text, 'NULL')),
            HINT = 'Pass UTC days, both included, for example (now() AT TIME ZONE ''UTC'')::date - 30 and (now() AT TIME ZONE ''UTC'')::date; ''-infinity'' and ''infinity'' for every day.';
  END IF;
  IF from_day > to_day THEN
    RAISE EXCEPTION 'the days must run from a day to the same or a later day'
      USING ERRCODE = 'invalid_parameter_value',
            DETAIL = format('from_day is %s, to_day is %s.', from_day, to_day),
            HINT = 'Pass the earlier day first.';
  END IF;

  -- two queries rather than one with "app IS NULL OR": a plan cached for
  -- either keeps its index conditions
  IF site_delivery_gaps.app IS NULL THEN
    RETURN QUERY
    SELECT g.* FROM chekt.delivery_gaps g
     WHERE g.site_id = site AND g.day BETWEEN from_day AND to_day
     ORDER BY g.app, g.day, g.kind, g.reason;
  ELSE
    RETURN QUERY
    SELECT g.* FROM chekt.delivery_gaps g
     WHERE g.app = site_delivery_gaps.app AND g.site_id = site AND g.day BETWEEN from_day AND to_day
     ORDER BY g.day, g.kind, g.reason;
  END IF;
END
$$;

COMMENT ON FUNCTION chekt.site_delivery_gaps(text, date, date, text) IS
  'the completeness report of one site (chekt.delivery_gaps) from from_day to to_day (UTC days, both included), of one app (NULL: of every app the caller may read); the same rows as the view filtered so, without the cost of compiling or parallelising a question about a handful of devices';

-------------------------------------------------------------------------------
-- The analytic surface, who may read it
-------------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION chekt.analyst_privileges(analyst regrole, give boolean)
RETURNS void
LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  -- the analytic surface, listed once
  relations text := 'chekt.alarm_lifecycle, chekt.device_outages, chekt.device_status,
                     chekt.partition_status, chekt.partition_periods, chekt.site_daily_summary,
                     chekt.delivery_gaps, chekt.quarantine_daily,
                     chekt.alarm_events, chekt.device_events, chekt.snapshot_events,
                     chekt.verification_events, chekt.partition_events, chekt.relay_events,
                     chekt.event_families, chekt.event_types, chekt.event_fields';
  functions text := 'chekt.alarm_timeline(text, text),
                     chekt.device_downtime(text, timestamptz, timestamptz, text),
                     chekt.device_outages_between(text, timestamptz, timestamptz, text),
                     chekt.device_outages_of(text, text, timestamptz, timestamptz),
                     chekt.site_delivery_gaps(text, date, date, text)';
BEGIN
  IF give THEN
    EXECUTE format('GRANT USAGE ON SCHEMA chekt TO %s', analyst);
    EXECUTE format('GRANT SELECT ON %s TO %s', relations, analyst);
    EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO %s', functions, analyst);
  ELSE
    EXECUTE format('REVOKE SELECT ON %s FROM %s', relations, analyst);
    EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM %s', functions, analyst);
    EXECUTE format('REVOKE USAGE ON SCHEMA chekt FROM %s', analyst);
  END IF;
END
$$;

REVOKE EXECUTE ON FUNCTION chekt.site_delivery_gaps(text, date, date, text) FROM PUBLIC;

-- the analysts keep their surface, with what is new in it
SELECT chekt.analyst_privileges(a.analyst, true)
  FROM chekt.analysts a
  JOIN pg_catalog.pg_roles r ON r.oid = a.analyst::oid;
