-- an alarm's timeline
SELECT * FROM chekt.alarm_timeline('A-' || :a);
