-- the completeness report of one site over the last 30 days
SELECT kind, sum(occurrences) FROM chekt.delivery_gaps
 WHERE app = 'bench-app' AND site_id = 'site_' || :s
   AND day BETWEEN ((timestamptz :last - interval '30 days') AT TIME ZONE 'UTC')::date AND (timestamptz :last AT TIME ZONE 'UTC')::date
 GROUP BY kind ORDER BY kind;
