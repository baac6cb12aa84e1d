-- POST /api/v1/opportunities: a new-business deal at a random account, owned by the
-- caller (so the default team: the owner with 100 %), the same fields bench/pgbench/
-- create.sql binds. The name is a random number, as in the pgbench twin.
local common = dofile(os.getenv("BENCH_WRK_DIR") .. "/common.lua")
local accounts = tonumber(os.getenv("BENCH_ACCOUNTS") or "10000")
local stage = os.getenv("BENCH_STAGE") or "prospecting"
local close_date = os.getenv("BENCH_CLOSE_DATE") or "2027-06-30"
local headers

function init(args)
  common.seed()
  headers = common.headers({ ["Content-Type"] = "application/json" })
end

function request()
  local body = string.format(
    '{"accountId": %d, "name": "%d", "kind": "new_business", "stage": "%s", "amount": "%d", "closeDate": "%s"}',
    math.random(1, accounts), math.random(1, 999999), stage, math.random(1000, 500000), close_date)
  return wrk.format("POST", "/api/v1/opportunities", headers, body)
end

done = common.done
