#!/usr/bin/env bash
# The edges of HTTP, each seen to fail on 0.3.0: clients that half-close
# after their request get their answer; an event id comes back whole;
# repeated signature headers are all considered; an app name is taken
# whole or refused (never a prefix at a %00); --max-body stays where
# lengths fit; and keys too long for an index, posted amid good deliveries
# (and COPYed), are quarantined and answered 200 while the good ones are
# stored.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/receiver.sh"

db=chekt_http_edges
fresh_db "$db"
sql "$db" -c "SELECT chekt.add_secret('edge', 'edge-secret')" >/dev/null
start_receiver "$db"
port=${RECEIVER_URL##*:}

# Raw HTTP from Python: half-closed sockets, control bytes in the path
client=$(mktemp)
trap 'rm -f "$client"; receiver_cleanup' EXIT
cat >"$client" <<'PY'
import hashlib, hmac, json, socket, sys, threading, time

port = int(sys.argv[1])
SECRET = b"edge-secret"

def signed(body, signatures=None):
    ts = str(int(time.time()))
    sig = hmac.new(SECRET, ts.encode() + b"." + body, hashlib.sha256).hexdigest()
    headers = f"X-CHeKT-Timestamp: {ts}\r\n"
    for s in (signatures or [sig]):
        headers += f"X-CHeKT-Signature: {s.replace('GOOD', sig)}\r\n"
    return headers

def request(path, body=b"", headers="", half_close=False):
    raw = (f"POST {path} HTTP/1.1\r\nHost: edge\r\n{headers}Content-Length: {len(body)}\r\n"
           "Connection: close\r\n\r\n").encode() + body
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(raw)
    if half_close:
        s.shutdown(socket.SHUT_WR)
    s.settimeout(20)
    data = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    except OSError:
        pass
    s.close()
    if not data:
        return None, None
    status = int(data.split(b" ", 2)[1])
    return status, json.loads(data.split(b"\r\n\r\n", 1)[1] or b"null")

def event(id, data=None):
    return json.dumps({"id": id, "type": "alarm.created", "created_at": "2026-05-26T10:21:34Z",
                       "data": data or {"alarm_id": "A-1", "site_id": "S-1"}},
                      ensure_ascii=False).encode()

what = sys.argv[2]
if what == "half-close":
    # rounds of clients that shut down their sending side after the request
    answered = []
    def one(i):
        body = event(f"half-{time.time_ns()}-{i}")
        answered.append(request("/webhooks/edge", body, signed(body), half_close=True))
    for _ in range(3):
        threads = [threading.Thread(target=one, args=(i,)) for i in range(30)]
        [t.start() for t in threads]
        [t.join() for t in threads]
    good = sum(1 for status, answer in answered if status == 200 and answer["outcome"] == "accepted")
    print(f"{good} of {len(answered)}")
elif what == "long-id":
    # the longest id there is, of multi-byte characters: it comes back whole
    id = "€" * 66 + "ab"
    assert len(id.encode()) == 200
    body = event(id)
    status, answer = request("/webhooks/edge", body, signed(body))
    print(status, answer["outcome"], answer.get("event_id") == id)
elif what == "repeated-signature":
    body = event("repeated-signature")
    print(*request("/webhooks/edge", body, signed(body, ["0" * 64, "GOOD"])))
elif what == "paths":
    body = event("path")
    for path in ["/webhooks/edge%00evil", "/webhooks/edge%01", "/webhooks/ed\x01ge",
                 "/webhooks/edge%2Fevil", "/webhooks/" + "p" * 201, "/webhooks/edge%7f"]:
        status, answer = request(path, body, signed(body))
        print(status, answer["outcome"])
elif what == "probe-body":
    # a health probe with an endless chunked body: cut off past the body limit
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: edge\r\nTransfer-Encoding: chunked\r\n\r\n")
    chunk = b"10000\r\n" + b"x" * 0x10000 + b"\r\n"
    sent = 0
    try:
        s.settimeout(5)
        for _ in range(64):
            s.sendall(chunk)
            sent += 0x10000
    except OSError:
        pass
    s.close()
    print("cut off" if sent < 64 * 0x10000 else f"took {sent} bytes")
elif what == "long-keys":
    # good, long, good, long ... in one burst: all answered 200
    cases = [("good-1", None), ("x" * 0 + "long-id-" + "9" * 300, None), ("good-2", None),
             ("long-alarm", {"alarm_id": "a" * 201, "site_id": "S"}), ("good-3", None),
             ("long-site", {"alarm_id": "A", "site_id": "s" * 3200})]
    results = [None] * len(cases)
    def one(i):
        id, data = cases[i]
        body = event(id, data)
        results[i] = request("/webhooks/edge", body, signed(body))
    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(cases))]
    [t.start() for t in threads]
    [t.join() for t in threads]
    for status, answer in results:
        print(status, answer["outcome"])
PY

# half-closed clients: every one answered (0.3.0: about half were dropped)
got=$(python3 "$client" "$port" half-close)
[ "$got" = "90 of 90" ] || fail "half-closed clients: $got answered"

# an event id of 200 bytes, multi-byte characters, comes back whole
got=$(python3 "$client" "$port" long-id)
[ "$got" = "200 accepted True" ] || fail "long id: $got"

# a wrong and a right signature in two X-CHeKT-Signature headers
got=$(python3 "$client" "$port" repeated-signature)
[ "$got" = "200 {'outcome': 'accepted', 'event_id': 'repeated-signature'}" ] || fail "repeated signature headers: $got"

# app names: a NUL or control byte, raw or encoded, is refused; a name
# longer than any app has, or one holding a slash, names no endpoint
got=$(python3 "$client" "$port" paths | tr '\n' ' ')
[ "$got" = "400 bad_request 400 bad_request 400 bad_request 404 not_found 404 not_found 400 bad_request " ] ||
  fail "app names: $got"
[ "$(sql "$db" -c "SELECT count(*) FROM chekt_private.rejected WHERE app LIKE 'edge%'")" = 0 ] ||
  fail "a refused path reached the database"

# a health probe cannot hold a connection with an endless body
got=$(python3 "$client" "$port" probe-body)
[ "$got" = "cut off" ] || fail "probe with an endless body: $got"

# keys too long for an index, amid good deliveries: all answered 200
got=$(python3 "$client" "$port" long-keys | sort | uniq -c | awk '{ printf "%s %s %s; ", $1, $2, $3 }')
[ "$got" = "3 200 accepted; 1 200 invalid_envelope; 2 200 invalid_payload; " ] || fail "long keys over HTTP: $got"
got=$(sql "$db" -c "SELECT string_agg(event_id, ' ' ORDER BY event_id) FROM chekt_private.events WHERE event_id LIKE 'good-%'")
[ "$got" = "good-1 good-2 good-3" ] || fail "good deliveries stored: $got"

# --max-body past what a COPY row can carry is refused at start
if out=$("$RECEIVER" --listen 127.0.0.1:1 --db "dbname=$db" --max-body 2147483648 2>&1); then
  fail "--max-body 2147483648 was taken"
fi
grep -q "max-body" <<<"$out" || fail "--max-body refused without saying so: $out"

stop_receiver
[ "$RECEIVER_STATUS" = 0 ] || fail "exit status $RECEIVER_STATUS"

# The same by COPY: good, long id, good, long alarm_id, good, long app
copy=$(mktemp)
trap 'rm -f "$client" "$copy"; receiver_cleanup' EXIT
sql "$db" <<'SQL' >/dev/null
CREATE TABLE public.deliveries AS
SELECT n, app, '1779791400' AS signed_at, chekt.sign('edge-secret', '1779791400', b) AS signature, b AS body
  FROM (VALUES (1, 'edge', 'copy-good-1', 'A'), (2, 'edge', (SELECT string_agg(md5(i::text), '') FROM generate_series(1, 100) i), 'A'),
               (3, 'edge', 'copy-good-2', 'A'), (4, 'edge', 'copy-long-alarm', (SELECT string_agg(md5(i::text), '') FROM generate_series(1, 100) i)),
               (5, 'edge', 'copy-good-3', 'A'), (6, repeat('p', 300), 'copy-long-app', 'A')) AS v (n, app, id, alarm),
       LATERAL (SELECT json_build_object('id', id, 'type', 'alarm.created', 'created_at', '2026-05-26T10:21:34Z',
                                         'data', json_build_object('alarm_id', alarm, 'site_id', 'S'))::text) AS x (b);
SQL
sql "$db" -c "COPY (SELECT app, '2026-05-26 10:30:00+00', signed_at, signature, body FROM deliveries ORDER BY n) TO STDOUT" >"$copy"
sql "$db" -c "\\copy chekt_private.inbox (app, received_at, signed_at, signature, body) FROM '$copy'" >/dev/null ||
  fail "the COPY failed"
got=$(sql "$db" -c "SELECT string_agg(event_id, ' ' ORDER BY event_id) FROM chekt_private.events WHERE event_id LIKE 'copy-%'")
[ "$got" = "copy-good-1 copy-good-2 copy-good-3" ] || fail "COPY stored: $got"
got=$(sql "$db" -c "SELECT string_agg(reason, ' ' ORDER BY reason) FROM chekt_private.rejected WHERE received_at = '2026-05-26 10:30:00+00'")
[ "$got" = "invalid_envelope invalid_payload unknown_app" ] || fail "COPY quarantined: $got"
echo "half-close, long ids, repeated signatures, app names, --max-body and long keys all as they should be"
