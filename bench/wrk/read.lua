-- GET /api/v1/opportunities/{id}: a random id from 1 to BENCH_MAX_ID, or, when
-- BENCH_IDS is set (a comma-separated list), a random one of those.
local common = dofile(os.getenv("BENCH_WRK_DIR") .. "/common.lua")
local max_id = tonumber(os.getenv("BENCH_MAX_ID") or "1000000")
local ids = {}
for id in (os.getenv("BENCH_IDS") or ""):gmatch("%d+") do ids[#ids + 1] = id end
local headers

function init(args)
  common.seed()
  headers = common.headers()
end

function request()
  local id = (#ids > 0) and ids[math.random(1, #ids)] or math.random(1, max_id)
  return wrk.format("GET", "/api/v1/opportunities/" .. id, headers)
end

done = common.done
