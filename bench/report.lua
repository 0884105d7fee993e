-- wrk script: rotates through request lines from a file and prints a JSON summary at the end.
-- Each line of the file: METHOD<TAB>PATH<TAB>BODY<TAB>TOKEN (body and token may be empty).
local requests = {}
local counter = 1
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("thread_index", threads)
end

function init(args)
  local path = args[1]
  for line in io.lines(path) do
    local method, p, body, token = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t?(.*)$")
    local headers = {}
    if body ~= nil and body ~= "" then headers["Content-Type"] = "application/json" end
    if token ~= nil and token ~= "" then headers["Authorization"] = "Bearer " .. token end
    requests[#requests + 1] = wrk.format(method, p, headers, body ~= "" and body or nil)
  end
  -- Each thread starts at a different place so threads do not move in lockstep.
  counter = ((thread_index or 1) * 7919) % #requests + 1
end

function request()
  local r = requests[counter]
  counter = counter + 1
  if counter > #requests then counter = 1 end
  return r
end

function done(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "errors": %d, "status_errors": %d, "p50_us": %d, "p99_us": %d, "mean_us": %.1f}\n',
    summary.requests, summary.duration, errors, summary.errors.status,
    latency:percentile(50), latency:percentile(99), latency.mean))
end
