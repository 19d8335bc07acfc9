package io.portcullis.bench.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class OpenLoopTest {

    private static final byte[] BODY = "{\"model\":\"bench-chat\",\"messages\":[]}".getBytes(StandardCharsets.UTF_8);
    private static final String OK = "HTTP/1.1 200 OK\r\nx-portcullis-overhead-us: 7\r\nContent-Length: 11\r\n\r\n{\"ok\":true}";
    private static final String OK_CHUNKED = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n0\r\n\r\n";
    private static final String SHED = "HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 4\r\n\r\nbusy";

    @Test
    void countsAdmittedAndShedApartAndReconnectsAfterAnAnswerThatCloses() throws Exception {
        // every request the same bytes (one encoding, sent again and again); odd ones shed with a close
        try (var server = new ScriptedServer(head(), BODY, n -> n % 2 == 1 ? SHED : n % 4 == 0 ? OK : OK_CHUNKED)) {
            Map<String, Long> result = run(server, 200, 20_000, Duration.ofSeconds(10));

            assertThat(result).containsEntry("sent", 200L).containsEntry("ok", 100L).containsEntry("shed", 100L)
                    .containsEntry("other", 0L).containsEntry("unsent", 0L).containsEntry("unanswered", 0L)
                    .containsEntry("failed", 100L).containsEntry("overhead_n", 50L).containsEntry("overhead_p50", 7L);
            assertThat(server.accepted()).as("a new connection after each close").isGreaterThanOrEqualTo(100);
        }
    }

    @Test
    void countsAnUnansweredRequestAsOtherAndSendsNoneBeyondMaxInFlight() throws Exception {
        try (var server = new ScriptedServer(head(), BODY, n -> null)) {
            long started = System.nanoTime();
            Map<String, Long> result = run(server, 100, 5, Duration.ofMillis(1500));

            assertThat(result).containsEntry("sent", 100L).containsEntry("ok", 0L).containsEntry("other", 5L)
                    .containsEntry("unsent", 95L).containsEntry("unanswered", 0L).containsEntry("failed", 100L);
            assertThat(server.accepted()).isEqualTo(5);
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
        }
    }

    /** One second at {@code rate}, no warm-up. */
    private static Map<String, Long> run(ScriptedServer server, int rate, int maxInFlight, Duration timeout)
            throws Exception {
        String line = OpenLoop.run(server.uri(), BODY, rate, 1, 0, "k-123", maxInFlight, timeout);
        return Arrays.stream(line.split(" ")).map(kv -> kv.split("=", 2))
                .collect(Collectors.toMap(kv -> kv[0], kv -> Math.round(Double.parseDouble(kv[1]))));
    }

    private static String head() {
        return "POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1:%d\r\ncontent-type: application/json\r\n"
                + "authorization: Bearer k-123\r\ncontent-length: " + BODY.length + "\r\n\r\n";
    }
}
