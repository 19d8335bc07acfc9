package io.portcullis.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.support.Fixtures;
import io.portcullis.gateway.support.GatewayClient;
import io.portcullis.gateway.support.Multipart;
import io.portcullis.gateway.support.TestGateway;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Image generation and edits metered per image (the answer's {@code data} items) and by the
 * tokens gpt-image models report; moderations priced per request; the output modalities a
 * text-only key may not ask for.
 */
class ImageAndModerationEndpointsTest extends MediaTest {

    private static final byte[] PNG = java.util.Base64.getDecoder().decode(
            "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAAC0lEQVQYV2NgAAIAAAUAAarVyFEAAAAASUVORK5CYII=");

    @Test
    void generatesImagesBilledPerImageAndByReportedTokens() {
        var key = client.createKey();

        var answer = client.post("/v1/images/generations", key.secret(),
                "{\"prompt\":\"An isolated stop sign.\",\"model\":\"image\",\"n\":2}");

        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        assertThat(GatewayClient.json(answer).get("data").size()).isEqualTo(2);
        assertThat(lastBody(TestGateway.MEDIA)).contains("\"model\":\"gpt-image-1\"");
        var row = ledgerRow(key);
        assertThat(row.get("endpoint")).isEqualTo("images");
        assertThat(row.get("billed_by")).isEqualTo("reported");
        assertThat(row.get("prompt_tokens")).isEqualTo(11);
        assertThat(row.get("completion_tokens")).isEqualTo(6240);
        // 2 images × $0.04 + 11 × $5/M + 6240 × $40/M = 80,000 + 55 + 249,600 micro-dollars
        assertThat(row.get("cost_micros")).isEqualTo(329_655L);
    }

    @Test
    void editsUploadedImagesBilledPerImage() {
        var key = client.createKey();
        var form = new Multipart().file("image[]", "a.png", "image/png", PNG).file("image[]", "b.png", "image/png", PNG)
                .field("prompt", "Make it blue").field("model", "image").field("n", "1");

        var answer = upload("/v1/images/edits", key.secret(), form);

        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        String upstream = lastBody(TestGateway.MEDIA);
        assertThat(upstream).contains("\r\n\r\ngpt-image-1\r\n").contains("filename=\"a.png\"").contains("filename=\"b.png\"");
        var row = ledgerRow(key);
        assertThat(row.get("endpoint")).isEqualTo("image_edits");
        assertThat((Long) row.get("cost_micros")).isGreaterThanOrEqualTo(40_000L);
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"2\"", "1.5", "0", "-1", "11", "1e9", "99999999999999999999", "true", "null", "[1]"})
    void refusesAnImageCountThatIsNotAWholeNumberInRange(String n) {
        var key = client.createKey();

        var answer = client.post("/v1/images/generations", key.secret(),
                "{\"prompt\":\"A cat\",\"model\":\"image\",\"n\":" + n + "}");

        if (n.equals("null")) {
            assertThat(answer.statusCode()).isEqualTo(200); // null is "not given": one image
            return;
        }
        assertError(answer, 400, "invalid_request_error");
    }

    @ParameterizedTest
    @ValueSource(strings = {"two", "1.5", "0", "11", "99999999999"})
    void refusesAnEditCountThatIsNotAWholeNumberInRange(String n) {
        var key = client.createKey();
        var form = new Multipart().field("model", "image").field("prompt", "blue").field("n", n)
                .file("image", "a.png", "image/png", PNG);

        assertError(upload("/v1/images/edits", key.secret(), form), 400, "invalid_request_error");
    }

    @Test
    void aSpendBudgetStopsImagesOnceUsedUp() {
        // $0.1 a month; an image reserves $0.04 (its tokens come on top once reported)
        var key = client.createKey("{\"name\":\"budget\",\"limits\":{\"spendPerMonthUsd\":0.1}}");
        String one = "{\"prompt\":\"A cat\",\"model\":\"image\"}";

        assertThat(client.post("/v1/images/generations", key.secret(), one).statusCode()).isEqualTo(200);
        // 40,000 + 55 + 249,600 micro-dollars spent: another image's $0.04 no longer fits
        assertError(client.post("/v1/images/generations", key.secret(), one), 429, "insufficient_quota");
    }

    @Test
    void refusesImagesToAKeyAllowedOnlyText() {
        var key = client.createKey("{\"name\":\"text only\",\"policy\":{\"modalities\":[\"text\"]}}");
        int before = TestGateway.backend().count(TestGateway.MEDIA);

        var generation = client.post("/v1/images/generations", key.secret(), "{\"prompt\":\"A cat\",\"model\":\"image\"}");
        var edit = upload("/v1/images/edits", key.secret(), new Multipart().field("model", "image")
                .field("prompt", "blue").file("image", "a.png", "image/png", PNG));

        assertError(generation, 403, "policy_violation");
        assertThat(generation.body()).contains("'image'");
        assertError(edit, 403, "policy_violation");
        assertThat(TestGateway.backend().count(TestGateway.MEDIA)).isEqualTo(before);
    }

    @Test
    void refusesChatAndResponsesThatAskATextOnlyKeyForAudioOrImages() {
        var key = client.createKey("{\"name\":\"text only\",\"policy\":{\"modalities\":[\"text\"]}}");

        var audioOut = client.post("/v1/chat/completions", key.secret(), "{\"model\":\"fake-chat\","
                + "\"modalities\":[\"text\",\"audio\"],\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        var audioParameter = client.post("/v1/chat/completions", key.secret(), "{\"model\":\"fake-chat\","
                + "\"audio\":{\"voice\":\"alloy\",\"format\":\"wav\"},\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        var imageTool = client.post("/v1/responses", key.secret(), "{\"model\":\"resp-mini\",\"input\":\"Draw a cat\","
                + "\"tools\":[{\"type\":\"image_generation\"}]}");

        assertError(audioOut, 403, "policy_violation");
        assertThat(audioOut.body()).contains("'audio'");
        assertError(audioParameter, 403, "policy_violation");
        assertError(imageTool, 403, "policy_violation");
        assertThat(imageTool.body()).contains("'image'");
    }

    @Test
    void passesModerationsThroughPricedPerRequest() {
        var key = client.createKey();

        var answer = client.post("/v1/moderations", key.secret(),
                Fixtures.text("openai/moderations.omni.request.json").replace("omni-moderation-latest", "moderation"));

        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        assertThat(GatewayClient.json(answer).get("results").get(0).get("flagged").asBoolean()).isTrue();
        assertThat(lastBody(TestGateway.MEDIA)).contains("\"model\":\"omni-moderation-latest\"");
        var row = ledgerRow(key);
        assertThat(row.get("endpoint")).isEqualTo("moderations");
        // $0.001 a request, plus nothing for tokens (none priced)
        assertThat(row.get("cost_micros")).isEqualTo(1_000L);
        assertThat(new String(answer.body().getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8)).contains("modr-");
    }
}
