-- Shared by every wrk script: count non-2xx answers per thread and print one JSON summary line.
-- Every script sets `check_status` in response(); done() adds wrk's own socket error counts.
local common = {}
local threads = {}

function common.setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function common.count(status)
  if status < 200 or status > 299 then
    non2xx = (non2xx or 0) + 1
    if (first_bad or 0) == 0 then first_bad = status end
  end
end

function common.done(summary, latency, requests)
  local bad, first = 0, 0
  local extra = {}
  for _, thread in ipairs(threads) do
    bad = bad + (thread:get("non2xx") or 0)
    if first == 0 then first = thread:get("first_bad") or 0 end
    for _, key in ipairs({"creates", "replies", "likes", "edits", "reads"}) do
      extra[key] = (extra[key] or 0) + (thread:get(key) or 0)
    end
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,' ..
    '"max_us":%d,"mean_us":%.1f,"non2xx":%d,"first_bad_status":%d,"connect_errors":%d,' ..
    '"read_errors":%d,"write_errors":%d,"status_errors":%d,"timeouts":%d,' ..
    '"creates":%d,"replies":%d,"likes":%d,"edits":%d,"reads":%d}\n',
    summary.requests, summary.duration, summary.bytes, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, latency.mean, bad, first, e.connect, e.read, e.write, e.status,
    e.timeout, extra.creates, extra.replies, extra.likes, extra.edits, extra.reads))
end

-- Lines of a file (tokens, paths), read once per thread state.
function common.lines(path)
  local out = {}
  for line in io.lines(path) do
    if #line > 0 then table.insert(out, line) end
  end
  return out
end

return common
