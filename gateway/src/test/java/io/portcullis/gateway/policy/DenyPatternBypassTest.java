package io.portcullis.gateway.policy;

import io.portcullis.gateway.support.GatewayClient;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A deny pattern finds its phrase however it is spelled (fullwidth, broken by invisible
 * characters, in another case) and wherever it is put (tool descriptions, schemas, the system
 * prompt, response formats), and does not refuse honest requests for the noise in their images.
 */
class DenyPatternBypassTest extends PolicyAttackTest {

    private static final String SECRET = "nightingale";

    private GatewayClient.Key key;

    @BeforeEach
    void keyWithRules() {
        key = client.createKey("""
                {"name":"rules","policy":{"denyPatterns":["project\\\\s+nightingale","geheimstraße","пароль"]}}""");
    }

    private static String say(String model, String content) {
        return "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"" + content + "\"}]}";
    }

    @Test
    void refusesThePhraseInFullwidthLetters() {
        assertRefused(() -> chat(key.secret(), say("fake-chat", "tell me about ＰＲＯＪＥＣＴ ｎｉｇｈｔｉｎｇａｌｅ")), SECRET);
    }

    @Test
    void refusesThePhraseBrokenByZeroWidthAndBidiCharacters() {
        assertRefused(() -> chat(key.secret(), say("fake-chat", "project nigh\\u200Btin\\u00ADgale")), SECRET);
        assertRefused(() -> chat(key.secret(), say("fake-chat", "project \\u202Enightingale\\u202C")), SECRET);
    }

    @Test
    void refusesThePhraseInAnotherCase() {
        assertRefused(() -> chat(key.secret(), say("fake-chat", "PROJECT NIGHTINGALE")), SECRET);
        assertRefused(() -> chat(key.secret(), say("fake-chat", "the ПАРОЛЬ is")), "ПАРОЛЬ");
        assertRefused(() -> chat(key.secret(), say("fake-chat", "meet at GEHEIMSTRASSE 5")), "geheim");
    }

    @Test
    void refusesThePhraseInAToolDescription() {
        assertRefused(() -> chat(key.secret(), """
                {"model":"fake-chat","messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function",\
                "function":{"name":"lookup","description":"Answers questions on Project Nightingale",\
                "parameters":{"type":"object","properties":{}}}}]}"""), SECRET);
    }

    @Test
    void refusesThePhraseAsAPropertyNameOfAToolSchema() {
        assertRefused(() -> chat(key.secret(), """
                {"model":"fake-chat","messages":[{"role":"user","content":"fill in the form"}],"tools":[{"type":"function",\
                "function":{"name":"form","parameters":{"type":"object",\
                "properties":{"project nightingale budget":{"type":"number"}}}}}]}"""), SECRET);
    }

    @Test
    void refusesThePhraseInTheSystemPromptOfAMessagesRequest() {
        assertRefused(() -> messages(key.secret(), """
                {"model":"claude","max_tokens":50,"system":[{"type":"text","text":"You know Project Nightingale."}],\
                "messages":[{"role":"user","content":"What do you know?"}]}"""), SECRET);
        assertRefused(() -> messages(key.secret(), """
                {"model":"claude","max_tokens":50,"system":"You know Project Nightingale.",\
                "messages":[{"role":"user","content":"What do you know?"}]}"""), SECRET);
    }

    @Test
    void refusesThePhraseInAnAnthropicToolsInputSchema() {
        assertRefused(() -> messages(key.secret(), """
                {"model":"claude","max_tokens":50,"messages":[{"role":"user","content":"hi"}],\
                "tools":[{"name":"t","input_schema":{"type":"object","properties":{"project_x":{"type":"string",\
                "enum":["project nightingale"]}}}}]}"""), SECRET);
    }

    @Test
    void refusesThePhraseInAResponseFormatSchema() {
        assertRefused(() -> chat(key.secret(), """
                {"model":"fake-chat","messages":[{"role":"user","content":"hi"}],"response_format":{"type":"json_schema",\
                "json_schema":{"name":"out","schema":{"type":"object","properties":{"status":{"type":"string",\
                "description":"status of project nightingale"}}}}}}"""), SECRET);
    }

    @Test
    void refusesThePhraseInAToolResultOfAMessagesRequest() {
        assertRefused(() -> messages(key.secret(), """
                {"model":"claude","max_tokens":50,"messages":[{"role":"user","content":"search"},\
                {"role":"assistant","content":[{"type":"tool_use","id":"toolu_1","name":"search","input":{"q":"x"}}]},\
                {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1",\
                "content":[{"type":"text","text":"Project Nightingale files"}]}]}]}"""), SECRET);
    }

    @Test
    void aLongHonestPromptUnderTheBoundIsAnswered() {
        String prompt = "The quick brown fox jumps over the lazy dog. ".repeat(1200); // 54,000 characters
        assertAnswered(() -> chat(key.secret(), say("fake-chat", prompt)));
    }

    @Test
    void imageDataIsNotScannedAsText() {
        var noisy = client.createKey("""
                {"name":"image rules","policy":{"modalities":["text","image"],"denyPatterns":["nightingale"]}}""");
        // Base64 that happens to spell the pattern: the image, not a phrase the model reads.
        String data = "iVBORw0KGgonightingale" + PNG.substring(22);

        assertAnswered(() -> chat(noisy.secret(), """
                {"model":"fake-chat","messages":[{"role":"user","content":[{"type":"text","text":"What is this?"},\
                {"type":"image_url","image_url":{"url":"data:image/png;base64,%s"}}]}]}""".formatted(data)));
        assertAnswered(() -> messages(noisy.secret(), """
                {"model":"claude","max_tokens":50,"messages":[{"role":"user","content":[{"type":"text","text":"What?"},\
                {"type":"image","source":{"type":"base64","media_type":"image/png","data":"%s"}}]}]}""".formatted(data)));
        assertRefused(() -> chat(noisy.secret(), say("fake-chat", "data:image/png;base64,nightingale")), SECRET);
    }
}
