-- Random single-range GETs over a file of FILE_SIZE bytes, RANGE_LEN bytes each (env variables).
local size = tonumber(os.getenv("FILE_SIZE"))
local len = tonumber(os.getenv("RANGE_LEN"))
math.randomseed(os.time())
request = function()
  local off = math.random(0, size - len)
  return wrk.format("GET", nil, { ["Range"] = "bytes=" .. off .. "-" .. (off + len - 1) })
end
