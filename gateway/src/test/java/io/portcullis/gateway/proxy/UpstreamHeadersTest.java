package io.portcullis.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.portcullis.gateway.backend.Backend;
import io.portcullis.gateway.backend.BackendType;
import io.portcullis.gateway.backend.anthropic.AnthropicRequests;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;

/** The allow list itself, without a server: what a hostile client's headers become upstream. */
class UpstreamHeadersTest {

    private static final String REQUEST_ID = "req-1";

    /** Everything a client might try, in mixed case. */
    private static final Map<String, List<String>> HOSTILE = Map.ofEntries(
            Map.entry("Authorization", List.of("Bearer gw-client-key")),
            Map.entry("X-Api-Key", List.of("gw-client-key")),
            Map.entry("OpenAI-Organization", List.of("org-victim")),
            Map.entry("OpenAI-Project", List.of("proj-victim")),
            Map.entry("Cookie", List.of("session=abc")),
            Map.entry("X-Forwarded-For", List.of("10.0.0.1")),
            Map.entry("Forwarded", List.of("for=10.0.0.1")),
            Map.entry("X-Foo", List.of("bar")),
            Map.entry("Host", List.of("evil.example")),
            Map.entry("Content-Type", List.of("text/plain")),
            Map.entry("Transfer-Encoding", List.of("chunked")),
            Map.entry("x-request-id", List.of("client-chosen")),
            Map.entry("X-Portcullis-Overhead-Us", List.of("1")));

    private static Backend backend(BackendType type, String apiKey, List<String> betas) {
        return new Backend("b", type, URI.create("http://127.0.0.1:1/v1"), apiKey, List.of("m"), Map.of(), 1, 0,
                betas);
    }

    private static Map<String, List<String>> sent(Backend backend, Map<String, List<String>> client) {
        String[] pairs = UpstreamHeaders.forCall(backend, REQUEST_ID, UpstreamHeaders.ClientHeaders.of(client));
        var sent = new LinkedHashMap<String, List<String>>();
        for (int i = 0; i < pairs.length; i += 2) {
            sent.computeIfAbsent(pairs[i], n -> new ArrayList<>()).add(pairs[i + 1]);
        }
        return sent;
    }

    private static Map<String, List<String>> with(Map<String, List<String>> base, String name, String... values) {
        var all = new LinkedHashMap<>(base);
        all.put(name, List.of(values));
        return all;
    }

    @Test
    void sendsOnlyTheRequestIdAcceptAndBackendKeyToAnOpenAiBackend() {
        var sent = sent(backend(BackendType.OPENAI, "sk-up", List.of()), HOSTILE);

        assertThat(sent).containsOnlyKeys("x-request-id", "accept", "authorization");
        assertThat(sent.get("x-request-id")).containsExactly(REQUEST_ID);
        assertThat(sent.get("authorization")).containsExactly("Bearer sk-up");
        assertThat(sent.get("accept")).containsExactly(UpstreamHeaders.DEFAULT_ACCEPT);
    }

    @Test
    void sendsNoCredentialWhenTheBackendHasNoKey() {
        assertThat(sent(backend(BackendType.OLLAMA, null, List.of()), HOSTILE))
                .containsOnlyKeys("x-request-id", "accept");
    }

    @Test
    void dropsAnthropicHeadersOnTheWayToAnOpenAiCompatibleBackend() {
        var client = with(with(HOSTILE, "anthropic-version", "2023-06-01"), "anthropic-beta", "x");

        assertThat(sent(backend(BackendType.OLLAMA, "k", List.of()), client))
                .containsOnlyKeys("x-request-id", "accept", "authorization");
    }

    @Test
    void sendsTheBackendKeyAsXApiKeyToAnthropicAndNeverABearer() {
        var sent = sent(backend(BackendType.ANTHROPIC, "sk-ant", List.of()), HOSTILE);

        assertThat(sent).containsOnlyKeys("x-request-id", "accept", "anthropic-version", "x-api-key");
        assertThat(sent.get("x-api-key")).containsExactly("sk-ant");
        assertThat(sent.get("anthropic-version")).containsExactly(AnthropicRequests.API_VERSION);
    }

    @Test
    void keepsAClientsAnthropicVersionOnlyWhenItIsADate() {
        var anthropic = backend(BackendType.ANTHROPIC, "k", List.of());

        assertThat(sent(anthropic, Map.of("Anthropic-Version", List.of("2024-10-22"))).get("anthropic-version"))
                .containsExactly("2024-10-22");
        for (String bogus : List.of("latest", "2023-06-01\r\nx-evil: 1", "2023-6-1", "2023-06-01,2024-01-01", "")) {
            assertThat(sent(anthropic, Map.of("anthropic-version", List.of(bogus))).get("anthropic-version"))
                    .as(bogus).containsExactly(AnthropicRequests.API_VERSION);
        }
        assertThat(sent(anthropic, Map.of("anthropic-version", List.of("2024-10-22", "2023-06-01")))
                .get("anthropic-version")).containsExactly(AnthropicRequests.API_VERSION);
    }

    @Test
    void passesOnlyTheBetasTheBackendLists() {
        var anthropic = backend(BackendType.ANTHROPIC, "k", List.of("prompt-caching-2024-07-31", "files-api-2025-04-14"));
        var client = Map.of("anthropic-beta", List.of(" prompt-caching-2024-07-31 , context-1m-2025-08-07",
                "files-api-2025-04-14,prompt-caching-2024-07-31", "<script>"));

        assertThat(sent(anthropic, client).get("anthropic-beta"))
                .containsExactly("prompt-caching-2024-07-31,files-api-2025-04-14");
    }

    @Test
    void sendsNoBetaHeaderWhenNoneOfTheClientsBetasIsListed() {
        var listsNone = backend(BackendType.ANTHROPIC, "k", List.of());
        var listsOther = backend(BackendType.ANTHROPIC, "k", List.of("files-api-2025-04-14"));
        var client = Map.of("anthropic-beta", List.of("context-1m-2025-08-07"));

        assertThat(sent(listsNone, client)).doesNotContainKey("anthropic-beta");
        assertThat(sent(listsOther, client)).doesNotContainKey("anthropic-beta");
        // a listed name only matches whole, not as a prefix or in another case
        assertThat(sent(listsOther, Map.of("anthropic-beta", List.of("files-api-2025-04-14-extra,FILES-API-2025-04-14"))))
                .doesNotContainKey("anthropic-beta");
    }

    @Test
    void keepsASaneAcceptAndReplacesAnythingElse() {
        var openai = backend(BackendType.OPENAI, null, List.of());

        for (String sane : List.of("application/json", "text/event-stream", "*/*",
                "application/json; charset=utf-8, text/event-stream;q=0.9")) {
            assertThat(sent(openai, Map.of("Accept", List.of(sane))).get("accept")).as(sane).containsExactly(sane);
        }
        for (String insane : List.of("json", "application/json\r\nX-Evil: 1", "a/b; q=\"x\"", "text/" + "x".repeat(300),
                "", "application/json,")) {
            assertThat(sent(openai, Map.of("Accept", List.of(insane))).get("accept")).as(insane)
                    .containsExactly(UpstreamHeaders.DEFAULT_ACCEPT);
        }
        assertThat(sent(openai, Map.of("accept", List.of("application/json", "text/event-stream"))).get("accept"))
                .containsExactly("application/json, text/event-stream");
    }

    @Test
    void hasAnAllowListForEveryBackendType() {
        for (BackendType type : BackendType.values()) {
            List<String> betas = type == BackendType.ANTHROPIC ? List.of("b") : List.of();
            assertThat(sent(backend(type, "k", betas), with(HOSTILE, "anthropic-beta", "b")).keySet()).as(type.tag())
                    .contains("x-request-id", "accept")
                    .isSubsetOf("x-request-id", "accept", "authorization", "x-api-key", "x-goog-api-key",
                            "anthropic-version", "anthropic-beta");
        }
    }

    @Test
    void refusesABetaListOnABackendThatIsNotAnthropic() {
        assertThatThrownBy(() -> backend(BackendType.OPENAI, null, List.of("files-api-2025-04-14")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("anthropic-beta");
    }

    @Test
    void refusesABetaNameThatIsNotAToken() {
        for (String bad : List.of("two words", "a,b", "", "x\ny", "a".repeat(101))) {
            assertThatThrownBy(() -> backend(BackendType.ANTHROPIC, null, List.of(bad))).as(bad)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("anthropic-beta");
        }
    }

    @Test
    void sendsAGeminiBackendItsKeyAsXGoogApiKeyAndTheGatewaysOwnAccept() {
        var gemini = backend(BackendType.GEMINI, "AIza-upstream", List.of());

        var sent = sent(gemini, with(HOSTILE, "Accept", "application/xml"));

        assertThat(sent.keySet()).containsExactly("x-request-id", "accept", "x-goog-api-key");
        assertThat(sent.get("x-goog-api-key")).containsExactly("AIza-upstream");
        // the client's accept is about the gateway's (translated) answer, not Google's
        assertThat(sent.get("accept")).containsExactly(UpstreamHeaders.DEFAULT_ACCEPT);
    }

    @Test
    void readsEveryValueOfARepeatedHeaderFromAServletRequest() {
        var request = new MockHttpServletRequest();
        request.addHeader("Accept", "application/json");
        request.addHeader("accept", "text/event-stream");
        request.addHeader("Anthropic-Beta", "kept-beta");
        request.addHeader("anthropic-beta", "other-beta, kept-too");
        var backend = backend(BackendType.ANTHROPIC, "sk-ant", List.of("kept-beta", "kept-too"));

        String[] pairs = UpstreamHeaders.forCall(backend, REQUEST_ID, UpstreamHeaders.ClientHeaders.of(request));

        assertThat(pairs).containsExactly("x-request-id", REQUEST_ID,
                "accept", "application/json, text/event-stream",
                "anthropic-version", AnthropicRequests.API_VERSION,
                "anthropic-beta", "kept-beta,kept-too",
                "x-api-key", "sk-ant");
    }

    @Test
    void sendsNoEmptySlotsWhenAHeaderIsLeftOut() {
        var request = new MockHttpServletRequest();
        request.addHeader("anthropic-beta", "not-listed");

        String[] pairs = UpstreamHeaders.forCall(backend(BackendType.ANTHROPIC, null, List.of()), REQUEST_ID,
                "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", UpstreamHeaders.ClientHeaders.of(request));

        assertThat(pairs).doesNotContainNull().containsExactly("x-request-id", REQUEST_ID,
                "traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
                "accept", UpstreamHeaders.DEFAULT_ACCEPT,
                "anthropic-version", AnthropicRequests.API_VERSION);
    }

    @Test
    void checksAnAcceptThatOnlyLooksLikeACommonOne() {
        for (String accept : List.of("application/json", "*/*", "text/event-stream")) {
            assertThat(sent(backend(BackendType.OPENAI, null, List.of()), Map.of("accept", List.of(accept))).get("accept"))
                    .containsExactly(accept);
        }
        assertThat(sent(backend(BackendType.OPENAI, null, List.of()), Map.of("accept", List.of(" application/json ")))
                .get("accept")).containsExactly("application/json");
        assertThat(sent(backend(BackendType.OPENAI, null, List.of()),
                Map.of("accept", List.of("application/json\r\nx-api-key: stolen"))).get("accept"))
                .containsExactly(UpstreamHeaders.DEFAULT_ACCEPT);
    }
}
