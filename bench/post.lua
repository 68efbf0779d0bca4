-- wrk: POST a chat request; STREAM=1 in the environment asks for an event stream.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
if os.getenv("STREAM") == "1" then
  wrk.body = '{"model":"m","stream":true,"messages":[{"role":"user","content":"Hello"}]}'
else
  wrk.body = '{"model":"m","messages":[{"role":"user","content":"Hello"}]}'
end
