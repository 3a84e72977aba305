"""Alarms and their acknowledgement times into pandas, through SQLAlchemy.

    python3 alarms_pandas.py postgresql+psycopg2://metabase@HOST/DATABASE
"""
import sys

import pandas as pd
import sqlalchemy

# The session in UTC (give the role UTC as well: ALTER ROLE ... SET TimeZone):
# instants then come back with one offset, and agree with the day buckets,
# which are UTC days
engine = sqlalchemy.create_engine(sys.argv[1], connect_args={"options": "-c TimeZone=UTC"})

with engine.connect() as conn:
    alarms = pd.read_sql(
        sqlalchemy.text("SELECT app, alarm_id, site_id, created_at, acknowledged_at, time_to_acknowledge_s"
                        "  FROM chekt.alarm_lifecycle WHERE created_at >= :since ORDER BY app, alarm_id"),
        conn, params={"since": "2026-01-01"},
        # timestamptz as datetime64[ns, UTC], even from a session in a zone
        # with daylight saving time (where pandas would keep Python objects)
        parse_dates={"created_at": {"utc": True}, "acknowledged_at": {"utc": True}})
    days = pd.read_sql(
        sqlalchemy.text("SELECT app, site_id, day, alarms, false_positives FROM chekt.site_daily_summary"
                        " ORDER BY app, site_id, day"),
        conn,
        # date arrives as Python dates (dtype object): parse it too
        parse_dates=["day"])

print(alarms.dtypes.to_string())
print(days.dtypes.to_string())
for row in alarms.itertuples():
    print(f"{row.app} {row.alarm_id} at {row.created_at.isoformat()}: acknowledged after {row.time_to_acknowledge_s} s")
for row in days.itertuples():
    print(f"{row.app} {row.site_id} {row.day.date()}: {row.alarms} alarms, {row.false_positives} false positives")
