package io.portcullis.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.portcullis.gateway.web.GatewayException;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The multipart parser against bodies that arrive a byte at a time and content that almost looks like a boundary. */
class MultipartParserTest {

    private static final String BOUNDARY = "xYz-42";

    @Test
    void readsContentFullOfNearBoundariesExactlyWhateverTheReadSizes() throws IOException {
        var content = new ByteArrayOutputStream();
        var random = new Random(7);
        for (int i = 0; i < 5_000; i++) {
            // prefixes of the delimiter, cut one byte short at every length, between random bytes
            String near = "\r\n--" + BOUNDARY;
            content.writeBytes(near.substring(0, 1 + random.nextInt(near.length() - 1)).getBytes(StandardCharsets.US_ASCII));
            byte[] noise = new byte[random.nextInt(40)];
            random.nextBytes(noise);
            content.writeBytes(noise);
        }
        byte[] file = content.toByteArray();
        byte[] body = form(file);
        for (int readSize : new int[] {1, 7, 4096, 1 << 20}) {
            var parser = new MultipartParser(trickle(body, readSize), BOUNDARY, new byte[UploadReader.BUFFER]);

            var first = parser.next();
            byte[] read = readAll(parser);
            var second = parser.next();
            byte[] model = readAll(parser);

            assertThat(first.name()).isEqualTo("file");
            assertThat(first.filename()).isEqualTo("a.bin");
            assertThat(read).isEqualTo(file);
            assertThat(second.name()).isEqualTo("model");
            assertThat(new String(model, StandardCharsets.UTF_8)).isEqualTo("whisper");
            assertThat(parser.next()).isNull();
        }
    }

    @Test
    void readsUnquotedAndQuotedDispositionParameters() {
        String disposition = "form-data; name=file; filename=\"a \\\"b\\\".wav\"; filename*=utf-8''a.wav";

        assertThat(MultipartParser.parameter(disposition, "name")).isEqualTo("file");
        assertThat(MultipartParser.parameter(disposition, "filename")).isEqualTo("a \"b\".wav");
        assertThat(MultipartParser.parameter("form-data", "name")).isNull();
    }

    @Test
    void refusesABodyThatEndsInsideAPart() {
        byte[] body = form("data".getBytes(StandardCharsets.US_ASCII));
        byte[] cut = java.util.Arrays.copyOf(body, body.length - BOUNDARY.length() - 8);
        var parser = new MultipartParser(new java.io.ByteArrayInputStream(cut), BOUNDARY, new byte[UploadReader.BUFFER]);

        assertThatThrownBy(() -> {
            while (parser.next() != null) {
                readAll(parser);
            }
        }).isInstanceOf(GatewayException.class).hasMessageContaining("closing boundary");
    }

    private static byte[] form(byte[] file) {
        var out = new ByteArrayOutputStream();
        out.writeBytes(("preamble to ignore\r\n--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"file\";"
                + " filename=\"a.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(file);
        out.writeBytes(("\r\n--" + BOUNDARY + "  \r\nContent-Disposition: form-data; name=model\r\n\r\nwhisper\r\n--"
                + BOUNDARY + "--\r\nepilogue").getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
    }

    private static byte[] readAll(MultipartParser parser) throws IOException {
        var out = new ByteArrayOutputStream();
        byte[] chunk = new byte[1000];
        int n;
        while ((n = parser.read(chunk, 0, chunk.length)) >= 0) {
            out.write(chunk, 0, n);
        }
        return out.toByteArray();
    }

    /** At most {@code size} bytes per read, as a slow network delivers them. */
    private static InputStream trickle(byte[] body, int size) {
        return new FilterInputStream(new java.io.ByteArrayInputStream(body)) {
            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                return super.read(b, off, Math.min(len, size));
            }
        };
    }
}
