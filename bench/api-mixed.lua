-- wrk script: the mixed load of bench/api.sh. Of every 20 requests: 14 GET /predict, 2 POSTs of
-- 1,000 rows, 2 sample streams (10,000 rows as JSON lines) and 2 plots of one run. RUN is set by
-- api.sh (wrk passes script arguments after "--").
local run = "0"
local body
local i = 0

function init(args)
  run = args[1] or run
  local rows = {}
  for k = 1, 1000 do
    rows[k] = string.format('{"vol_moving_avg":%d,"adj_close_rolling_med":%d}', 1000 + k * 37, 5 + k % 200)
  end
  body = "[" .. table.concat(rows, ",") .. "]"
end

function request()
  i = i + 1
  local k = i % 20
  if k == 1 or k == 11 then
    return wrk.format("POST", "/predict", {["Content-Type"] = "application/json"}, body)
  elseif k == 2 or k == 12 then
    return wrk.format("GET", "/runs/" .. run .. "/samples?limit=10000")
  elseif k == 3 or k == 13 then
    return wrk.format("GET", "/runs/" .. run .. "/plot.png")
  else
    return wrk.format("GET", "/predict?vol_moving_avg=" .. (1000 + i % 5000) .. "&adj_close_rolling_med=25")
  end
end
