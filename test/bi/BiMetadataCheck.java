// What a BI tool sees of chekt_events through pgjdbc (Debian's
// libpostgresql-jdbc-java): it lists the views of schema chekt with
// DatabaseMetaData, as Metabase, Superset or Tableau do, and checks that
// every view and column has a description, that durations are DOUBLE,
// counts BIGINT, and no column has a type BI drivers mishandle (NUMERIC
// without precision, arrays, structs, distinct types, driver-specific
// OTHER); then it runs a parameterised query with a string bind on a
// category column, which fails on enum columns.  Given an app, it also
// reads every object of the analytic surface and checks that each row it
// sees is of that app (an analyst scoped by chekt.grant_analyst()).
//
//   java -cp /usr/share/java/postgresql.jar BiMetadataCheck.java JDBC_URL [APP]
//
// Prints one line per view and exits 1 on any problem.

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;

public class BiMetadataCheck {
    public static void main(String[] args) throws Exception {
        List<String> problems = new ArrayList<>();
        int views = 0;
        try (Connection conn = DriverManager.getConnection(args[0])) {
            DatabaseMetaData meta = conn.getMetaData();
            System.out.println(meta.getDriverName() + " " + meta.getDriverVersion() + ", "
                    + meta.getDatabaseProductName() + " " + meta.getDatabaseProductVersion());
            try (ResultSet tables = meta.getTables(null, "chekt", "%", new String[] {"VIEW"})) {
                while (tables.next()) {
                    String view = tables.getString("TABLE_NAME");
                    String remarks = tables.getString("REMARKS");
                    views++;
                    if (remarks == null || remarks.isEmpty())
                        problems.add(view + ": no description");
                    int columns = 0;
                    try (ResultSet cols = meta.getColumns(null, "chekt", view, "%")) {
                        while (cols.next()) {
                            columns++;
                            String column = view + "." + cols.getString("COLUMN_NAME");
                            String name = cols.getString("COLUMN_NAME");
                            int type = cols.getInt("DATA_TYPE");
                            String typeName = cols.getString("TYPE_NAME");
                            String colRemarks = cols.getString("REMARKS");
                            if (colRemarks == null || colRemarks.isEmpty())
                                problems.add(column + ": no description");
                            if (type == Types.NUMERIC || type == Types.DECIMAL || type == Types.ARRAY
                                    || type == Types.STRUCT || type == Types.DISTINCT || type == Types.OTHER)
                                problems.add(column + ": type " + typeName + " (" + type + ")");
                            if (name.endsWith("_s") && type != Types.DOUBLE)
                                problems.add(column + ": a duration of type " + typeName + ", not double precision");
                            if ((name.equals("alarms") || name.endsWith("_alarms") || name.equals("false_positives"))
                                    && type != Types.BIGINT)
                                problems.add(column + ": a count of type " + typeName + ", not bigint");
                        }
                    }
                    System.out.println("view chekt." + view + ": " + columns + " columns");
                }
            }
            if (views == 0)
                problems.add("no view of schema chekt is visible");

            try (PreparedStatement ps = conn.prepareStatement(
                    "SELECT alarm_id, time_to_acknowledge_s, is_false_positive"
                    + " FROM chekt.alarm_lifecycle WHERE state = ? ORDER BY alarm_id")) {
                ps.setString(1, "resolved");
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next())
                        System.out.println("resolved alarm " + rs.getString(1) + ": acknowledged after "
                                + rs.getDouble(2) + " s, false positive " + rs.getBoolean(3));
                }
            }

            if (args.length > 1) {
                String[] surface = {
                    "chekt.alarm_events", "chekt.device_events", "chekt.snapshot_events",
                    "chekt.verification_events", "chekt.partition_events", "chekt.relay_events",
                    "chekt.alarm_lifecycle", "chekt.device_outages", "chekt.device_status",
                    "chekt.partition_status", "chekt.site_daily_summary",
                    "chekt.alarm_timeline('A-1')", "chekt.alarm_timeline('A-1', 'bi-app')",
                    "chekt.device_downtime(NULL, '-infinity', 'infinity')",
                    "chekt.device_outages_between(NULL, '-infinity', 'infinity')"};
                for (String object : surface) {
                    try (PreparedStatement ps = conn.prepareStatement(
                            "SELECT count(*), count(*) FILTER (WHERE app IS DISTINCT FROM ?) FROM " + object)) {
                        ps.setString(1, args[1]);
                        try (ResultSet rs = ps.executeQuery()) {
                            rs.next();
                            System.out.println(object + ": " + rs.getLong(1) + " rows, "
                                    + rs.getLong(2) + " of another app than " + args[1]);
                            if (rs.getLong(2) != 0)
                                problems.add(object + ": " + rs.getLong(2) + " rows of another app than " + args[1]);
                        }
                    }
                }
            }
        }
        for (String problem : problems)
            System.out.println("PROBLEM " + problem);
        System.out.println(views + " views, " + problems.size() + " problems");
        System.exit(problems.isEmpty() ? 0 : 1);
    }
}
