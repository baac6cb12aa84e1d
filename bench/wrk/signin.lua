-- POST /api/v1/sessions as a random one of the 60 account managers (all share the
-- bench password, BENCH_PASSWORD): bcrypt at cost 10 on every request.
local common = dofile(os.getenv("BENCH_WRK_DIR") .. "/common.lua")
local password = os.getenv("BENCH_PASSWORD")
local headers

function init(args)
  common.seed()
  headers = { ["Content-Type"] = "application/json", ["Accept"] = "application/json" }
end

function request()
  local body = string.format('{"email": "am.%03d@bench.test", "password": "%s"}', math.random(1, 60), password)
  return wrk.format("POST", "/api/v1/sessions", headers, body)
end

done = common.done
