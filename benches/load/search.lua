-- wrk script: GET /v1/search with the dev questions in turn.
local questions = dofile("benches/load/questions.lua")
local i = 0
local function encode(s)
  return (s:gsub("[^%w%-_%.~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end
request = function()
  i = i % #questions + 1
  return wrk.format("GET", "/v1/search?limit=10&q=" .. encode(questions[i]))
end
