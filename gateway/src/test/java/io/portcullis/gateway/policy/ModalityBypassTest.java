package io.portcullis.gateway.policy;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * A text-only key cannot send images, audio or files by hiding them where the gateway did not
 * look: inside a tool result, behind a translation, or in a part type it does not know.
 */
class ModalityBypassTest extends PolicyAttackTest {

    private static final String TEXT_ONLY = "{\"name\":\"text only\",\"policy\":{\"modalities\":[\"text\"]}}";

    /** An Anthropic conversation whose tool result carries {@code block} besides a text. */
    private static String toolResult(String model, String block) {
        return """
                {"model":"%s","max_tokens":50,"messages":[
                {"role":"user","content":"Take a screenshot"},
                {"role":"assistant","content":[{"type":"tool_use","id":"toolu_1","name":"screenshot","input":{}}]},
                {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1",\
                "content":[{"type":"text","text":"done"}%s]}]}]}""".formatted(model, block);
    }

    private static final String IMAGE_BLOCK = """
            ,{"type":"image","source":{"type":"base64","media_type":"image/png","data":"%s"}}""".formatted(PNG);

    @Test
    void refusesAnImageInsideAToolResultForAnAnthropicBackend() {
        var key = client.createKey(TEXT_ONLY);

        assertRefused(() -> messages(key.secret(), toolResult("claude", IMAGE_BLOCK)), "image/png");
        assertAnswered(() -> messages(key.secret(), toolResult("claude", "")));
    }

    @Test
    void refusesAnImageInsideAToolResultForAnOpenAiBackendWithThePolicyNotATranslationError() {
        var key = client.createKey(TEXT_ONLY);

        assertRefused(() -> messages(key.secret(), toolResult("fake-chat", IMAGE_BLOCK)), "image/png");
        assertAnswered(() -> messages(key.secret(), toolResult("fake-chat", "")));
    }

    @Test
    void aKeyWithoutModalityRulesStillSendsAnImageInAToolResult() {
        var key = client.createKey();

        assertAnswered(() -> messages(key.secret(), toolResult("claude", IMAGE_BLOCK)));
        assertThat(scripted.bodies("claude").getLast()).contains(PNG.substring(0, 40));
    }

    @Test
    void refusesAnImageNestedInADocumentsContent() {
        var key = client.createKey("{\"name\":\"text and files\",\"policy\":{\"modalities\":[\"text\",\"file\"]}}");
        String document = """
                {"model":"claude","max_tokens":50,"messages":[{"role":"user","content":[{"type":"document",\
                "source":{"type":"content","content":[{"type":"text","text":"page 1"},\
                {"type":"image","source":{"type":"url","url":"https://example.com/p2.png"}}]}}]}]}""";

        assertRefused(() -> messages(key.secret(), document), "p2.png");
    }

    @Test
    void refusesAPartTypeTheGatewayDoesNotKnow() {
        var key = client.createKey(TEXT_ONLY);

        assertRefused(() -> chat(key.secret(), """
                {"model":"fake-chat","messages":[{"role":"user","content":[{"type":"text","text":"hi"},\
                {"type":"hologram","hologram":{"url":"https://example.com/h.holo"}}]}]}"""), "h.holo");
        assertRefused(() -> messages(key.secret(), """
                {"model":"claude","max_tokens":50,"messages":[{"role":"user","content":[\
                {"type":"container_upload","file_id":"file_011"}]}]}"""), "file_011");
    }

    @Test
    void refusesAnUntypedPart() {
        var key = client.createKey(TEXT_ONLY);

        assertRefused(() -> chat(key.secret(), """
                {"model":"fake-chat","messages":[{"role":"user","content":[{"image_url":{"url":"https://x/y.png"}}]}]}"""),
                "y.png");
    }
}
