package io.portcullis.gateway.support;

import java.util.LinkedHashMap;
import java.util.Map;

/** Configuration shared by every gateway a test starts, pointed at the shared {@link FakeBackend}. */
public final class TestGateway {

    public static final String ADMIN_TOKEN = "test-admin-token-0123456789abcdef";
    /** A port nothing listens on: its backend is "down". */
    public static final int CLOSED_PORT = 9;

    private static final FakeBackend BACKEND = new FakeBackend();

    private TestGateway() {
    }

    public static FakeBackend backend() {
        return BACKEND;
    }

    /** Properties for a gateway using the fake backends; callers add the database settings. */
    public static Map<String, String> properties() {
        var p = new LinkedHashMap<String, String>();
        p.put("gateway.admin.bootstrap-token", ADMIN_TOKEN);
        p.put("gateway.upstream.response-timeout", "1s");
        // many tests provoke 401s on purpose from 127.0.0.1; AuthFailureLimitTest sets its own limit
        p.put("gateway.keys.max-failures-per-minute", "1000000");
        p.put("gateway.max-request-bytes", "64KB");
        p.put("gateway.backends[0].name", "fake");
        p.put("gateway.backends[0].base-url", BACKEND.baseUrl());
        p.put("gateway.backends[0].api-key", FakeBackend.UPSTREAM_KEY);
        String[] models = {"fake-chat", "fake-paused", "fake-endless", "fake-error", "fake-slow", "fake-embed",
                "fake-metered"};
        for (int i = 0; i < models.length; i++) {
            p.put("gateway.backends[0].models[" + i + "]", models[i]);
        }
        p.put("gateway.pricing.fake-chat.input-per-million", "2.50");
        p.put("gateway.pricing.fake-chat.output-per-million", "10.00");
        p.put("gateway.pricing.fake-chat.cached-input-per-million", "1.25");
        p.put("gateway.backends[1].name", "garbage");
        p.put("gateway.backends[1].base-url", BACKEND.garbageBaseUrl());
        p.put("gateway.backends[1].models[0]", "garbage-model");
        p.put("gateway.backends[2].name", "down");
        p.put("gateway.backends[2].base-url", "http://127.0.0.1:" + CLOSED_PORT + "/v1");
        p.put("gateway.backends[2].models[0]", "down-model");
        return p;
    }
}
