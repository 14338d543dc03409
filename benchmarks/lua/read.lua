-- Anonymous GETs of one or more paths (round robin), naming the tenant with X-Tenant-ID.
-- wrk ... -s read.lua URL -- TENANT_ID PATHS_FILE
local common = dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
local requests = {}
local index = 0

setup = common.setup

function init(args)
  local headers = {}
  if args[1] and #args[1] > 0 then headers["X-Tenant-ID"] = args[1] end
  for _, path in ipairs(common.lines(args[2])) do
    table.insert(requests, wrk.format("GET", path, headers))
  end
  index = math.random(#requests) - 1
end

function request()
  index = index % #requests + 1
  return requests[index]
end

function response(status, headers, body)
  common.count(status)
end

done = common.done
