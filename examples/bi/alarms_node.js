// Alarms per site and UTC day, with node-postgres (pg).
//
//   node alarms_node.js postgres://metabase@HOST/DATABASE
const { Client, types } = require('pg');

// bigint (every count) arrives as a string, lest one above 2^53 lose
// digits: counts of alarms fit in a number
types.setTypeParser(types.builtins.INT8, (value) => Number(value));
// date (a day bucket, a UTC day) would become midnight in the process's
// time zone, another day in UTC west of Greenwich: keep it as text
types.setTypeParser(types.builtins.DATE, (value) => value);

async function main() {
  // the session in UTC (give the role UTC as well: ALTER ROLE ... SET TimeZone)
  const client = new Client({ connectionString: process.argv[2], options: '-c TimeZone=UTC' });
  await client.connect();
  try {
    const { rows } = await client.query(
      `SELECT app, site_id, day, alarms, false_positives, mean_time_to_acknowledge_s
         FROM chekt.site_daily_summary
        WHERE day >= $1
        ORDER BY app, site_id, day`, ['2026-01-01']);
    for (const r of rows) {
      console.log(`${r.app} ${r.site_id} ${r.day}: ${r.alarms} alarms (a ${typeof r.alarms}), ` +
                  `${r.false_positives} false positives, acknowledged after ${r.mean_time_to_acknowledge_s} s on average`);
    }
  } finally {
    await client.end();
  }
}

main().catch((error) => {
  console.error(error.message);
  process.exit(1);
});
