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
   WHERE o.site = 'site_' || :s AND o.ended_by = 'online'
     AND abs(o.reported_downtime_s - extract(epoch FROM o.online_at - o.offline_at)) > 120
  UNION ALL
  -- onlines after an online, arms after an arm, disarms after a disarm
  SELECT (e.at AT TIME ZONE 'UTC')::date,
         CASE e.type WHEN 'device.online' THEN 'device_offline_missing'
                     WHEN 'partition.armed' THEN 'partition_disarm_missing' ELSE 'partition_arm_missing' END
    FROM (SELECT doc ->> 'type' AS type, (doc ->> 'created_at')::timestamptz AS at,
                 lag(doc ->> 'type') OVER (PARTITION BY coalesce(doc -> 'data' ->> 'device_id', doc -> 'data' ->> 'partition_id')
                                           ORDER BY (doc ->> 'created_at')::timestamptz, doc ->> 'type', doc ->> 'id') AS previous_type
            FROM (SELECT DISTINCT ON (doc ->> 'id') doc FROM bench_doc
                   WHERE doc -> 'data' ->> 'site_id' = 'site_' || :s
                     AND doc ->> 'type' IN ('device.offline', 'device.online', 'partition.armed', 'partition.disarmed')
                   ORDER BY doc ->> 'id') AS d) AS e
   WHERE e.type IN ('device.online', 'partition.armed', 'partition.disarmed') AND e.type = e.previous_type
)
SELECT kind, count(*) FROM gap
 WHERE day BETWEEN ((timestamptz :last - interval '30 days') AT TIME ZONE 'UTC')::date AND (timestamptz :last AT TIME ZONE 'UTC')::date
 GROUP BY kind ORDER BY kind;
