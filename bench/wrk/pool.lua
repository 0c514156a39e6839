-- One wrk script for every scenario of bench/run.py.
--
--   wrk -t T -c C -d D -s bench/wrk/pool.lua URL -- METHOD BODY POOL MODE AUTH THREADS SKIP
--
-- METHOD  GET or POST
-- BODY    a form body (sent as application/x-www-form-urlencoded), or "-" for none
-- POOL    a file with one value a line, or "-" for none; "{token}" in BODY and AUTH is
--         replaced by the next value. Each wrk thread takes its own share of the lines.
-- MODE    "once": every value is used at most once (refresh tokens); when the share runs
--         out the request carries "exhausted" and fails, so a too-small pool is seen.
--         "cycle": values are reused round-robin (access tokens, users).
-- AUTH    an Authorization header value, or "-" for none
-- THREADS the -t value, so each thread knows its share
-- SKIP    pool lines to leave out at the start (used by an earlier round of a "once" pool)
--
-- done() prints one line "WRK_JSON {...}": counts, non-200 answers (anything but 200,
-- not only wrk's >= 400), a sample of the first bad answer, and latency percentiles in us.

local threads = {}
local next_id = 0

function setup(thread)
   thread:set("tid", next_id)
   next_id = next_id + 1
   table.insert(threads, thread)
end

local function arg(args, i)
   local v = args[i]
   if v == nil or v == "-" then return nil end
   return v
end

function init(args)
   method = arg(args, 1) or "GET"
   body_template = arg(args, 2)
   local pool_file = arg(args, 3)
   mode = arg(args, 4) or "cycle"
   auth_template = arg(args, 5)
   local nthreads = tonumber(arg(args, 6) or "1")
   local skip = tonumber(arg(args, 7) or "0")
   values = {}
   if pool_file then
      local i = 0
      for line in io.lines(pool_file) do
         if line ~= "" then
            if i >= skip and (i - skip) % nthreads == tid then values[#values + 1] = line end
            i = i + 1
         end
      end
   end
   used = 0
   exhausted = 0
   bad = 0
   bad_sample = ""
end

local function next_value()
   if #values == 0 then return "" end
   used = used + 1
   if used <= #values then return values[used] end
   if mode == "once" then
      exhausted = exhausted + 1
      return "exhausted"
   end
   return values[(used - 1) % #values + 1]
end

function request()
   local value = next_value()
   local headers = {}
   local body = nil
   if body_template then
      headers["Content-Type"] = "application/x-www-form-urlencoded"
      body = (body_template:gsub("{token}", value))
   end
   if auth_template then
      headers["Authorization"] = (auth_template:gsub("{token}", value))
   end
   return wrk.format(method, nil, headers, body)
end

function response(status, headers, body)
   if status ~= 200 then
      bad = bad + 1
      if bad_sample == "" then
         bad_sample = tostring(status) .. " " .. string.sub(body or "", 1, 200)
      end
   end
end

local function json_string(s)
   s = s:gsub('\\', '\\\\'):gsub('"', '\\"'):gsub('[%c]', ' ')
   return '"' .. s .. '"'
end

function done(summary, latency, requests)
   local used_total, used_max, exhausted_total, bad_total, sample = 0, 0, 0, 0, ""
   for _, t in ipairs(threads) do
      used_total = used_total + (t:get("used") or 0)
      used_max = math.max(used_max, t:get("used") or 0)
      exhausted_total = exhausted_total + (t:get("exhausted") or 0)
      bad_total = bad_total + (t:get("bad") or 0)
      if sample == "" then sample = t:get("bad_sample") or "" end
   end
   local e = summary.errors
   io.write(string.format(
      'WRK_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"non200":%d,"status_errors":%d,' ..
      '"connect_errors":%d,"read_errors":%d,"write_errors":%d,"timeouts":%d,"pool_used":%d,"pool_used_max":%d,' ..
      '"pool_exhausted":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"mean_us":%.1f,"max_us":%d,"bad_sample":%s}\n',
      summary.requests, summary.duration, summary.bytes, bad_total, e.status,
      e.connect, e.read, e.write, e.timeout, used_total, used_max, exhausted_total,
      latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.mean, latency.max,
      json_string(sample)))
end
