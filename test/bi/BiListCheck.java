// What pgjdbc's DatabaseMetaData.getTables() lists for a role, and whether
// each object opens.  Two listings, as BI tools make them: every table and
// view of schema chekt (a connection set to the analyst's schema), and,
// with pgjdbc's hideUnprivilegedObjects=true, of every schema but the
// system ones.  Every object listed must open (SELECT ... LIMIT 0).
//
//   java -cp /usr/share/java/postgresql.jar BiListCheck.java JDBC_URL
//
// Prints what it lists and exits 1 on any object that does not open, or
// when a listing is empty.

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

public class BiListCheck {
    static final String[] TYPES = {"TABLE", "VIEW", "MATERIALIZED VIEW", "PARTITIONED TABLE", "FOREIGN TABLE"};

    // List with getTables(schemaPattern), open each; returns how many opened
    static int check(String url, String schemaPattern, String label, List<String> problems) throws SQLException {
        int opened = 0;
        int listed = 0;
        try (Connection conn = DriverManager.getConnection(url)) {
            DatabaseMetaData meta = conn.getMetaData();
            List<String[]> objects = new ArrayList<>();
            try (ResultSet tables = meta.getTables(null, schemaPattern, "%", TYPES)) {
                while (tables.next()) {
                    String schema = tables.getString("TABLE_SCHEM");
                    if (schema.equals("pg_catalog") || schema.equals("information_schema"))
                        continue;
                    objects.add(new String[] {schema, tables.getString("TABLE_NAME")});
                }
            }
            for (String[] o : objects) {
                listed++;
                String quoted = "\"" + o[0].replace("\"", "\"\"") + "\".\"" + o[1].replace("\"", "\"\"") + "\"";
                try (Statement st = conn.createStatement()) {
                    st.executeQuery("SELECT * FROM " + quoted + " LIMIT 0").close();
                    opened++;
                } catch (SQLException e) {
                    problems.add(label + ": " + o[0] + "." + o[1] + " is listed but does not open: "
                            + e.getMessage().split("\n")[0]);
                }
            }
        }
        System.out.println(label + ": " + listed + " listed, " + opened + " open");
        if (listed == 0)
            problems.add(label + ": nothing listed");
        return opened;
    }

    public static void main(String[] args) throws Exception {
        List<String> problems = new ArrayList<>();
        String url = args[0];
        check(url, "chekt", "schema chekt", problems);
        check(url + (url.contains("?") ? "&" : "?") + "hideUnprivilegedObjects=true", null,
                "every schema, hideUnprivilegedObjects=true", problems);
        for (String problem : problems)
            System.out.println("PROBLEM " + problem);
        System.exit(problems.isEmpty() ? 0 : 1);
    }
}
