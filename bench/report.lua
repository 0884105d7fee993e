-- wrk script: rotates through request lines from a file and prints a JSON summary at the end.
-- Each line of the file: METHOD<TAB>PATH<TAB>BODY<TAB>TOKEN (body and token may be empty).
local requests = {}
local words = {}
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
    if body ~= nil and body:find("@N@", 1, true) then
      -- Bodies marked @N@ get a fresh number per request, so repeated writes stay distinct.
      requests[#requests + 1] = {method, p, headers, body}
    else
      requests[#requests + 1] = wrk.format(method, p, headers, body ~= "" and body or nil)
    end
  end
  -- Each thread starts at a different place so threads do not move in lockstep.
  counter = ((thread_index or 1) * 7919) % #requests + 1
  -- Words for @WORDS@: those of the bodies themselves.
  for _, r in ipairs(requests) do
    if type(r) == "table" then
      for w in r[4]:gmatch("%a%a%a%a%a+") do words[#words + 1] = w end
    end
  end
  math.randomseed(os.time() * 100 + (thread_index or 1))
end

-- A fresh text per request: a body repeated with only a number changed is a near-duplicate,
-- which Stoa rightly holds for review, and the benchmark would measure the held path.
function random_words(n)
  local out = {}
  for i = 1, n do out[i] = words[math.random(#words)] end
  return table.concat(out, " ")
end

local sent = 0
local run_id = os.time()

function request()
  local r = requests[counter]
  counter = counter + 1
  if counter > #requests then counter = 1 end
  if type(r) == "table" then
    sent = sent + 1
    -- The clock keeps numbers distinct across runs too (the warm-up is a run of its own).
    local body = r[4]:gsub("@N@", tostring(run_id) .. "-" .. tostring(thread_index or 1) .. "-" .. tostring(sent))
    if #words > 0 then
      body = body:gsub("@WORDS@", function() return random_words(30) end)
    end
    return wrk.format(r[1], r[2], r[3], body)
  end
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
