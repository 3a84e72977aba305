-- every device's downtime over the last week
SELECT count(*), sum(in_window_s) FROM chekt.device_downtime(NULL, timestamptz :last - interval '7 days', :last);
