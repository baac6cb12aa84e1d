-- GET one fixed path (BENCH_PATH): a list page or a report.
local common = dofile(os.getenv("BENCH_WRK_DIR") .. "/common.lua")
local path = os.getenv("BENCH_PATH")
local headers

function init(args)
  headers = common.headers()
end

function request()
  return wrk.format("GET", path, headers)
end

done = common.done
