-- Authenticated creates and replies: POST /v1/comments with a bearer token of one of many users,
-- varied bodies, 40% replies to comments this thread created earlier (same entity).
-- wrk ... -s write.lua URL -- TOKENS_FILE ENTITY_PREFIX ENTITIES
local common = dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
local words = {"thread", "reply", "great", "point", "agree", "source", "context", "detail",
               "question", "answer", "idea", "release", "feature", "bug", "fix", "design"}
local tokens, prefix, entities
local created = {}      -- {id, entity} of this thread's comments
local counter = 0

setup = common.setup

function init(args)
  tokens = common.lines(args[1])
  prefix = args[2]
  entities = tonumber(args[3])
  math.randomseed(os.time() + (id or 0) * 7919)
end

local function text()
  local n = math.random(5, 20)
  local out = {}
  for i = 1, n do out[i] = words[math.random(#words)] end
  return table.concat(out, " ")
end

function request()
  counter = counter + 1
  local headers = {["Content-Type"] = "application/json",
                   ["Authorization"] = "Bearer " .. tokens[math.random(#tokens)]}
  local parent, entity = nil, nil
  if #created > 20 and math.random() < 0.4 then
    local pick = created[math.random(#created)]
    parent, entity = pick[1], pick[2]
    replies = (replies or 0) + 1
  else
    entity = prefix .. "-" .. math.random(0, entities - 1)
    creates = (creates or 0) + 1
  end
  local body = '{"entity_type":"post","entity_id":"' .. entity .. '","content":"' .. text() ..
               ' ' .. counter .. '"' .. (parent and (',"parent_id":"' .. parent .. '"') or "") .. '}'
  return wrk.format("POST", "/v1/comments", headers, body)
end

function response(status, headers, body)
  common.count(status)
  if status == 201 and #created < 5000 then
    -- responses of a thread's connections come back in any order: read the entity from the body
    local cid, entity = body:match('"id":"([^"]+)"'), body:match('"entity_id":"([^"]+)"')
    if cid and entity then table.insert(created, {cid, entity}) end
  end
end

done = common.done
