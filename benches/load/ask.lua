-- wrk script: POST /v1/ask (JSON) with the dev questions in turn.
local questions = dofile("benches/load/questions.lua")
local i = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
  i = i % #questions + 1
  local q = questions[i]:gsub('\\', '\\\\'):gsub('"', '\\"')
  return wrk.format(nil, "/v1/ask", nil, '{"question": "' .. q .. '"}')
end
