package io.portcullis.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.database.EmbeddedPostgresServer;
import io.portcullis.gateway.support.GatewayClient;
import io.portcullis.gateway.support.GatewayProcess;
import io.portcullis.gateway.support.Multipart;
import io.portcullis.gateway.support.TestGateway;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * An upload larger than the gateway's whole heap passes: a gateway process limited to
 * {@value #HEAP_MIB} MiB of heap transcribes a {@value #UPLOAD_MIB} MiB file produced by a
 * generator as it is sent (never an array), its {@code model} field after the file, to a backend
 * that keeps no body. Held in memory, it could not; spooled through a fixed buffer, it does, and
 * the spool file is gone once the request has ended.
 */
class LargeUploadTest {

    private static final int HEAP_MIB = 160;
    private static final long UPLOAD_MIB = 300;
    private static final long UPLOAD = UPLOAD_MIB * 1024 * 1024;

    private static EmbeddedPostgresServer postgres;
    private static GatewayProcess gateway;
    private static Path spoolDirectory;

    @BeforeAll
    static void start() throws IOException {
        postgres = EmbeddedPostgresServer.ephemeral();
        spoolDirectory = Files.createTempDirectory("large-upload-test");
        gateway = GatewayProcess.start(postgres.jdbcUrl(), GatewayProcess.freePort(), "large-upload",
                Map.of("gateway.max-upload-bytes", (UPLOAD_MIB + 10) + "MB",
                        "gateway.upstream.response-timeout", "30s"),
                List.of("-Xmx" + HEAP_MIB + "m", "-Djava.io.tmpdir=" + spoolDirectory));
    }

    @AfterAll
    static void stop() throws Exception {
        if (gateway != null) {
            gateway.kill();
        }
        if (postgres != null) {
            postgres.close();
        }
    }

    @Test
    void passesAnUploadLargerThanTheHeapWithTheModelAfterTheFile() throws IOException {
        GatewayClient client = gateway.client();
        var key = client.createKey();
        var form = new Multipart()
                .generatedFile("file", "meeting.mp3", "audio/mpeg", UPLOAD, LargeUploadTest::pattern)
                .field("model", "big-whisper")
                .field("response_format", "json");

        var answer = client.send(form.request(client.base() + "/v1/audio/transcriptions", key.secret()));

        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        long received = TestGateway.backend().sunkBytes(TestGateway.MEDIA_SINK);
        assertThat(received).isBetween(UPLOAD, UPLOAD + 2048);
        String kept = TestGateway.backend().bodies(TestGateway.MEDIA_SINK).getLast();
        assertThat(kept).contains("filename=\"meeting.mp3\"").endsWith("--\r\n");
        // the model came after the file, renamed to the upstream name
        assertThat(kept.substring(kept.indexOf("\n...\n"))).contains("\r\n\r\nwhisper-1\r\n");
        try (Stream<Path> left = Files.list(spoolDirectory)) {
            assertThat(left.filter(p -> p.getFileName().toString().startsWith("portcullis-upload-")).toList()).isEmpty();
        }
    }

    /** {@value #UPLOAD_MIB} MiB of a repeating pattern, made as it is read. */
    private static InputStream pattern() {
        return new InputStream() {
            private long left = UPLOAD;

            @Override
            public int read() {
                return left-- > 0 ? (int) (left % 251) : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (left <= 0) {
                    return -1;
                }
                int n = (int) Math.min(len, left);
                for (int i = 0; i < n; i++) {
                    b[off + i] = (byte) ((left - i) % 251);
                }
                left -= n;
                return n;
            }
        };
    }
}
