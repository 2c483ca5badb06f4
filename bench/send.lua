-- wrk script of bench/send.py: POST /open/v1/messages, one subscribed user after another.
--
--   wrk -t1 -c4 -d10s -s bench/send.lua http://127.0.0.1:8000/open/v1/messages \
--       -- POOL START RUN KEYED THREADS
--
-- POOL is a file that bench/send.py writes, one user a line, two tab-separated fields: the
-- accessToken (an app token: Authorization: Bearer) and the JSON body of a send to that user
-- (template_id, to_user_id, page, data). Every thread walks the pool from START (the requests
-- sent by the earlier runs, so no user gets more than its daily quota over the whole benchmark),
-- THREADS (wrk's -t) apart. One request in KEYED (default 10; 0: none) carries a fresh
-- Idempotency-Key ("bench-RUN-<thread>-<n>"), built at that moment; the others are built once in
-- init() so the load generator spends its CPU on sockets, not on Lua. response() counts the
-- answers by status; done() prints one line "RESULT {json}" that bench/send.py reads.

local threads = {}
local pool_path
local tokens, bodies, requests = {}, {}, {}
local position, sent, keyed_every, run, stride = 0, 0, 10, "0", 1
s202, s200, s429, other = 0, 0, 0, 0  -- globals: done() reads them with thread:get()

function setup(thread)
  thread:set("thread_number", #threads)
  threads[#threads + 1] = thread
end

function init(args)
  pool_path = args[1]
  if not pool_path then
    error("usage: wrk ... -s bench/send.lua URL -- POOL START RUN KEYED THREADS")
  end
  local start = tonumber(args[2] or "0") or 0
  run = args[3] or "0"
  keyed_every = tonumber(args[4] or "10") or 10
  stride = tonumber(args[5] or "1") or 1
  local path = wrk.path
  if path == nil or path == "" or path == "/" then
    path = "/open/v1/messages"
  end
  wrk.path = path
  local file = assert(io.open(pool_path, "r"))
  for line in file:lines() do
    local token, body = line:match("^([^\t]*)\t(.*)$")
    if token then
      tokens[#tokens + 1] = token
      bodies[#bodies + 1] = body
      requests[#requests + 1] = wrk.format("POST", path, {
        ["Content-Type"] = "application/json",
        ["Authorization"] = "Bearer " .. token,
        ["X-Forwarded-Proto"] = "https",  -- as the TLS-terminating load balancer says
      }, body)
    end
  end
  file:close()
  if #requests == 0 then
    error("no request in " .. pool_path)
  end
  -- threads interleave: thread t sends users start + t, start + t + T, …
  position = start + (thread_number or 0)
end

function request()
  local n = position % #requests + 1
  position = position + stride
  sent = sent + 1
  if keyed_every > 0 and sent % keyed_every == 0 then
    return wrk.format("POST", wrk.path, {
      ["Content-Type"] = "application/json",
      ["Authorization"] = "Bearer " .. tokens[n],
      ["X-Forwarded-Proto"] = "https",
      ["Idempotency-Key"] = string.format("bench-%s-%d-%d", run, thread_number or 0, sent),
    }, bodies[n])
  end
  return requests[n]
end

function response(status, _headers, _body)
  if status == 202 then
    s202 = s202 + 1
  elseif status == 200 then
    s200 = s200 + 1
  elseif status == 429 then
    s429 = s429 + 1
  else
    other = other + 1
  end
end

function done(summary, latency, _requests)
  local n202, n200, n429, nother = 0, 0, 0, 0
  for _, thread in ipairs(threads) do
    n202 = n202 + (thread:get("s202") or 0)
    n200 = n200 + (thread:get("s200") or 0)
    n429 = n429 + (thread:get("s429") or 0)
    nother = nother + (thread:get("other") or 0)
  end
  local errors = summary.errors
  io.write(string.format(
    'RESULT {"requests": %d, "duration_us": %d, "bytes": %d, "p50_us": %d, "p90_us": %d, '
      .. '"p99_us": %d, "max_us": %d, "mean_us": %.1f, "status_errors": %d, '
      .. '"connect_errors": %d, "read_errors": %d, "write_errors": %d, "timeouts": %d, '
      .. '"s202": %d, "s200": %d, "s429": %d, "other": %d}\n',
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    latency.mean, errors.status, errors.connect, errors.read, errors.write, errors.timeout,
    n202, n200, n429, nother))
end
