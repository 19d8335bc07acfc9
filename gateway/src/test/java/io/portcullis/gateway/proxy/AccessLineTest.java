package io.portcullis.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.LoggerContext;
import io.portcullis.gateway.support.GatewayClient;
import io.portcullis.gateway.support.GatewayIntegrationTest;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.slf4j.LoggerFactory;

/**
 * The access line on Boot's default console, through its own lean appender ({@link AccessLog}):
 * still one line per request, with every field and Boot's line shape, never written twice.
 */
@ExtendWith(OutputCaptureExtension.class)
class AccessLineTest extends GatewayIntegrationTest {

    @Test
    void logsOneLineWithEveryFieldInBootsShapeForAChat(CapturedOutput output) {
        var key = client.createKey();
        var request = HttpRequest.newBuilder(URI.create(client.base() + "/v1/chat/completions"))
                .header("Authorization", "Bearer " + key.secret()).header("Content-Type", "application/json")
                .header("X-Request-Id", "access-line-1")
                .POST(HttpRequest.BodyPublishers.ofString(GatewayClient.chat("fake-chat"))).build();

        assertThat(client.send(request).statusCode()).isEqualTo(200);
        awaitLine(output, "request_id=access-line-1 ");

        var line = Pattern.compile("(?m)^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}\\S*  INFO \\d+ --- \\[portcullis] "
                + "\\[.{15}] io\\.portcullis\\.gateway\\.access {13}: request_id=access-line-1 trace_id=\\S+ endpoint=chat"
                + " model=fake-chat backend=\\S+ status=200 outcome=success duration_ms=\\d+$");
        assertThat(line.matcher(output.getAll()).results().count()).as(output.getAll()).isEqualTo(1);
        assertThat(output.getAll()).contains("request_id=access-line-1 ").doesNotContain("\u001b[");
        var access = ((LoggerContext) LoggerFactory.getILoggerFactory()).getLogger(AccessLog.LOGGER);
        assertThat(access.getAppender("ACCESS")).as("the lean appender, not Boot's pattern").isNotNull();
    }

    @Test
    void logsTheRefusalOfAnUnknownKeyWithoutAModelItDidNotServe(CapturedOutput output) {
        var request = HttpRequest.newBuilder(URI.create(client.base() + "/v1/chat/completions"))
                .header("Authorization", "Bearer pk-not-a-key").header("Content-Type", "application/json")
                .header("X-Request-Id", "access-line-2")
                .POST(HttpRequest.BodyPublishers.ofString(GatewayClient.chat("fake-chat"))).build();

        assertThat(client.send(request).statusCode()).isEqualTo(401);
        awaitLine(output, "request_id=access-line-2 ");

        assertThat(output.getAll().lines().filter(l -> l.contains("request_id=access-line-2 ")))
                .singleElement().asString()
                .contains(" io.portcullis.gateway.access ", " endpoint=chat model=null backend=null status=401 ");
    }

    /** The line is written by its writer thread, so it may reach the console a moment after the answer. */
    private static void awaitLine(CapturedOutput output, String text) {
        await().atMost(Duration.ofSeconds(5)).until(() -> output.getAll().contains(text));
    }
}
