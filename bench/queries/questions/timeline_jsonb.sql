-- an alarm's timeline by hand: its events once each (redeliveries are
-- stored twice), the same columns, time order, ties in lifecycle order,
-- seconds since alarm.created
SELECT t.at, t.event_type, t.event_id, t.actor, t.detail,
       extract(epoch FROM t.at - min(t.at) FILTER (WHERE t.event_type = 'alarm.created') OVER ())::double precision AS since_created_s
  FROM (SELECT DISTINCT ON (doc ->> 'id')
               (doc ->> 'created_at')::timestamptz AS at, doc ->> 'type' AS event_type, doc ->> 'id' AS event_id,
               CASE doc ->> 'type'
                 WHEN 'alarm.created' THEN doc -> 'data' ->> 'device_id'
                 WHEN 'alarm.acknowledged' THEN doc -> 'data' ->> 'operator_id'
                 WHEN 'alarm.dispatched' THEN doc -> 'data' ->> 'responder_id'
                 WHEN 'snapshot.created' THEN doc -> 'data' ->> 'device_id'
                 WHEN 'relay.activated' THEN doc -> 'data' ->> 'device_id'
                 WHEN 'verification.requested' THEN doc -> 'data' ->> 'requested_by'
               END AS actor,
               CASE doc ->> 'type'
                 WHEN 'alarm.created' THEN concat_ws(' ', doc -> 'data' ->> 'priority', doc -> 'data' ->> 'trigger', 'alarm at',
                                                     doc -> 'data' ->> 'site_id', nullif(concat('(', doc -> 'data' ->> 'location', ')'), '()'))
                 WHEN 'alarm.acknowledged' THEN doc -> 'data' ->> 'reason'
                 WHEN 'alarm.dispatched' THEN concat_ws(', ', doc -> 'data' ->> 'responder_type',
                                                        'ETA ' || (doc -> 'data' ->> 'eta_seconds') || ' s', doc -> 'data' ->> 'tracking_url')
                 WHEN 'alarm.resolved' THEN concat_ws(': ', doc -> 'data' ->> 'resolution', doc -> 'data' ->> 'notes')
                 WHEN 'snapshot.created' THEN doc -> 'data' ->> 'url'
                 WHEN 'relay.activated' THEN concat_ws(' ', 'relay', doc -> 'data' ->> 'relay_id',
                                                       'for ' || (doc -> 'data' ->> 'duration_seconds') || ' s')
                 WHEN 'verification.requested' THEN 'deadline ' || (doc -> 'data' ->> 'deadline_seconds') || ' s'
               END AS detail,
               CASE doc ->> 'type'
                 WHEN 'alarm.created' THEN 0 WHEN 'snapshot.created' THEN 1 WHEN 'relay.activated' THEN 2
                 WHEN 'verification.requested' THEN 3 WHEN 'alarm.acknowledged' THEN 4
                 WHEN 'alarm.dispatched' THEN 5 WHEN 'alarm.resolved' THEN 6 ELSE 7
               END AS lifecycle_order
          FROM bench_doc
         WHERE doc -> 'data' ->> 'alarm_id' = 'A-' || :a
            OR doc -> 'data' ->> 'trigger' = 'alarm.created:A-' || :a
         ORDER BY doc ->> 'id') AS t
 ORDER BY t.at, t.lifecycle_order, t.event_id;
