package io.portcullis.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.support.GatewayClient;
import io.portcullis.gateway.support.Multipart;
import io.portcullis.gateway.support.TestGateway;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Transcriptions, translations and speech end to end: a real multipart body with a WAV made here,
 * through the gateway to the fake backend, metered into the ledger at the configured unit prices.
 */
class AudioEndpointsTest extends MediaTest {

    /** 2.5 s at 8 kHz, 16-bit mono: 16,000 bytes a second. */
    private static final byte[] WAV = Multipart.wav(2_500, 8_000);

    @Test
    void transcribesAnUploadWhoseModelComesAfterTheFileAndSendsTheFileIntactWithTheUpstreamModel() {
        var key = client.createKey();
        var form = new Multipart().file("file", "hello.wav", "audio/wav", WAV).field("model", "whisper")
                .field("response_format", "json");

        var answer = upload("/v1/audio/transcriptions", key.secret(), form);

        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        assertThat(GatewayClient.json(answer).get("text").asString()).isEqualTo("Hello, world! This is a test.");
        byte[] sent = lastBody(TestGateway.MEDIA).getBytes(StandardCharsets.UTF_8);
        String upstream = new String(sent, StandardCharsets.ISO_8859_1);
        assertThat(upstream).contains("name=\"model\"\r\n\r\nwhisper-1\r\n").doesNotContain("\r\n\r\nwhisper\r\n");
        assertThat(TestGateway.backend().received(TestGateway.MEDIA).getLast().header("content-type"))
                .startsWith("multipart/form-data; boundary=");
        // the WAV's PCM bytes arrive unchanged (the fake reads the body as UTF-8, so compare its header)
        assertThat(upstream).contains("filename=\"hello.wav\"").contains("RIFF").contains("WAVEfmt ");
        var row = ledgerRow(key);
        assertThat(row.get("endpoint")).isEqualTo("transcriptions");
        assertThat(row.get("billed_by")).isEqualTo("reported");
        // the backend reported {"type":"duration","seconds":2}: 2 s at $0.0001
        assertThat(row.get("cost_micros")).isEqualTo(200L);
    }

    @Test
    void sendsTheSameUploadAgainToTheNextDeploymentWhenTheFirstFails() {
        var key = client.createKey();
        int failedBefore = TestGateway.backend().count(TestGateway.MEDIA_FAILING);
        var form = new Multipart().file("file", "hello.wav", "audio/wav", WAV).field("model", "whisper-failover");

        var answer = upload("/v1/audio/transcriptions", key.secret(), form);

        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        assertThat(TestGateway.backend().count(TestGateway.MEDIA_FAILING)).isGreaterThan(failedBefore);
        String failed = lastBody(TestGateway.MEDIA_FAILING);
        String served = lastBody(TestGateway.MEDIA);
        assertThat(failed.length()).isEqualTo(served.length()).isGreaterThan(WAV.length);
        assertThat(served).contains("RIFF").contains("\r\n\r\nwhisper-1\r\n");
        var row = ledgerRow(key);
        assertThat(row.get("status")).isEqualTo(200);
        assertThat(row.get("billed_by")).isEqualTo("reported");
    }

    @Test
    void acceptsTheFormExactlyAsTheOfficialDotNetSdkRecordedIt() {
        // unquoted name=file, filename*=, the file first and model after it, text/plain field parts
        String recorded = io.portcullis.gateway.support.Fixtures.text("openai/audio-transcriptions.json.request.multipart.txt");
        String boundary = recorded.substring(2, recorded.indexOf("\r\n"));
        int placeholder = recorded.indexOf("<binary");
        int lineEnd = recorded.indexOf("\r\n", placeholder);
        var body = new java.io.ByteArrayOutputStream();
        body.writeBytes(recorded.substring(0, placeholder).getBytes(StandardCharsets.UTF_8));
        body.writeBytes(WAV);
        body.writeBytes(recorded.substring(lineEnd).replace("\r\nwhisper-1\r\n", "\r\nwhisper\r\n")
                .getBytes(StandardCharsets.UTF_8));
        var key = client.createKey();

        var answer = raw("/v1/audio/transcriptions", key.secret(), "multipart/form-data; boundary=" + boundary,
                body.toByteArray());

        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        String upstream = lastBody(TestGateway.MEDIA);
        assertThat(upstream).contains("Content-Disposition: form-data; name=file; filename=\"Assets\\audio_hello_world.mp3\"")
                .contains("Content-Type: text/plain; charset=utf-8\r\nContent-Disposition: form-data; name=model\r\n\r\nwhisper-1\r\n")
                .contains("name=response_format\r\n\r\njson\r\n");
        assertThat(ledgerRow(key).get("cost_micros")).isEqualTo(200L);
    }

    @Test
    void billsTheWavDurationWhenTheBackendReportsNoUsage() {
        var key = client.createKey();
        var form = new Multipart().field("model", "whisper").file("file", "hello.wav", "audio/wav", WAV);

        var answer = upload("/v1/audio/translations", key.secret(), form);

        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        var row = ledgerRow(key);
        assertThat(row.get("billed_by")).isEqualTo("reservation");
        // 2.5 s of audio, rounded up to 3 s, at $0.0001 a second
        assertThat(row.get("cost_micros")).isEqualTo(300L);
    }

    @Test
    void relaysATextTranscriptRatherThanCallingItGarbage() {
        var key = client.createKey();
        var form = new Multipart().field("model", "whisper").field("response_format", "text")
                .file("file", "hello.wav", "audio/wav", WAV);

        var answer = upload("/v1/audio/transcriptions", key.secret(), form);

        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        assertThat(answer.headers().firstValue("content-type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/plain"));
        assertThat(answer.body()).isEqualTo("Hello, world! This is a test.\n");
        assertThat(ledgerRow(key).get("cost_micros")).isEqualTo(300L);
    }

    @Test
    void billsTokensWhenTheTranscriptionModelReportsTokens() {
        var key = client.createKey();
        var form = new Multipart().file("file", "hello.wav", "audio/wav", WAV).field("model", "transcribe");

        var answer = upload("/v1/audio/transcriptions", key.secret(), form);

        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        var row = ledgerRow(key);
        assertThat(row.get("prompt_tokens")).isEqualTo(17);
        assertThat(row.get("completion_tokens")).isEqualTo(11);
        // 17 × $3/M + 11 × $5/M = 51 + 55 micro-dollars
        assertThat(row.get("cost_micros")).isEqualTo(106L);
    }

    @Test
    void refusesAudioToAKeyAllowedOnlyText() {
        var key = client.createKey("{\"name\":\"text only\",\"policy\":{\"modalities\":[\"text\"]}}");
        int before = TestGateway.backend().count(TestGateway.MEDIA);

        var transcription = upload("/v1/audio/transcriptions", key.secret(),
                new Multipart().field("model", "whisper").file("file", "a.wav", "audio/wav", WAV));
        var speech = client.post("/v1/audio/speech", key.secret(),
                "{\"model\":\"tts\",\"input\":\"Hello\",\"voice\":\"alloy\"}");

        assertError(transcription, 403, "policy_violation");
        assertThat(transcription.body()).contains("'audio'");
        assertError(speech, 403, "policy_violation");
        assertThat(speech.body()).contains("'audio'");
        assertThat(TestGateway.backend().count(TestGateway.MEDIA)).isEqualTo(before);
    }

    @Test
    void denyPatternsReadTheTranscriptionPromptAndTheSpeechInput() {
        var key = client.createKey("{\"name\":\"rules\",\"policy\":{\"denyPatterns\":[\"(?i)project nightingale\"]}}");

        var transcription = upload("/v1/audio/transcriptions", key.secret(), new Multipart()
                .file("file", "a.wav", "audio/wav", WAV).field("model", "whisper")
                .field("prompt", "Notes on Project Nightingale"));
        var speech = client.post("/v1/audio/speech", key.secret(),
                "{\"model\":\"tts\",\"input\":\"Read out PROJECT NIGHTINGALE\",\"voice\":\"alloy\"}");

        assertError(transcription, 403, "policy_violation");
        assertError(speech, 403, "policy_violation");
    }

    @Test
    void relaysSpeechAsItArrivesAndBillsItsCharacters() throws Exception {
        var key = client.createKey();
        String input = "Héllo, wörld 👋"; // 14 code points, 15 UTF-16 units
        var request = HttpRequest.newBuilder(URI.create(client.base() + "/v1/audio/speech"))
                .header("Authorization", "Bearer " + key.secret()).header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"model\":\"tts\",\"input\":\"" + input + "\",\"voice\":\"alloy\"}")).build();
        long sent = System.nanoTime();

        HttpResponse<java.io.InputStream> answer = client.http().send(request, HttpResponse.BodyHandlers.ofInputStream());
        byte[] first;
        long firstAt;
        byte[] rest;
        try (var body = answer.body()) {
            first = body.readNBytes(1);
            firstAt = System.nanoTime();
            rest = body.readAllBytes();
        }
        long endAt = System.nanoTime();

        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.headers().firstValue("content-type")).hasValue("audio/mpeg");
        assertThat(first.length + rest.length)
                .isEqualTo(io.portcullis.gateway.support.FakeMedia.SPEECH_CHUNKS * io.portcullis.gateway.support.FakeMedia.SPEECH_CHUNK_BYTES);
        // the first chunk reached the client while the backend was still speaking
        assertThat(Duration.ofNanos(endAt - firstAt).toMillis()).isGreaterThan(400);
        var row = ledgerRow(key);
        assertThat(row.get("endpoint")).isEqualTo("speech");
        assertThat(row.get("billed_by")).isEqualTo("counted");
        assertThat((Integer) row.get("ttft_ms")).isNotNull().isLessThan((int) Duration.ofNanos(endAt - sent).toMillis() - 400);
        // 14 characters at $15 per million: 210 micro-dollars
        assertThat(row.get("cost_micros")).isEqualTo(210L);
        var me = GatewayClient.json(client.get("/v1/me", key.secret()));
        assertThat(me.path("usage").path("today").path("costUsd").asString()).isEqualTo("0.000210");
        assertThat(lastBody(TestGateway.MEDIA)).contains("\"model\":\"tts-1\"");
    }

    @Test
    void aSpendBudgetStopsSpeechOnceUsedUp() {
        // $0.001 a month; 50 characters cost 750 micro-dollars: one request fits, the second does not
        var key = client.createKey("{\"name\":\"budget\",\"limits\":{\"spendPerMonthUsd\":0.001}}");
        String speak = "{\"model\":\"tts\",\"input\":\"" + "x".repeat(50) + "\",\"voice\":\"alloy\"}";

        var first = client.post("/v1/audio/speech", key.secret(), speak);
        var second = client.post("/v1/audio/speech", key.secret(), speak);

        assertThat(first.statusCode()).isEqualTo(200);
        assertError(second, 429, "insufficient_quota");
        assertThat(TestGateway.backend().received(TestGateway.MEDIA).stream()
                .filter(r -> r.path().endsWith("/audio/speech")).count()).isGreaterThanOrEqualTo(1);
    }

    @Test
    void refusesAudioForAModelServedByAnAnthropicBackend() {
        var key = client.createKey();

        var answer = client.post("/v1/audio/speech", key.secret(), "{\"model\":\"claude\",\"input\":\"Hi\",\"voice\":\"alloy\"}");

        assertError(answer, 400, "invalid_request_error");
        assertThat(answer.body()).contains("Anthropic");
    }
}
