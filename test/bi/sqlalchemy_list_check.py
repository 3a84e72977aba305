"""What SQLAlchemy's inspector lists for a role, and whether each object opens.

The inspector (as Superset, pandas users and ORM automap use it) lists the
tables and views of a schema from pg_class, whatever the role may open.  For
every schema it reports that the role may use, every listed table and view
must open (SELECT ... LIMIT 0); schemas the role may not use are reported
with what they hold, which is names only (PostgreSQL's catalogs are readable
by every role).  Exits 1 on any object that is listed in a usable schema and
does not open, or when nothing at all is listed.

    /usr/bin/python3 test/bi/sqlalchemy_list_check.py postgresql+psycopg2://USER@HOST:PORT/DB
"""
import sys

import sqlalchemy
from sqlalchemy import inspect, text

SYSTEM = ("pg_catalog", "information_schema")


def main(url):
    engine = sqlalchemy.create_engine(url, future=True)
    inspector = inspect(engine)
    problems, opened = [], 0
    with engine.connect() as conn:
        print("SQLAlchemy %s, default schema %s" % (sqlalchemy.__version__, inspector.default_schema_name))
        for schema in inspector.get_schema_names():
            if schema in SYSTEM or schema.startswith("pg_"):
                continue
            usable = conn.execute(text("SELECT has_schema_privilege(:s, 'USAGE')"), {"s": schema}).scalar()
            names = sorted(inspector.get_table_names(schema=schema) + inspector.get_view_names(schema=schema))
            if not usable:
                print("schema %s: not usable by this role (%d names in the catalog)" % (schema, len(names)))
                continue
            for name in names:
                quoted = '"%s"."%s"' % (schema.replace('"', '""'), name.replace('"', '""'))
                try:
                    with conn.begin_nested():
                        conn.execute(text("SELECT * FROM %s LIMIT 0" % quoted))
                    opened += 1
                except sqlalchemy.exc.DBAPIError as e:
                    problems.append("%s.%s is listed but does not open: %s"
                                    % (schema, name, str(e.orig).splitlines()[0]))
            print("schema %s: %d listed" % (schema, len(names)))
    for problem in problems:
        print("PROBLEM " + problem)
    if opened == 0:
        print("PROBLEM nothing was listed")
    print("%d objects listed in usable schemas open, %d do not" % (opened, len(problems)))
    return 0 if not problems and opened else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
