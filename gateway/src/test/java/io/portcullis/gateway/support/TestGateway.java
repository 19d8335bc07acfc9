package io.portcullis.gateway.support;

import java.util.LinkedHashMap;
import java.util.Map;

/** Configuration shared by every gateway a test starts, pointed at the shared {@link ScriptedBackend}. */
public final class TestGateway {

    /** At least 32 bytes, as the gateway requires of GATEWAY_ADMIN_TOKEN. */
    public static final String ADMIN_TOKEN = "test-admin-token-0123456789abcdef";
    /** Keys the audit chain (gateway.audit.key, at least 32 bytes). */
    public static final String AUDIT_KEY = "test-audit-key-0123456789abcdef-0123456789";
    /** A port nothing listens on: its backend is "down". */
    public static final int CLOSED_PORT = 9;

    private static final ScriptedBackend BACKEND = new ScriptedBackend();

    static {
        resetScripts();
    }
    /** The deployment of the fixed models ({@link FixedModels}: {@code fake-chat}, {@code fake-paused}, ...). */
    public static final String FAKE = "fake";
    /** Bearer token the gateway must send to {@link #FAKE}; the client's key must never arrive there. */
    public static final String UPSTREAM_KEY = "sk-upstream-secret-for-tests";
    /** Upstream key of the fake Anthropic backend. */
    public static final String ANTHROPIC_KEY = "sk-ant-upstream-for-tests";
    /** The one {@code anthropic-beta} the {@code headers-claude} backend allows. */
    public static final String HEADERS_BETA = "prompt-caching-2024-07-31";
    /** Seals managed backends' upstream keys (32 bytes, base64). */
    public static final String ENCRYPTION_KEY = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
    /** The scripted OpenAI-compatible deployment behind models {@code leak-chat} and {@code leak-embed}. */
    public static final String LEAK = "leak";
    /** The scripted Anthropic deployment behind model {@code leak-claude}. */
    public static final String LEAK_CLAUDE = "leak-claude";
    /**
     * The scripted OpenAI deployment speaking the Responses API, behind model {@code resp-mini}
     * (responses/ResponsesApiTest scripts it).
     */
    public static final String RESPONSES = "responses";
    /** A second Responses API deployment, behind model {@code resp-other} only. */
    public static final String RESPONSES_OTHER = "responses-other";
    /** The scripted Gemini deployment ({@link FakeGemini}) behind the {@code gemini*} models. */
    public static final String GEMINI = "gemini";
    /**
     * The OpenAI-compatible deployment of the audio, image and moderation endpoints ({@link FakeMedia}),
     * behind models {@code whisper}, {@code transcribe}, {@code tts}, {@code image} and {@code moderation}.
     */
    public static final String MEDIA = "media";
    /** The same, as a sink that keeps no body ({@link ScriptedBackend#sink}), behind model {@code big-whisper}. */
    public static final String MEDIA_SINK = "media-sink";
    /** A deployment that answers 503, tried before {@link #MEDIA} for model {@code whisper-failover}. */
    public static final String MEDIA_FAILING = "media-failing";
    /** The connect timeout of every test gateway. */
    public static final String CONNECT_TIMEOUT = "500ms";
    /** Where managed backends may point: the loopback fakes. */
    public static final String ALLOWED_HOSTS = "gateway.upstream.allowed-hosts";
    /** The idle (stream gap) timeout of every test gateway. */
    public static final String IDLE_TIMEOUT = "2s";

    private TestGateway() {
    }

    /** The one fake every test gateway calls: the fixed models and the scripted deployments. */
    public static ScriptedBackend backend() {
        return BACKEND;
    }

    /** Puts every scripted deployment back to its usual behaviour. */
    public static void resetScripts() {
        BACKEND.script(FAKE, BACKEND.models());
        for (String name : new String[] {"w1", "w2", "secondary", "flaky", "staller", "sluggish"}) {
            BACKEND.script(name, ScriptedBackend.ok(name));
        }
        BACKEND.script("failing", ScriptedBackend.status(500));
        BACKEND.script("claude", ScriptedBackend.anthropic());
        BACKEND.script(LEAK, ScriptedBackend.ok(LEAK));
        BACKEND.script(LEAK_CLAUDE, ScriptedBackend.anthropic());
        BACKEND.script("headers-claude", ScriptedBackend.anthropic());
        BACKEND.script("ollama", ScriptedBackend.fixed(200, "application/json",
                Fixtures.text("ollama/v1-chat.llama3.response.json")));
        BACKEND.script(GEMINI, FakeGemini.script());
        BACKEND.script(MEDIA, FakeMedia.script());
        BACKEND.script(MEDIA_SINK, FakeMedia.script());
        BACKEND.sink(MEDIA_SINK);
        BACKEND.script(MEDIA_FAILING, ScriptedBackend.status(503));
    }

    private static void scripted(Map<String, String> p, int index, String name, String type, String baseUrl,
                                 String... models) {
        p.put("gateway.backends[" + index + "].name", name);
        p.put("gateway.backends[" + index + "].type", type);
        p.put("gateway.backends[" + index + "].base-url", baseUrl);
        for (int i = 0; i < models.length; i++) {
            p.put("gateway.backends[" + index + "].models[" + i + "]", models[i]);
        }
    }

    /** Properties for a gateway using the fake backends; callers add the database settings. */
    public static Map<String, String> properties() {
        var p = new LinkedHashMap<String, String>();
        p.put("gateway.admin.bootstrap-token", ADMIN_TOKEN);
        // servers started by tests listen on loopback only (the data plane would otherwise take every address)
        p.put("server.address", "127.0.0.1");
        p.put("gateway.upstream.response-timeout", "1s");
        // many tests provoke 401s on purpose from 127.0.0.1; AuthFailureLimitTest sets its own limit
        p.put("gateway.keys.max-failures-per-minute", "1000000");
        // the same for admin tokens and console sign-ins; admin/AdminThrottleTest sets its own limits
        p.put("gateway.admin.throttle.token-failures-per-address", "1000000");
        p.put("gateway.admin.throttle.sign-in-failures-per-address", "1000000");
        p.put("gateway.admin.throttle.sign-in-failures-per-account", "1000000");
        p.put("gateway.audit.key", AUDIT_KEY);
        p.put("gateway.max-request-bytes", "64KB");
        p.put("gateway.backends[0].name", FAKE);
        p.put("gateway.backends[0].base-url", BACKEND.baseUrl(FAKE));
        p.put("gateway.backends[0].api-key", UPSTREAM_KEY);
        String[] models = {"fake-chat", "fake-paused", "fake-endless", "fake-error", "fake-slow", "fake-embed",
                "fake-metered"};
        for (int i = 0; i < models.length; i++) {
            p.put("gateway.backends[0].models[" + i + "]", models[i]);
        }
        p.put("gateway.pricing.fake-chat.input-per-million", "2.50");
        p.put("gateway.pricing.fake-chat.output-per-million", "10.00");
        p.put("gateway.pricing.fake-chat.cached-input-per-million", "1.25");
        // Units (quota/UnitPricingTest): catalog unit rows reached through aliases, a unit price configured over
        // the catalog's (by the upstream name), and a chat model priced per request.
        p.put("gateway.backends[0].aliases.units-whisper", "whisper-1");
        p.put("gateway.backends[0].aliases.units-tts", "tts-1");
        p.put("gateway.backends[0].aliases.units-moderation", "omni-moderation-latest");
        p.put("gateway.backends[0].aliases.units-per-request", "fake-metered");
        p.put("gateway.pricing.tts-1.per-million-characters", "16.00");
        p.put("gateway.pricing.units-per-request.per-request", "0.25");
        p.put("gateway.backends[1].name", "garbage");
        p.put("gateway.backends[1].base-url", BACKEND.garbageBaseUrl());
        p.put("gateway.backends[1].models[0]", "garbage-model");
        p.put("gateway.backends[2].name", "down");
        p.put("gateway.backends[2].base-url", "http://127.0.0.1:" + CLOSED_PORT + "/v1");
        p.put("gateway.backends[2].models[0]", "down-model");
        p.put("gateway.upstream.idle-timeout", IDLE_TIMEOUT);
        p.put("gateway.resilience.retry.max-attempts", "3");
        p.put("gateway.resilience.retry.initial-backoff", "20ms");
        p.put("gateway.resilience.retry.max-backoff", "100ms");
        p.put("gateway.resilience.circuit-breaker.sliding-window", "4");
        p.put("gateway.resilience.circuit-breaker.minimum-calls", "4");
        p.put("gateway.resilience.circuit-breaker.failure-rate-threshold", "50");
        p.put("gateway.resilience.circuit-breaker.open-duration", "1s");
        p.put("gateway.resilience.circuit-breaker.half-open-calls", "1");
        // Routing: one model over two deployments weighted 3:1.
        scripted(p, 3, "w1", "openai", BACKEND.baseUrl("w1"), "split");
        p.put("gateway.backends[3].weight", "3");
        scripted(p, 4, "w2", "openai", BACKEND.baseUrl("w2"), "split");
        // Failover: each priority-0 deployment fails its own way; "secondary" (priority 1) answers.
        scripted(p, 5, "failing", "openai", BACKEND.baseUrl("failing"), "failover-500");
        scripted(p, 6, "refusing", "openai", "http://127.0.0.1:" + CLOSED_PORT + "/v1", "failover-refused");
        scripted(p, 7, "dropping", "openai", BACKEND.droppingBaseUrl(), "stream-drop");
        scripted(p, 8, "secondary", "openai", BACKEND.baseUrl("secondary"), "failover-500", "failover-refused",
                "stream-drop", "failover-connect");
        p.put("gateway.backends[8].priority", "1");
        scripted(p, 9, "flaky", "openai", BACKEND.baseUrl("flaky"), "circuit");
        scripted(p, 10, "staller", "openai", BACKEND.baseUrl("staller"), "stall");
        scripted(p, 11, "sluggish", "openai", BACKEND.baseUrl("sluggish"), "sluggish");
        // Protocols: an Anthropic backend and an Ollama one, both reached through aliases.
        scripted(p, 12, "claude", "anthropic", BACKEND.baseUrl("claude"));
        p.put("gateway.backends[12].api-key", ANTHROPIC_KEY);
        p.put("gateway.backends[12].aliases.claude", "claude-haiku-4-5");
        p.put("gateway.backends[12].aliases.claude-overloaded", "overloaded");
        scripted(p, 13, "ollama", "ollama", BACKEND.baseUrl("ollama"));
        p.put("gateway.backends[13].aliases.gpt-4o-mini", "llama3.2:3b");
        // Connect timeout: a backend whose backlog is full, failing over to "secondary".
        scripted(p, 14, "blackhole", "openai", BACKEND.unconnectableBaseUrl(), "failover-connect");
        // Headers sent upstream: an Anthropic backend that allows one beta (proxy/ForwardedHeadersTest).
        scripted(p, 15, "headers-claude", "anthropic", BACKEND.baseUrl("headers-claude"));
        p.put("gateway.backends[15].api-key", ANTHROPIC_KEY);
        p.put("gateway.backends[15].aliases.headers-claude", "claude-haiku-4-5");
        p.put("gateway.backends[15].anthropic-beta[0]", HEADERS_BETA);
        p.put("gateway.upstream.connect-timeout", CONNECT_TIMEOUT);
        // Governance: deployments whose answers each test scripts as a misbehaving backend would.
        scripted(p, 16, LEAK, "openai", BACKEND.baseUrl(LEAK), "leak-chat", "leak-embed");
        p.put("gateway.pricing.leak-chat.input-per-million", "1.00");
        p.put("gateway.pricing.leak-chat.output-per-million", "2.00");
        scripted(p, 17, LEAK_CLAUDE, "anthropic", BACKEND.baseUrl(LEAK_CLAUDE), "leak-claude");
        p.put("gateway.backends[17].api-key", ANTHROPIC_KEY);
        p.put("gateway.upstream.encryption-key", ENCRYPTION_KEY);
        // Gemini: public names → the upstream model that picks FakeGemini's answer (proxy/GeminiProtocolTest).
        scripted(p, 18, GEMINI, "gemini", BACKEND.baseUrl(GEMINI));
        p.put("gateway.backends[18].api-key", FakeGemini.KEY);
        String[][] gemini = {{"gemini", "gemini-2.0-flash"}, {"gemini-thinking", "gemini-2.5-flash"},
                {"gemini-cached", "gemini-1.5-flash-001"}, {"gemini-tools", "gemini-tools"},
                {"gemini-embed", "gemini-embedding-001"}, {"gemini-busy", "busy"}, {"gemini-missing", "missing"},
                {"gemini-denied", "denied"}, {"gemini-bad-key", "bad-key"}, {"gemini-down", "down"},
                {"gemini-broken", "broken"}, {"gemini-failing-stream", "failing-stream"}};
        for (String[] alias : gemini) {
            p.put("gateway.backends[18].aliases." + alias[0], alias[1]);
        }
        p.put("gateway.pricing.gemini-thinking.input-per-million", "0.30");
        p.put("gateway.pricing.gemini-thinking.output-per-million", "2.50");
        // Managed backends in tests point at the 127.0.0.1 fakes, which loopback refusal would
        // stop; ManagedBackendDestinationsTest starts a gateway without this line to show it.
        p.put(ALLOWED_HOSTS, "127.0.0.1");
        // Alert webhooks are retried within a test's patience (alert/*Test).
        p.put("gateway.alerts.delivery-period", "100ms");
        p.put("gateway.alerts.initial-backoff", "100ms");
        p.put("gateway.alerts.max-backoff", "400ms");
        // Responses API: stored responses, hosted tools, usage from response.completed (responses/*Test).
        scripted(p, 20, RESPONSES_OTHER, "openai", BACKEND.baseUrl(RESPONSES_OTHER), "resp-other");
        scripted(p, 19, RESPONSES, "openai", BACKEND.baseUrl(RESPONSES));
        p.put("gateway.backends[19].aliases.resp-mini", "gpt-4o-mini");
        p.put("gateway.pricing.resp-mini.input-per-million", "2.50");
        p.put("gateway.pricing.resp-mini.output-per-million", "10.00");
        p.put("gateway.pricing.resp-mini.cached-input-per-million", "1.25");
        // Audio, images, moderation (proxy/media tests): public names → OpenAI's, priced per unit.
        scripted(p, 21, MEDIA, "openai", BACKEND.baseUrl(MEDIA));
        String[][] media = {{"whisper", "whisper-1"}, {"transcribe", "gpt-4o-mini-transcribe"}, {"tts", "tts-1"},
                {"image", "gpt-image-1"}, {"moderation", "omni-moderation-latest"}};
        for (String[] alias : media) {
            p.put("gateway.backends[21].aliases." + alias[0], alias[1]);
        }
        p.put("gateway.pricing.whisper.per-audio-second", "0.0001");
        p.put("gateway.pricing.transcribe.input-per-million", "3.00");
        p.put("gateway.pricing.transcribe.output-per-million", "5.00");
        p.put("gateway.pricing.tts.per-million-characters", "15.00");
        p.put("gateway.pricing.image.per-image", "0.04");
        p.put("gateway.pricing.image.input-per-million", "5.00");
        p.put("gateway.pricing.image.output-per-million", "40.00");
        p.put("gateway.pricing.moderation.per-request", "0.001");
        scripted(p, 22, MEDIA_SINK, "openai", BACKEND.baseUrl(MEDIA_SINK));
        p.put("gateway.backends[22].aliases.big-whisper", "whisper-1");
        // Failover of an upload: media-failing (priority 0) answers 503, media (priority 1) the transcription.
        scripted(p, 23, MEDIA_FAILING, "openai", BACKEND.baseUrl(MEDIA_FAILING));
        p.put("gateway.backends[23].aliases.whisper-failover", "whisper-1");
        p.put("gateway.backends[21].aliases.whisper-failover", "whisper-1");
        p.put("gateway.backends[21].priority", "1");
        p.put("gateway.max-upload-bytes", "1MB");
        return p;
    }
}
