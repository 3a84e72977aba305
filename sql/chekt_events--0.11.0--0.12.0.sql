-- chekt_events 0.11.0 -> 0.12.0: one device's downtime, and one site's
-- gaps, planned once per session rather than at every call
--
-- Over monthly partitions the time goes into planning, not into reading:
-- chekt.device_downtime() for one device over 30 days planned its
-- statement, the walk over every device included, across every month at
-- each call (4.7 ms, of which 0.2 ms reading, against 2.0 ms unpartitioned
-- with two years of history; issue 13, contract 4).  A plan made once and
-- kept prunes the months at execution instead, since the window is a
-- parameter of it.  The statement for every device stays planned at each
-- call: kept, its plan reads every month at every step of its walk.
-- docs/decisions.md, "Plans kept for one device and one site (0.12.0)".

\echo Use "ALTER EXTENSION chekt_events UPDATE TO '0.12.0'" to load this file. \quit

CREATE OR REPLACE FUNCTION chekt.device_downtime(device text, from_ts timestamptz, to_ts timestamptz,
                                                 app text DEFAULT NULL)
RETURNS SETOF chekt.device_downtime_entry
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
SET jit = off
SET max_parallel_workers_per_gather = 0
-- the one-device statement is planned once per session; the every-device
-- one runs by EXECUTE, planned for its window at each call
SET plan_cache_mode = force_generic_plan
AS $$
BEGIN
  IF from_ts IS NULL OR to_ts IS NULL OR from_ts > to_ts THEN
    RAISE EXCEPTION 'the window must run from a time to a later time'
      USING ERRCODE = 'invalid_parameter_value',
            DETAIL = format('from_ts is %s, to_ts is %s.', coalesce(from_ts::text, 'NULL'), coalesce(to_ts::text, 'NULL')),
            HINT = 'Pass, for example, now() - interval ''30 days'' and now(); pass NULL as device for every device, and NULL as app for every app.';
  END IF;

  IF device IS NOT NULL THEN
    -- its outages in the app given, which reads only the months from the
    -- device's last online before the window to its first after it; or in
    -- each app that has the device, found in every month's key
    RETURN QUERY
    SELECT o.app, o.device_id, o.site_id, o.offline_at, o.online_at, o.downtime_s,
           greatest(extract(epoch FROM least(coalesce(o.online_at, now()), to_ts)
                                     - greatest(o.offline_at, from_ts)), 0)::double precision,
           o.ongoing, o.ended_by, o.end_known, o.start_known, o.reported_downtime_s
      FROM (SELECT device_downtime.app AS app WHERE device_downtime.app IS NOT NULL
            UNION ALL
            SELECT DISTINCT e.app FROM chekt.device_events e
             WHERE device_downtime.app IS NULL AND e.device_id = device) AS a
           CROSS JOIN LATERAL chekt.device_outages_of(a.app, device, from_ts, to_ts) AS o
     ORDER BY o.app, o.device_id, o.offline_at;
    RETURN;
  END IF;

  RETURN QUERY EXECUTE
   'SELECT o.app, o.device_id, o.site_id, o.offline_at, o.online_at, o.downtime_s,
           greatest(extract(epoch FROM least(coalesce(o.online_at, now()), $2)
                                     - greatest(o.offline_at, $1)), 0)::double precision,
           o.ongoing, o.ended_by, o.end_known, o.start_known, o.reported_downtime_s
      FROM chekt.device_outages_between(NULL, $1, $2, $3) AS o
     ORDER BY o.app, o.device_id, o.offline_at'
    USING from_ts, to_ts, device_downtime.app;
END
$$;

-- the same two queries as in 0.7.0, now planned once per session
ALTER FUNCTION chekt.site_delivery_gaps(text, date, date, text) SET plan_cache_mode = force_generic_plan;
