-- The same questions written by hand over a plain jsonb table, as a user
-- without chekt_events would: one table of bodies, expression indexes on
-- the ids asked for (made by run.sh after loading), and the outage rules
-- of chekt.device_outages written once as a view over it (its windows are
-- per site and device, so a filter on either reaches the index).  The
-- yardstick of bench/queries/run.sh.  Unlike chekt_events the table also
-- holds the bodies of forged and stale deliveries: nothing verified them.
\set ON_ERROR_STOP on
SET client_min_messages = warning;
DROP VIEW IF EXISTS bench_device_outage;
DROP TABLE IF EXISTS bench_doc;
CREATE TABLE bench_doc (doc jsonb);

-- a device's events once each (redeliveries are stored twice), in event
-- time (at one instant an offline before an online, offlines last seen
-- latest first, onlines reporting the longest downtime first); runs end at onlines; a last_seen_at counts no later than
-- its notice, no earlier than the previous online; an offline starts an
-- outage when it is first in its run or last seen after the outage going on
-- began (which then ended, seen again); an online without an offline counts
-- back its downtime_seconds, not before the previous online; an online's
-- downtime_seconds more than 120 s away from the outage puts its start in
-- doubt
CREATE VIEW bench_device_outage AS
WITH ev AS (
  SELECT DISTINCT ON (doc -> 'data' ->> 'site_id', doc -> 'data' ->> 'device_id', doc ->> 'id')
         doc -> 'data' ->> 'site_id' AS site, doc -> 'data' ->> 'device_id' AS device,
         doc ->> 'id' AS id, doc ->> 'type' AS type, (doc ->> 'created_at')::timestamptz AS created_at,
         (doc -> 'data' ->> 'last_seen_at')::timestamptz AS last_seen_at,
         (doc -> 'data' ->> 'downtime_seconds')::int AS downtime_seconds
    FROM bench_doc
   WHERE doc ->> 'type' IN ('device.offline', 'device.online')
   ORDER BY doc -> 'data' ->> 'site_id', doc -> 'data' ->> 'device_id', doc ->> 'id'
), counted AS (
  SELECT *, coalesce(count(*) FILTER (WHERE type = 'device.online') OVER w, 0) AS run,
         max(created_at) FILTER (WHERE type = 'device.online') OVER w AS run_started_at
    FROM ev
  WINDOW w AS (PARTITION BY site, device ORDER BY created_at, type, last_seen_at DESC NULLS LAST, downtime_seconds DESC NULLS LAST, id
               ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
), seen AS (
  SELECT *, CASE WHEN type = 'device.offline' AND last_seen_at IS NOT NULL
                 THEN greatest(least(last_seen_at, created_at), run_started_at) END AS seen_at
    FROM counted
), runs AS (
  SELECT *, CASE WHEN type = 'device.offline' THEN coalesce(seen_at, created_at) END AS starts_at
    FROM seen
), starts AS (
  SELECT *, type = 'device.offline'
            AND (row_number() OVER w = 1
                 OR coalesce(seen_at > greatest(first_value(starts_at) OVER w,
                                                max(seen_at) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)),
                             false)) AS starts
    FROM runs WINDOW w AS (PARTITION BY site, device, run ORDER BY created_at, type, last_seen_at DESC NULLS LAST, downtime_seconds DESC NULLS LAST, id)
), numbered AS (
  SELECT *, count(*) FILTER (WHERE starts)
              OVER (PARTITION BY site, device, run ORDER BY created_at, type, last_seen_at DESC NULLS LAST, downtime_seconds DESC NULLS LAST, id
                    ROWS UNBOUNDED PRECEDING) AS outage
    FROM starts
), outage AS (
  SELECT site, device, run, outage, max(starts_at) FILTER (WHERE starts) AS offline_from,
         max(created_at) FILTER (WHERE type = 'device.online') AS online_at,
         max(downtime_seconds) FILTER (WHERE type = 'device.online') AS downtime_seconds
    FROM numbered GROUP BY site, device, run, outage
), ended AS (
  SELECT *, lead(offline_from) OVER (PARTITION BY site, device, run ORDER BY outage) AS seen_again_at,
         lag(online_at) OVER (PARTITION BY site, device ORDER BY run, outage) AS previous_online_at
    FROM outage
)
SELECT *, coalesce(ended_by IS DISTINCT FROM 'online'
                  OR abs(reported_downtime_s - extract(epoch FROM online_at - offline_at)) <= 120, true) AS start_known
  FROM (SELECT site, device,
               coalesce(offline_from, CASE WHEN downtime_seconds > 0 AND (online_at > previous_online_at) IS NOT false
                                           THEN greatest(online_at - downtime_seconds * interval '1 second', previous_online_at) END) AS offline_at,
               coalesce(seen_again_at, online_at) AS online_at,
               CASE WHEN seen_again_at IS NOT NULL THEN 'seen_again' WHEN online_at IS NOT NULL THEN 'online' END AS ended_by,
               CASE WHEN seen_again_at IS NULL THEN downtime_seconds END AS reported_downtime_s
          FROM ended) AS o;
