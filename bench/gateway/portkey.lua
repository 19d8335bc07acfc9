-- wrk script for the Portkey gateway: chat.lua's request and summary line, plus the two headers
-- that make Portkey forward it as an OpenAI request to the nginx fake (PORTKEY_CUSTOM_HOST, env,
-- ends in /v1: Portkey appends /chat/completions). run.sh runs wrk from the repository root.
dofile("bench/gateway/chat.lua")
wrk.headers["x-portkey-provider"] = "openai"
wrk.headers["x-portkey-custom-host"] = assert(os.getenv("PORTKEY_CUSTOM_HOST"), "PORTKEY_CUSTOM_HOST is not set")
