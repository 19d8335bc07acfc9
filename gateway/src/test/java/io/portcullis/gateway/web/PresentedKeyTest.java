package io.portcullis.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;

/** Reading the presented key at the edge: OpenAI's bearer header first, else Anthropic's x-api-key. */
class PresentedKeyTest {

    private static MockHttpServletRequest request(String authorization, String apiKey) {
        var request = new MockHttpServletRequest("POST", "/v1/chat/completions");
        request.setRemoteAddr("192.0.2.7");
        if (authorization != null) {
            request.addHeader("Authorization", authorization);
        }
        if (apiKey != null) {
            request.addHeader("x-api-key", apiKey);
        }
        return request;
    }

    @Test
    void prefersTheBearerHeaderOverXApiKey() {
        assertThat(PresentedKey.of(request("Bearer gw-a-b", "gw-c-d")))
                .isEqualTo(new PresentedKey("gw-a-b", "192.0.2.7"));
    }

    @Test
    void readsTheBearerSchemeInAnyCaseAndTrimsTheKey() {
        assertThat(PresentedKey.of(request("bEaReR   gw-a-b  ", null)).key()).isEqualTo("gw-a-b");
    }

    @Test
    void fallsBackToXApiKeyWhenAuthorizationIsNotBearer() {
        assertThat(PresentedKey.of(request("Basic Zm9vOmJhcg==", " gw-c-d ")).key()).isEqualTo("gw-c-d");
    }

    @Test
    void presentsNoKeyForAnEmptyBearerOrABlankXApiKey() {
        assertThat(PresentedKey.of(request("Bearer   ", null)).key()).isNull();
        assertThat(PresentedKey.of(request(null, "  ")).key()).isNull();
        assertThat(PresentedKey.of(request(null, null)).key()).isNull();
    }

    @Test
    void neverShowsTheKeyInItsText() {
        assertThat(PresentedKey.of(request("Bearer gw-secretpublic-secretsecret", null)).toString())
                .doesNotContain("secret").contains("192.0.2.7");
    }
}
