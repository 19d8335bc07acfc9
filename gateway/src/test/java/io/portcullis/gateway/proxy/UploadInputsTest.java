package io.portcullis.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.support.Multipart;
import io.portcullis.gateway.support.TestGateway;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** What a hostile or careless client uploads gets a 400 (or 413) in the contract's shape, never a 500. */
class UploadInputsTest extends MediaTest {

    private static final byte[] WAV = Multipart.wav(500, 8_000);
    private static final String PATH = "/v1/audio/transcriptions";

    @Test
    void refusesAnUploadWithoutModel() {
        var key = client.createKey();

        var answer = upload(PATH, key.secret(), new Multipart().file("file", "a.wav", "audio/wav", WAV));

        assertError(answer, 400, "invalid_request_error");
        assertThat(answer.body()).contains("model");
    }

    @Test
    void refusesAnUploadWithoutItsFile() {
        var key = client.createKey();

        var answer = upload(PATH, key.secret(), new Multipart().field("model", "whisper").field("file", "not a file"));

        assertError(answer, 400, "invalid_request_error");
        assertThat(answer.body()).contains("'file'");
    }

    @Test
    void refusesJsonSentToAnUploadEndpoint() {
        var key = client.createKey();

        assertError(raw(PATH, key.secret(), "application/json", "{\"model\":\"whisper\"}".getBytes(StandardCharsets.UTF_8)),
                400, "invalid_request_error");
        assertError(raw(PATH, key.secret(), null, WAV), 400, "invalid_request_error");
    }

    @Test
    void refusesAMultipartTypeWithoutBoundary() {
        var key = client.createKey();
        byte[] body = new Multipart().field("model", "whisper").file("file", "a.wav", "audio/wav", WAV).bytes();

        assertError(raw(PATH, key.secret(), "multipart/form-data", body), 400, "invalid_request_error");
        assertError(raw(PATH, key.secret(), "multipart/form-data; boundary=", body), 400, "invalid_request_error");
    }

    @Test
    void refusesMalformedMultipartBodies() {
        var key = client.createKey();
        int before = TestGateway.backend().count(TestGateway.MEDIA);
        byte[] whole = new Multipart().field("model", "whisper").file("file", "a.wav", "audio/wav", WAV).bytes();
        byte[] unclosed = java.util.Arrays.copyOf(whole, whole.length - 30);
        byte[] noBoundaryAtAll = "just some bytes, no parts".getBytes(StandardCharsets.US_ASCII);
        byte[] headersNeverEnd = ("--" + Multipart.BOUNDARY + "\r\nContent-Disposition: form-data; name=\"model\"\r\n"
                + "X: " + "y".repeat(20_000)).getBytes(StandardCharsets.US_ASCII);
        byte[] nameless = ("--" + Multipart.BOUNDARY + "\r\nContent-Type: text/plain\r\n\r\nwhisper\r\n--"
                + Multipart.BOUNDARY + "--\r\n").getBytes(StandardCharsets.US_ASCII);

        for (byte[] body : new byte[][] {unclosed, noBoundaryAtAll, headersNeverEnd, nameless, new byte[0]}) {
            assertError(raw(PATH, key.secret(), Multipart.contentType(), body), 400, "invalid_request_error");
        }
        assertThat(TestGateway.backend().count(TestGateway.MEDIA)).isEqualTo(before);
    }

    @Test
    void refusesAWavHeaderThatLiesAboutItsRate() {
        var key = client.createKey();
        byte[] lying = WAV.clone();
        ByteBuffer.wrap(lying).order(ByteOrder.LITTLE_ENDIAN).putInt(28, 1); // byte rate 1: hours of "audio"

        var answer = upload(PATH, key.secret(), new Multipart().field("model", "whisper")
                .file("file", "a.wav", "audio/wav", lying));

        assertError(answer, 400, "invalid_request_error");
        assertThat(answer.body()).contains("WAV");
    }

    @Test
    void billsAWavByTheBytesItHoldsNotTheDataSizeItClaims() {
        var key = client.createKey();
        byte[] understated = Multipart.wav(4_000, 8_000); // 4 s of audio...
        ByteBuffer.wrap(understated).order(ByteOrder.LITTLE_ENDIAN).putInt(40, 16); // ...claiming 1 ms

        var answer = upload("/v1/audio/translations", key.secret(), new Multipart().field("model", "whisper")
                .file("file", "a.wav", "audio/wav", understated));

        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        assertThat(ledgerRow(key).get("cost_micros")).isEqualTo(400L); // 4 s at $0.0001
    }

    @Test
    void refusesAnUploadDeclaredLargerThanTheUploadLimit() {
        var key = client.createKey();
        // gateway.max-upload-bytes is 1MB in tests; a 3 MB file
        var form = new Multipart().field("model", "whisper").generatedFile("file", "big.wav", "audio/wav",
                3L * 1024 * 1024, () -> new java.io.ByteArrayInputStream(new byte[3 * 1024 * 1024]));

        var answer = upload(PATH, key.secret(), form);

        assertError(answer, 413, "request_too_large");
    }

    @Test
    void deletesTheSpoolFileOfAnUploadRefusedPartWayThrough() throws Exception {
        var key = client.createKey();
        // no Content-Length (chunked), so the limit is only found once 1 MB of file has been spooled
        var form = new Multipart().file("file", "big.wav", "audio/wav", new byte[1536 * 1024]).field("model", "whisper");
        var request = java.net.http.HttpRequest.newBuilder(java.net.URI.create(client.base() + PATH))
                .header("Authorization", "Bearer " + key.secret()).header("Content-Type", Multipart.contentType())
                .POST(java.net.http.HttpRequest.BodyPublishers.ofInputStream(form::stream)).build();

        assertError(client.send(request), 413, "request_too_large");
        assertError(upload(PATH, key.secret(), new Multipart().file("file", "a.wav", "audio/wav", WAV)),
                400, "invalid_request_error");
        assertThat(upload(PATH, key.secret(), new Multipart().file("file", "a.wav", "audio/wav", WAV)
                .field("model", "whisper")).statusCode()).isEqualTo(200);

        assertThat(spoolFiles()).isEmpty();
    }

    private static java.util.List<java.nio.file.Path> spoolFiles() throws java.io.IOException {
        try (var files = java.nio.file.Files.list(java.nio.file.Path.of(System.getProperty("java.io.tmpdir")))) {
            return files.filter(p -> p.getFileName().toString().startsWith("portcullis-upload-")).toList();
        }
    }

    @Test
    void refusesStreamingOnAnUploadEndpoint() {
        var key = client.createKey();

        var answer = upload(PATH, key.secret(), new Multipart().field("model", "whisper").field("stream", "true")
                .file("file", "a.wav", "audio/wav", WAV));

        assertError(answer, 400, "invalid_request_error");
    }
}
