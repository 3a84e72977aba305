-- one device's downtime over the last 30 days by hand (bench_device_outage)
SELECT offline_at, online_at, extract(epoch FROM coalesce(online_at, now()) - offline_at)::double precision AS downtime_s,
       greatest(extract(epoch FROM least(coalesce(online_at, now()), timestamptz :last)
                                 - greatest(offline_at, timestamptz :last - interval '30 days')), 0)::double precision AS in_window_s,
       ended_by, reported_downtime_s
  FROM bench_device_outage
 WHERE device = 'dev_' || :d
   AND offline_at IS NOT NULL AND offline_at < timestamptz :last
   AND (online_at IS NULL OR online_at > timestamptz :last - interval '30 days')
 ORDER BY offline_at;
