-- wrk script of bench/resolve.py: POST /runtime/v1/resolve with varied launches.
--
--   wrk -t1 -c4 -d10s -s bench/resolve.lua http://127.0.0.1:8000 -- POOL [etag]
--
-- POOL is a file that bench/resolve.py writes (--pool-only writes it and stops), one request a
-- line, four tab-separated fields:  app_key, secret, etag, body  — the body is the JSON of one
-- launch: a host app (its key and secret go in X-MPP-App-Key and Authorization: Bearer), an
-- environment, a device (device id, GUID, account or none, platform, OS and app version,
-- network, language, subpackages) and 20 app_ids drawn from the seeded mini programs. With
-- "etag" as second argument each request carries If-None-Match with the ETag of its first
-- answer (the 304 path). Each thread cycles through the pool from its own starting point, the
-- requests built once in init() so the load generator spends its CPU on sockets, not on Lua.
-- done() prints one line "RESULT {json}" that bench/resolve.py reads.

local pool_path, use_etag = nil, false
local requests = {}
local position = 0
local next_thread = 0

function setup(thread)
  thread:set("thread_number", next_thread)
  next_thread = next_thread + 1
end

function init(args)
  pool_path = args[1] or os.getenv("RESOLVE_POOL")
  use_etag = args[2] == "etag"
  if not pool_path then
    error("usage: wrk ... -s bench/resolve.lua URL -- POOL [etag]")
  end
  local path = wrk.path
  if path == nil or path == "" or path == "/" then
    path = "/runtime/v1/resolve"
  end
  local file = assert(io.open(pool_path, "r"))
  for line in file:lines() do
    local key, secret, etag, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
    if key then
      local headers = {
        ["Content-Type"] = "application/json",
        ["X-MPP-App-Key"] = key,
        ["Authorization"] = "Bearer " .. secret,
        ["X-Forwarded-Proto"] = "https",  -- as the TLS-terminating load balancer says
      }
      if use_etag and etag ~= "" then
        headers["If-None-Match"] = etag
      end
      requests[#requests + 1] = wrk.format("POST", path, headers, body)
    end
  end
  file:close()
  if #requests == 0 then
    error("no request in " .. pool_path)
  end
  position = ((thread_number or 0) * 7919) % #requests
end

function request()
  position = position % #requests + 1
  return requests[position]
end

function done(summary, latency, _requests)
  local errors = summary.errors
  io.write(string.format(
    'RESULT {"requests": %d, "duration_us": %d, "bytes": %d, "p50_us": %d, "p90_us": %d, '
      .. '"p99_us": %d, "max_us": %d, "mean_us": %.1f, "status_errors": %d, '
      .. '"connect_errors": %d, "read_errors": %d, "write_errors": %d, "timeouts": %d}\n',
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    latency.mean, errors.status, errors.connect, errors.read, errors.write, errors.timeout))
end
