-- the completeness report of one site over the last 30 days by hand, by
-- the same rules (but the quarantine: a jsonb table has none, and alarms
-- whose alarm.created never came, which carry no site)
WITH gap AS (
  -- alarms of the site resolved, never acknowledged
  SELECT ((min((c.doc ->> 'created_at')::timestamptz)) AT TIME ZONE 'UTC')::date AS day,
         'alarm_acknowledgement_missing' AS kind
    FROM bench_doc c
   WHERE c.doc -> 'data' ->> 'site_id' = 'site_' || :s AND c.doc ->> 'type' = 'alarm.created'
     AND EXISTS (SELECT FROM bench_doc r WHERE r.doc -> 'data' ->> 'alarm_id' = c.doc -> 'data' ->> 'alarm_id'
                                           AND r.doc ->> 'type' = 'alarm.resolved')
     AND NOT EXISTS (SELECT FROM bench_doc k WHERE k.doc -> 'data' ->> 'alarm_id' = c.doc -> 'data' ->> 'alarm_id'
                                               AND k.doc ->> 'type' = 'alarm.acknowledged')
   GROUP BY c.doc -> 'data' ->> 'alarm_id'
  UNION ALL
  -- outages of the site's devices ended by evidence, or whose online disagrees
  SELECT (o.offline_at AT TIME ZONE 'UTC')::date, 'outage_end_inferred'
    FROM bench_device_outage o WHERE o.site = 'site_' || :s AND o.ended_by = 'seen_again'
  UNION ALL
  SELECT (o.online_at AT TIME ZONE 'UTC')::date, 'downtime_disagrees'
    FROM bench_device_outage o
   WHERE o.site = 'site_' || :s AND NOT o.start_known
  UNION ALL
  -- onlines after an online at an earlier instant
  SELECT (e.at AT TIME ZONE 'UTC')::date, 'device_offline_missing'
    FROM (SELECT doc ->> 'type' AS type, (doc ->> 'created_at')::timestamptz AS at,
                 lag(doc ->> 'type') OVER w AS previous_type, lag((doc ->> 'created_at')::timestamptz) OVER w AS previous_at
            FROM (SELECT DISTINCT ON (doc ->> 'id') doc FROM bench_doc
                   WHERE doc -> 'data' ->> 'site_id' = 'site_' || :s
                     AND doc ->> 'type' IN ('device.offline', 'device.online')
                   ORDER BY doc ->> 'id') AS d
          WINDOW w AS (PARTITION BY doc -> 'data' ->> 'device_id'
                       ORDER BY (doc ->> 'created_at')::timestamptz, doc ->> 'type',
                                (doc -> 'data' ->> 'last_seen_at')::timestamptz DESC NULLS LAST,
                                (doc -> 'data' ->> 'downtime_seconds')::int DESC NULLS LAST, doc ->> 'id')) AS e
   WHERE e.type = 'device.online' AND e.previous_type = 'device.online' AND e.previous_at < e.at
  UNION ALL
  -- arms after an arm, disarms after a disarm (at one instant, in the order
  -- that needs the fewest missing changes: alternating from the change
  -- opposite the state before, which is the majority of the last unbalanced
  -- instant, or before the first one the opposite of its majority)
  SELECT (e.at AT TIME ZONE 'UTC')::date,
         CASE e.type WHEN 'partition.armed' THEN 'partition_disarm_missing' ELSE 'partition_arm_missing' END
    FROM (SELECT t.type, t.at, lag(t.type) OVER (PARTITION BY t.partition ORDER BY t.at, t.place, t.id) AS previous_type
            FROM (SELECT d.*, 2 * (row_number() OVER (PARTITION BY d.partition, d.at, d.type ORDER BY d.id) - 1)
                              + (d.type = i.type_before)::int AS place
                    FROM (SELECT DISTINCT ON (doc ->> 'id') doc ->> 'id' AS id, doc ->> 'type' AS type,
                                 doc -> 'data' ->> 'partition_id' AS partition, (doc ->> 'created_at')::timestamptz AS at
                            FROM bench_doc
                           WHERE doc -> 'data' ->> 'site_id' = 'site_' || :s
                             AND doc ->> 'type' IN ('partition.armed', 'partition.disarmed')
                           ORDER BY doc ->> 'id') AS d
                    JOIN (SELECT partition, at,
                                 CASE WHEN coalesce(max(majority) OVER (PARTITION BY partition ORDER BY at ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) % 2,
                                                    1 - min(majority) OVER (PARTITION BY partition ORDER BY at ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) % 2,
                                                    0) = 1
                                      THEN 'partition.armed' ELSE 'partition.disarmed' END AS type_before
                            FROM (SELECT doc -> 'data' ->> 'partition_id' AS partition, (doc ->> 'created_at')::timestamptz AS at,
                                         CASE WHEN count(DISTINCT doc ->> 'id') FILTER (WHERE doc ->> 'type' = 'partition.armed')
                                                   <> count(DISTINCT doc ->> 'id') FILTER (WHERE doc ->> 'type' = 'partition.disarmed')
                                              THEN (extract(epoch FROM (doc ->> 'created_at')::timestamptz) * 1000000)::bigint * 2
                                                   + (count(DISTINCT doc ->> 'id') FILTER (WHERE doc ->> 'type' = 'partition.armed')
                                                      > count(DISTINCT doc ->> 'id') FILTER (WHERE doc ->> 'type' = 'partition.disarmed'))::int
                                         END AS majority
                                    FROM bench_doc
                                   WHERE doc -> 'data' ->> 'site_id' = 'site_' || :s
                                     AND doc ->> 'type' IN ('partition.armed', 'partition.disarmed')
                                   GROUP BY 1, 2) AS n) AS i
                      ON i.partition = d.partition AND i.at = d.at) AS t) AS e
   WHERE e.type = e.previous_type
)
SELECT kind, count(*) FROM gap
 WHERE day BETWEEN ((timestamptz :last - interval '30 days') AT TIME ZONE 'UTC')::date AND (timestamptz :last AT TIME ZONE 'UTC')::date
 GROUP BY kind ORDER BY kind;
