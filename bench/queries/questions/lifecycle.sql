-- the lifecycles of one site's alarms of the last 30 days
SELECT count(*), avg(time_to_acknowledge_s) FROM chekt.alarm_lifecycle
 WHERE site_id = 'site_' || :s AND created_at >= timestamptz :last - interval '30 days';
