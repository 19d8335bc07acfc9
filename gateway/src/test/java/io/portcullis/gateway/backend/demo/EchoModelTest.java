package io.portcullis.gateway.backend.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.backend.InProcessBackend.Answer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.InstantSource;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The demo model's counting rule and answer shape, by hand: a token is a whitespace-separated word. */
class EchoModelTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private final EchoModel echo = new EchoModel(InstantSource.fixed(Instant.parse("2025-01-02T03:04:05Z")));

    private JsonNode chat(String body) {
        Answer answer = echo.answer("/chat/completions", body.getBytes(StandardCharsets.UTF_8));
        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.contentType()).isEqualTo("application/json");
        return JSON.readTree(answer.body());
    }

    @Test
    void echoesTheTextPartsOfTheLastUserMessageAndCountsEveryMessagesWords() {
        var answer = chat("""
                {"model":"portcullis-echo","messages":[{"role":"user","content":"one two"},
                 {"role":"user","content":[{"type":"text","text":"  three\\nfour "},
                  {"type":"image_url","image_url":{"url":"data:image/png;base64,AAAA"}},{"type":"text","text":"five"}]}]}""");

        assertThat(answer.at("/choices/0/message/content").asString()).isEqualTo("Echo: three\nfour  five");
        assertThat(answer.at("/usage/prompt_tokens").asInt()).isEqualTo(5);
        assertThat(answer.at("/usage/completion_tokens").asInt()).isEqualTo(4);
        assertThat(answer.at("/usage/total_tokens").asInt()).isEqualTo(9);
        assertThat(answer.path("created").asLong()).isEqualTo(Instant.parse("2025-01-02T03:04:05Z").getEpochSecond());
    }

    @Test
    void answersEachOfNChoicesAndBillsThemAll() {
        var answer = chat("""
                {"model":"portcullis-echo","n":3,"max_tokens":5,"max_completion_tokens":2,
                 "messages":[{"role":"user","content":"a b c"}]}""");

        assertThat(answer.path("choices")).hasSize(3);
        assertThat(answer.at("/choices/2/message/content").asString()).isEqualTo("Echo: a");
        assertThat(answer.at("/choices/2/finish_reason").asString()).isEqualTo("length");
        assertThat(answer.at("/usage/completion_tokens").asInt()).isEqualTo(6);
    }

    @Test
    void answersOnlyThePrefixWhenNoUserSpoke() {
        var answer = chat("{\"model\":\"portcullis-echo\",\"messages\":[{\"role\":\"system\",\"content\":\"hi\"}]}");

        assertThat(answer.at("/choices/0/message/content").asString()).isEqualTo("Echo:");
        assertThat(answer.at("/usage/prompt_tokens").asInt()).isEqualTo(1);
        assertThat(answer.at("/usage/completion_tokens").asInt()).isEqualTo(1);
    }

    @Test
    void refusesAnythingButChatInOpenAisErrorShape() {
        Answer answer = echo.answer("/responses", "{\"model\":\"portcullis-echo\",\"input\":\"hi\"}"
                .getBytes(StandardCharsets.UTF_8));

        assertThat(answer.status()).isEqualTo(400);
        assertThat(JSON.readTree(answer.body()).at("/error/type").asString()).isEqualTo("invalid_request_error");
    }
}
