-- the lifecycles of one site's alarms of the last 30 days by hand: the
-- first event of each kind
SELECT count(*), avg(extract(epoch FROM ack - created)) FROM (
  SELECT doc -> 'data' ->> 'alarm_id' AS alarm,
         min((doc ->> 'created_at')::timestamptz) FILTER (WHERE doc ->> 'type' = 'alarm.created') AS created,
         min((doc ->> 'created_at')::timestamptz) FILTER (WHERE doc ->> 'type' = 'alarm.acknowledged') AS ack,
         min(doc -> 'data' ->> 'site_id') AS site
    FROM bench_doc WHERE doc ->> 'type' LIKE 'alarm.%' GROUP BY 1) a
 WHERE site = 'site_' || :s AND created >= timestamptz :last - interval '30 days';
