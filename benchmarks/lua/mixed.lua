-- The mixed workload: 95% thread-page reads over THREADS threads with Zipf popularity (s = 1),
-- 10% of them with a bearer token (likes overlaid); 5% writes: creates (half of them replies),
-- likes and edits by the author. Tokens line i belongs to user i.
-- wrk ... -s mixed.lua URL -- TENANT_ID TOKENS_FILE ENTITY_PREFIX THREADS
local common = dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
local words = {"thread", "reply", "great", "point", "agree", "source", "context", "detail",
               "question", "answer", "idea", "release", "feature", "bug", "fix", "design"}
local tenant, tokens, prefix, threads
local cdf = {}
local created = {}   -- {id, entity, token index of the author}
local counter = 0

setup = common.setup

function init(args)
  tenant, tokens, prefix, threads = args[1], common.lines(args[2]), args[3], tonumber(args[4])
  local total = 0
  for rank = 1, threads do
    total = total + 1 / rank
    cdf[rank] = total
  end
  for rank = 1, threads do cdf[rank] = cdf[rank] / total end
  math.randomseed(os.time() + (id or 0) * 7919)
end

local function zipf()
  local u, lo, hi = math.random(), 1, threads
  while lo < hi do
    local mid = math.floor((lo + hi) / 2)
    if cdf[mid] < u then lo = mid + 1 else hi = mid end
  end
  return lo - 1
end

local function text()
  local out = {}
  for i = 1, math.random(5, 20) do out[i] = words[math.random(#words)] end
  counter = counter + 1
  return table.concat(out, " ") .. " " .. counter
end

local function auth(index)
  return {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. tokens[index],
          ["X-Tenant-ID"] = tenant}
end

function request()
  local roll = math.random()
  if roll < 0.95 then
    reads = (reads or 0) + 1
    local path = "/v1/entities/post/" .. prefix .. "-" .. zipf() .. "/comments?limit=20&depth=3"
    if roll < 0.095 then
      return wrk.format("GET", path, auth(math.random(#tokens)))
    end
    return wrk.format("GET", path, {["X-Tenant-ID"] = tenant})
  end
  local kind = math.random()
  if #created < 10 or kind < 0.5 then
    local who = math.random(#tokens)
    local body
    if #created >= 10 and kind < 0.25 then
      local parent = created[math.random(#created)]
      body = '{"entity_type":"post","entity_id":"' .. parent[2] .. '","parent_id":"' .. parent[1] ..
             '","content":"' .. text() .. '"}'
      replies = (replies or 0) + 1
    else
      body = '{"entity_type":"post","entity_id":"' .. prefix .. "-" .. zipf() .. '","content":"' ..
             text() .. '"}'
      creates = (creates or 0) + 1
    end
    return wrk.format("POST", "/v1/comments", auth(who), body)
  end
  local target = created[math.random(#created)]
  if kind < 0.8 then
    likes = (likes or 0) + 1
    return wrk.format("PUT", "/v1/comments/" .. target[1] .. "/like", auth(math.random(#tokens)))
  end
  edits = (edits or 0) + 1
  return wrk.format("PATCH", "/v1/comments/" .. target[1], auth(target[3]), '{"content":"' .. text() .. '"}')
end

function response(status, headers, body)
  common.count(status)
  if status == 201 and #created < 5000 then
    local cid, entity = body:match('"id":"([^"]+)"'), body:match('"entity_id":"([^"]+)"')
    local author = body:match('"author_id":"user%-(%d+)"')
    if cid and entity and author then table.insert(created, {cid, entity, tonumber(author) + 1}) end
  end
end

done = common.done
