-- wrk script: POST pre-signed deliveries, each thread its own share of
-- them, in order, round and round.  The file (DELIVERIES, from
-- scripts/generate-stream.sql) has one per line: kind, timestamp,
-- signature, body, tab-separated.
--
--   DELIVERIES=stream.tsv wrk -s deliveries.lua http://127.0.0.1:8080/webhooks/app

local path = wrk.path
local requests = {}
local index = 1
local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  local n = 0
  for line in io.lines(os.getenv("DELIVERIES")) do
    n = n + 1
    if (n - 1) % tonumber(os.getenv("WRK_THREADS") or "1") == (id or 0) then
      local kind, ts, sig, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
      requests[#requests + 1] = wrk.format("POST", path, {
        ["X-CHeKT-Timestamp"] = ts,
        ["X-CHeKT-Signature"] = sig,
        ["Content-Type"] = "application/json",
      }, body)
    end
  end
end

function request()
  local r = requests[index]
  index = index % #requests + 1
  return r
end
