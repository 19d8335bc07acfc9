package io.portcullis.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.support.Multipart;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Mangled uploads, the way a fuzzer or a broken client sends them: flipped bytes, cut bodies,
 * stray boundaries, odd boundary parameters, repeated and nameless parts. Every answer is a
 * normal one or a 4xx in the contract's shape, never a 5xx, and the gateway keeps serving.
 */
class UploadFuzzTest extends MediaTest {

    private static final int REQUESTS = 1_500;
    private static final long SEED = 20261206L;
    private static final List<String> PATHS = List.of("/v1/audio/transcriptions", "/v1/audio/translations",
            "/v1/images/edits");

    @Test
    void mangledUploadsGetContractAnswersAndNeverAServerError() {
        var key = client.createKey();
        var random = new Random(SEED);
        byte[] valid = new Multipart().field("model", "whisper").field("prompt", "hello")
                .file("file", "a.wav", "audio/wav", Multipart.wav(200, 8_000))
                .file("image", "a.png", "image/png", new byte[] {(byte) 0x89, 'P', 'N', 'G'}).field("n", "1").bytes();
        List<String> types = List.of(Multipart.contentType(), "multipart/form-data; boundary=\"" + Multipart.BOUNDARY + "\"",
                "multipart/form-data; boundary=" + Multipart.BOUNDARY.substring(3), "multipart/form-data; boundary=x",
                "multipart/form-data; boundary=" + "b".repeat(71), "multipart/mixed; boundary=" + Multipart.BOUNDARY,
                "application/json", "multipart/form-data; charset=utf-8");
        var failures = new ArrayList<String>();

        for (int i = 0; i < REQUESTS && failures.size() < 10; i++) {
            String path = PATHS.get(random.nextInt(PATHS.size()));
            byte[] body = mangle(valid, random);
            String type = random.nextInt(3) == 0 ? types.get(random.nextInt(types.size())) : Multipart.contentType();
            var answer = raw(path, key.secret(), type, body);
            int status = answer.statusCode();
            String contentType = answer.headers().firstValue("content-type").orElse("");
            if (status >= 500 || (status >= 400 && !(contentType.startsWith("application/json")
                    && answer.body().startsWith("{\"error\":{")))) {
                failures.add("#" + i + " " + path + " " + status + " " + answer.body());
            }
        }

        assertThat(failures).isEmpty();
        assertThat(upload("/v1/audio/transcriptions", key.secret(), new Multipart().field("model", "whisper")
                .file("file", "a.wav", "audio/wav", Multipart.wav(200, 8_000))).statusCode()).isEqualTo(200);
    }

    private static byte[] mangle(byte[] valid, Random random) {
        byte[] body = valid.clone();
        switch (random.nextInt(7)) {
            case 0 -> {
                for (int k = 0; k < 1 + random.nextInt(20); k++) {
                    body[random.nextInt(body.length)] = (byte) random.nextInt(256);
                }
            }
            case 1 -> body = java.util.Arrays.copyOf(body, random.nextInt(body.length));
            case 2 -> body = insert(body, random.nextInt(body.length),
                    ("\r\n--" + Multipart.BOUNDARY + (random.nextBoolean() ? "--" : "\r\n")).getBytes(StandardCharsets.US_ASCII));
            case 3 -> body = insert(body, random.nextInt(body.length),
                    java.util.Arrays.copyOfRange(body, 0, random.nextInt(Math.min(body.length, 400))));
            case 4 -> body = insert(body, 0, ("--" + Multipart.BOUNDARY + "\r\n\r\nnameless\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            case 5 -> body = new String(body, StandardCharsets.ISO_8859_1).replace("\r\n", "\n")
                    .getBytes(StandardCharsets.ISO_8859_1);
            default -> {
                // valid: some requests must succeed, or the test shows only refusals
            }
        }
        return body;
    }

    private static byte[] insert(byte[] body, int at, byte[] extra) {
        var out = new ByteArrayOutputStream();
        out.write(body, 0, at);
        out.writeBytes(extra);
        out.write(body, at, body.length - at);
        return out.toByteArray();
    }
}
