--
-- Every object of the extension explains itself and declares its behaviour:
-- each table, view and column has a COMMENT (BI tools show them), and each
-- function states its volatility, strictness and parallel safety
--

-- relations and columns without a comment: none expected
SELECT c.oid::regclass AS relation, a.attname AS column_without_comment
  FROM pg_class c
  LEFT JOIN pg_attribute a
    ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
 WHERE c.relnamespace IN ('chekt'::regnamespace, 'chekt_private'::regnamespace)
   AND c.relkind IN ('r', 'v', 'm', 'p', 'f')
   AND (obj_description(c.oid, 'pg_class') IS NULL
        OR (a.attnum IS NOT NULL AND col_description(c.oid, a.attnum) IS NULL))
 ORDER BY c.oid::regclass::text, 2;

-- comments that name a relation where it no longer is (0.8.0 moved eight
-- from chekt to chekt_private): none expected
SELECT pg_describe_object(d.classoid, d.objoid, d.objsubid) AS stale_comment
  FROM pg_description d
  JOIN pg_depend x ON x.classid = d.classoid AND x.objid = d.objoid AND x.deptype = 'e'
 WHERE x.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'chekt_events')
   AND d.description ~ 'chekt\.(apps|app_secrets|secret_status|inbox|rejected|events|analysts|backfillers)\M'
 ORDER BY 1;

-- functions without a comment: none expected
SELECT p.oid::regprocedure AS function_without_comment
  FROM pg_proc p
 WHERE p.pronamespace = 'chekt'::regnamespace
   AND obj_description(p.oid, 'pg_proc') IS NULL;

-- SECURITY DEFINER only with a pinned search_path: none expected
SELECT p.oid::regprocedure AS unsafe_security_definer
  FROM pg_proc p
 WHERE p.pronamespace = 'chekt'::regnamespace
   AND p.prosecdef
   AND NOT coalesce(p.proconfig @> ARRAY['search_path=pg_catalog, pg_temp'], false);

-- the declared behaviour of every function (a reviewed contract)
SELECT p.oid::regprocedure AS function,
       CASE p.provolatile WHEN 'i' THEN 'immutable' WHEN 's' THEN 'stable' ELSE 'volatile' END AS volatility,
       p.proisstrict AS strict,
       CASE p.proparallel WHEN 's' THEN 'safe' WHEN 'r' THEN 'restricted' ELSE 'unsafe' END AS parallel,
       p.prosecdef AS security_definer
  FROM pg_proc p
 WHERE p.pronamespace = 'chekt'::regnamespace
 ORDER BY p.oid::regprocedure::text;

-- every table holding configuration or user data is kept by pg_dump; the
-- only ones not kept are chekt_private.inbox (nothing stays in it) and the type
-- catalog (reference data that CREATE EXTENSION and upgrade scripts write;
-- dumping it too would make a restore insert every row twice)
-- (a table that is not a member, such as a monthly partition, pg_dump
-- keeps like any table)
SELECT c.oid::regclass AS table_not_dumped
  FROM pg_class c
  JOIN pg_depend x ON x.classid = 'pg_class'::regclass AND x.objid = c.oid AND x.deptype = 'e'
 WHERE c.relnamespace IN ('chekt'::regnamespace, 'chekt_private'::regnamespace)
   AND c.relkind IN ('r', 'S')
   AND c.oid <> ALL (coalesce((SELECT e.extconfig FROM pg_extension e
                                WHERE e.extname = 'chekt_events'), '{}'))
 ORDER BY c.oid::regclass::text;

-- monthly partitions that are members of the extension (pg_dump would
-- leave them and their rows out): none expected, though the earlier tests
-- made some
SELECT count(*) > 0 AS partitions_made FROM pg_inherits i
  JOIN pg_class p ON p.oid = i.inhparent
 WHERE p.relnamespace IN ('chekt'::regnamespace, 'chekt_private'::regnamespace);
SELECT i.inhrelid::regclass AS member_partition
  FROM pg_inherits i
  JOIN pg_depend x ON x.classid = 'pg_class'::regclass AND x.objid = i.inhrelid AND x.deptype = 'e'
 ORDER BY 1;

-- every field of the type catalog has a column of the right type in its
-- family table: none expected
SELECT f.event_type, f.field, f.column_name, f.kind,
       format_type(a.atttypid, a.atttypmod) AS column_type
  FROM chekt.event_fields f
  JOIN chekt.event_types t USING (event_type)
  LEFT JOIN pg_attribute a
    ON a.attrelid = format('chekt.%I', t.family || '_events')::regclass
   AND a.attname = f.column_name AND NOT a.attisdropped
 WHERE a.atttypid IS DISTINCT FROM
       CASE f.kind WHEN 'string' THEN 'text'::regtype
                   WHEN 'seconds' THEN 'integer'::regtype
                   WHEN 'timestamp' THEN 'timestamptz'::regtype END;

-- every type is named after its family, family.action (the lifecycle
-- tells the alarm family's rows of chekt.alarm_trail by it): none expected
SELECT event_type, family FROM chekt.event_types WHERE NOT starts_with(event_type, family || '.');

-- every family has a table, and every family table has no trigger and no
-- foreign key (so that it can be distributed): none expected
SELECT family, 'no table' AS problem
  FROM chekt.event_families
 WHERE to_regclass(format('chekt.%I', family || '_events')) IS NULL
UNION ALL
SELECT tgrelid::regclass::text, 'trigger ' || tgname
  FROM pg_trigger
 WHERE tgrelid IN (SELECT to_regclass(format('chekt.%I', family || '_events'))
                     FROM chekt.event_families)
UNION ALL
SELECT conrelid::regclass::text, 'foreign key ' || conname
  FROM pg_constraint
 WHERE contype = 'f'
   AND conrelid IN (SELECT to_regclass(format('chekt.%I', family || '_events'))
                      FROM chekt.event_families);
