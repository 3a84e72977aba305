-- The ingest pipeline as a user would write it in PL/pgSQL with pgcrypto:
-- a BEFORE INSERT row trigger that verifies, parses, validates and routes
-- each delivery with one statement per row.  The benchmark's yardstick for
-- chekt_events (bench/ingest/run.sh); not part of the extension.

\set ON_ERROR_STOP on
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgcrypto;
DROP SCHEMA IF EXISTS bench_plpgsql CASCADE;
CREATE SCHEMA bench_plpgsql;

CREATE TABLE bench_plpgsql.app_secrets (app text, secret text, tolerance_s integer DEFAULT 300);
CREATE TABLE bench_plpgsql.event_types (event_type text PRIMARY KEY, family text, required text[]);
INSERT INTO bench_plpgsql.event_types VALUES
  ('alarm.created', 'alarm', '{alarm_id,site_id}'), ('alarm.acknowledged', 'alarm', '{alarm_id}'),
  ('alarm.dispatched', 'alarm', '{alarm_id}'), ('alarm.resolved', 'alarm', '{alarm_id,resolution}'),
  ('device.online', 'device', '{device_id}'), ('device.offline', 'device', '{device_id}'),
  ('snapshot.created', 'snapshot', '{snapshot_id}'), ('verification.requested', 'verification', '{alarm_id}'),
  ('partition.armed', 'partition', '{partition_id}'), ('partition.disarmed', 'partition', '{partition_id}'),
  ('relay.activated', 'relay', '{relay_id}');

CREATE TABLE bench_plpgsql.inbox (app text NOT NULL, received_at timestamptz NOT NULL DEFAULT now(),
                                  signed_at text, signature text, body text NOT NULL);
CREATE TABLE bench_plpgsql.events (event_id text PRIMARY KEY, event_type text, created_at timestamptz,
                                   received_at timestamptz, app text, delivery_count integer DEFAULT 1,
                                   signed_at text, signature text, body text);
CREATE TABLE bench_plpgsql.rejected (app text, received_at timestamptz, signed_at text, signature text,
                                     body text, reason text, detail text);
CREATE TABLE bench_plpgsql.alarm_events (event_id text, event_type text, created_at timestamptz, alarm_id text,
  site_id text, device_id text, priority text, trigger text, location text, snapshot_url text, operator_id text,
  reason text, responder_id text, responder_type text, eta_seconds integer, tracking_url text, resolution text, notes text,
  PRIMARY KEY (alarm_id, event_id));
CREATE TABLE bench_plpgsql.device_events (event_id text, event_type text, created_at timestamptz, device_id text,
  site_id text, previous_status text, downtime_seconds integer, last_seen_at timestamptz, PRIMARY KEY (device_id, event_id));
CREATE TABLE bench_plpgsql.snapshot_events (event_id text, event_type text, created_at timestamptz, snapshot_id text,
  device_id text, alarm_id text, url text, expires_at timestamptz, PRIMARY KEY (snapshot_id, event_id));
CREATE TABLE bench_plpgsql.verification_events (event_id text, event_type text, created_at timestamptz, alarm_id text,
  requested_by text, deadline_seconds integer, PRIMARY KEY (alarm_id, event_id));
CREATE TABLE bench_plpgsql.partition_events (event_id text, event_type text, created_at timestamptz, partition_id text,
  site_id text, mode text, initiated_by text, operator_id text, PRIMARY KEY (partition_id, event_id));
CREATE TABLE bench_plpgsql.relay_events (event_id text, event_type text, created_at timestamptz, relay_id text,
  device_id text, duration_seconds integer, trigger text, alarm_id text, PRIMARY KEY (relay_id, event_id));

-- quarantines a delivery; returns NULL, so that the trigger keeps nothing
CREATE FUNCTION bench_plpgsql.reject(d bench_plpgsql.inbox, reason text, detail text) RETURNS bench_plpgsql.inbox
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO bench_plpgsql.rejected VALUES (d.app, d.received_at, d.signed_at, d.signature, d.body, reason, detail);
  RETURN NULL;
END $$;

CREATE FUNCTION bench_plpgsql.receive() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  s record;
  verified boolean := false;
  any_secret boolean := false;
  tolerance integer;
  doc jsonb;
  d jsonb;
  t bench_plpgsql.event_types;
  created timestamptz;
  field text;
  inserted boolean;
BEGIN
  FOR s IN SELECT secret, tolerance_s FROM bench_plpgsql.app_secrets WHERE app = NEW.app LOOP
    any_secret := true;
    tolerance := s.tolerance_s;
    IF encode(hmac(NEW.signed_at || '.' || NEW.body, s.secret, 'sha256'), 'hex')
       = lower(regexp_replace(NEW.signature, '^sha256=', '')) THEN
      verified := true;
    END IF;
  END LOOP;
  IF NOT any_secret THEN RETURN bench_plpgsql.reject(NEW, 'unknown_app', 'no such app'); END IF;
  IF NOT verified THEN RETURN bench_plpgsql.reject(NEW, 'bad_signature', 'no secret matches'); END IF;
  IF NEW.signed_at !~ '^[0-9]{1,15}$'
     OR abs(extract(epoch FROM NEW.received_at) - NEW.signed_at::bigint) > tolerance THEN
    RETURN bench_plpgsql.reject(NEW, 'stale_signature', 'outside the replay window');
  END IF;
  IF octet_length(NEW.body) > 262144 THEN RETURN bench_plpgsql.reject(NEW, 'oversize', 'too big'); END IF;
  BEGIN
    doc := NEW.body::jsonb;
  EXCEPTION WHEN others THEN
    RETURN bench_plpgsql.reject(NEW, 'malformed_json', SQLERRM);
  END;
  IF jsonb_typeof(doc) <> 'object' OR jsonb_typeof(doc -> 'id') IS DISTINCT FROM 'string' OR doc ->> 'id' = ''
     OR jsonb_typeof(doc -> 'type') IS DISTINCT FROM 'string'
     OR coalesce(doc ->> 'created_at', '') !~ '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$'
     OR jsonb_typeof(doc -> 'data') IS DISTINCT FROM 'object' THEN
    RETURN bench_plpgsql.reject(NEW, 'invalid_envelope', 'bad envelope');
  END IF;
  created := (doc ->> 'created_at')::timestamptz;
  SELECT * INTO t FROM bench_plpgsql.event_types WHERE event_type = doc ->> 'type';
  IF NOT FOUND THEN RETURN bench_plpgsql.reject(NEW, 'unknown_type', doc ->> 'type'); END IF;
  d := doc -> 'data';
  FOREACH field IN ARRAY t.required LOOP
    IF jsonb_typeof(d -> field) IS DISTINCT FROM 'string' THEN
      RETURN bench_plpgsql.reject(NEW, 'invalid_payload', field || ' is required');
    END IF;
  END LOOP;

  INSERT INTO bench_plpgsql.events AS e (event_id, event_type, created_at, received_at, app, signed_at, signature, body)
  VALUES (doc ->> 'id', t.event_type, created, NEW.received_at, NEW.app, NEW.signed_at, NEW.signature, NEW.body)
  ON CONFLICT (event_id) DO UPDATE SET delivery_count = e.delivery_count + 1 WHERE e.body = excluded.body
  RETURNING (xmax = 0) INTO inserted;
  IF NOT FOUND THEN RETURN bench_plpgsql.reject(NEW, 'id_conflict', 'another body'); END IF;
  IF NOT inserted THEN RETURN NULL; END IF;

  CASE t.family
    WHEN 'alarm' THEN
      INSERT INTO bench_plpgsql.alarm_events
      SELECT doc ->> 'id', t.event_type, created, r.* FROM jsonb_to_record(d) AS r (alarm_id text, site_id text,
        device_id text, priority text, trigger text, location text, snapshot_url text, operator_id text, reason text,
        responder_id text, responder_type text, eta_seconds integer, tracking_url text, resolution text, notes text);
    WHEN 'device' THEN
      INSERT INTO bench_plpgsql.device_events
      SELECT doc ->> 'id', t.event_type, created, r.* FROM jsonb_to_record(d) AS r (device_id text, site_id text,
        previous_status text, downtime_seconds integer, last_seen_at timestamptz);
    WHEN 'snapshot' THEN
      INSERT INTO bench_plpgsql.snapshot_events
      SELECT doc ->> 'id', t.event_type, created, r.* FROM jsonb_to_record(d) AS r (snapshot_id text, device_id text,
        alarm_id text, url text, expires_at timestamptz);
    WHEN 'verification' THEN
      INSERT INTO bench_plpgsql.verification_events
      SELECT doc ->> 'id', t.event_type, created, r.* FROM jsonb_to_record(d) AS r (alarm_id text, requested_by text,
        deadline_seconds integer);
    WHEN 'partition' THEN
      INSERT INTO bench_plpgsql.partition_events
      SELECT doc ->> 'id', t.event_type, created, r.partition_id, r.site_id, r.mode, r.by, r.operator_id
        FROM jsonb_to_record(d) AS r (partition_id text, site_id text, mode text, by text, operator_id text);
    WHEN 'relay' THEN
      INSERT INTO bench_plpgsql.relay_events
      SELECT doc ->> 'id', t.event_type, created, r.*,
             CASE WHEN r.trigger LIKE 'alarm.created:%' THEN substr(r.trigger, 15) END
        FROM jsonb_to_record(d) AS r (relay_id text, device_id text, duration_seconds integer, trigger text);
  END CASE;
  RETURN NULL;
END $$;

CREATE TRIGGER receive BEFORE INSERT ON bench_plpgsql.inbox
  FOR EACH ROW EXECUTE FUNCTION bench_plpgsql.receive();

INSERT INTO bench_plpgsql.app_secrets (app, secret) VALUES ('bench-app', 'bench-secret');
