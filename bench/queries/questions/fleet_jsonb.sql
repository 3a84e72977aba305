-- every device's downtime over the last week by hand (bench_device_outage)
SELECT count(*),
       sum(greatest(extract(epoch FROM least(coalesce(online_at, now()), timestamptz :last)
                                     - greatest(offline_at, timestamptz :last - interval '7 days')), 0))
  FROM bench_device_outage
 WHERE offline_at IS NOT NULL AND offline_at < timestamptz :last
   AND (online_at IS NULL OR online_at > timestamptz :last - interval '7 days');
