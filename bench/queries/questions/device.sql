-- one device's downtime over the last 30 days
SELECT * FROM chekt.device_downtime('dev_' || :d, timestamptz :last - interval '30 days', :last);
