-- the completeness report of one site over the last 30 days
SELECT kind, sum(occurrences)
  FROM chekt.site_delivery_gaps('site_' || :s, ((timestamptz :last - interval '30 days') AT TIME ZONE 'UTC')::date,
                                (timestamptz :last AT TIME ZONE 'UTC')::date, 'bench-app')
 GROUP BY kind ORDER BY kind;
