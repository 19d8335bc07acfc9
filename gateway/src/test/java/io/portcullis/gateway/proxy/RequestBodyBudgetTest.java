package io.portcullis.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.database.EmbeddedPostgresServer;
import io.portcullis.gateway.proxy.TricklingUpload.Answer;
import io.portcullis.gateway.support.GatewayClient;
import io.portcullis.gateway.support.StandaloneGateway;
import java.io.ByteArrayInputStream;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Memory before limits (issue 15): a request body cannot take memory it has not been granted. A
 * gateway of its own, accepting 10 MB bodies with a body budget of only {@value #BUDGET_MIB} MiB
 * and a {@value #DEADLINE_SECONDS} s body deadline (Tomcat's per-read timeout stays 20 s), is
 * attacked by raw-socket clients that declare large bodies and trickle them.
 */
class RequestBodyBudgetTest {

    private static final int BUDGET_MIB = 8;
    private static final long BUDGET = BUDGET_MIB * 1024L * 1024L;
    private static final int DEADLINE_SECONDS = 3;
    private static final long TEN_MB = 10L * 1024 * 1024;
    private static final Duration TRICKLE = Duration.ofMillis(200);
    private static final Duration GIVE_UP = Duration.ofSeconds(20);
    private static final Pattern RESERVED = Pattern.compile(
            "(?m)^portcullis_request_body_bytes_reserved(?:\\{[^}]*})? (\\S+)$");

    private static EmbeddedPostgresServer postgres;
    private static StandaloneGateway gateway;
    private static GatewayClient client;

    @BeforeAll
    static void startGateway() {
        postgres = EmbeddedPostgresServer.ephemeral();
        gateway = StandaloneGateway.start(postgres.jdbcUrl(), Map.of(
                "gateway.max-request-bytes", "10MB",
                "gateway.max-concurrent-requests", "1000",
                "gateway.request-body.budget", BUDGET_MIB + "MB",
                "gateway.request-body.deadline", DEADLINE_SECONDS + "s",
                "gateway.request-body.reads-per-key", "16"));
        client = gateway.client();
    }

    @AfterAll
    static void stopGateway() {
        if (gateway != null) {
            gateway.close();
        }
        if (postgres != null) {
            postgres.close();
        }
    }

    @Test
    void twoHundredTricklingTenMegabyteUploadsAreRefusedWhileSmallRequestsAreServed() throws Exception {
        var greedy = client.createKey();
        var many = new ArrayList<GatewayClient.Key>();
        for (int i = 0; i < 10; i++) {
            many.add(client.createKey());
        }
        var oversized = client.createKey();
        var normal = client.createKey();
        // 40 on one key, barely sending: its 16 body slots, then 429
        var uploads = new ArrayList<TricklingUpload>();
        for (int i = 0; i < 40; i++) {
            uploads.add(new TricklingUpload(greedy.secret(), TEN_MB, 1024, TRICKLE));
        }
        // 152 over ten keys (at most 16 each), each sending 400 KiB at once: far beyond the budget
        for (int i = 0; i < 152; i++) {
            uploads.add(new TricklingUpload(many.get(i % 10).secret(), TEN_MB, 400 * 1024, TRICKLE));
        }
        // 8 declaring one byte over gateway.max-request-bytes
        for (int i = 0; i < 8; i++) {
            uploads.add(new TricklingUpload(oversized.secret(), TEN_MB + 1, 1024, TRICKLE));
        }
        long heapBefore = usedHeapAfterGc();
        var maxReserved = new AtomicLong();
        var attacking = new AtomicBoolean(true);
        var served = new ConcurrentLinkedQueue<Integer>();
        List<Future<Answer>> answers = new ArrayList<>();
        long heapDuring;
        try (var threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (var upload : uploads) {
                answers.add(threads.submit(() -> upload.send(gateway.port(), GIVE_UP)));
            }
            threads.submit(() -> {
                while (attacking.get()) {
                    maxReserved.accumulateAndGet(reserved(), Math::max);
                    Thread.sleep(50);
                }
                return null;
            });
            threads.submit(() -> {
                while (attacking.get()) {
                    served.add(client.post("/v1/chat/completions", normal.secret(),
                            GatewayClient.chat("fake-chat")).statusCode());
                }
                return null;
            });
            Thread.sleep(DEADLINE_SECONDS * 1000L / 2);
            heapDuring = usedHeapAfterGc();
            for (var answer : answers) {
                answer.get();
            }
            attacking.set(false);
        }

        List<Answer> greedyAnswers = answers.subList(0, 40).stream().map(RequestBodyBudgetTest::done).toList();
        List<Answer> manyAnswers = answers.subList(40, 192).stream().map(RequestBodyBudgetTest::done).toList();
        List<Answer> oversizedAnswers = answers.subList(192, 200).stream().map(RequestBodyBudgetTest::done).toList();
        assertThat(greedyAnswers).allSatisfy(RequestBodyBudgetTest::isContractRefusal)
                .extracting(Answer::status).containsOnly(408, 429);
        assertThat(greedyAnswers).filteredOn(a -> a.status() == 408).as("the key's body slots").hasSize(16);
        assertThat(manyAnswers).allSatisfy(RequestBodyBudgetTest::isContractRefusal)
                .extracting(Answer::status).contains(408, 503).containsOnly(408, 503);
        assertThat(oversizedAnswers).extracting(Answer::status).containsOnly(413);
        assertThat(oversizedAnswers).allSatisfy(RequestBodyBudgetTest::isContractRefusal);

        assertThat(maxReserved.get()).as("bytes reserved at most: the budget plus each request's first chunk")
                .isPositive().isLessThanOrEqualTo(BUDGET + 201L * BodyReader.FIRST_CHUNK);
        assertThat(heapDuring - heapBefore).as("heap held during the attack (200 x 10 MB declared)")
                .isLessThan(100L * 1024 * 1024);
        assertThat(served).as("small requests during the attack").hasSizeGreaterThan(5).containsOnly(200);
        Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(reserved()).isZero());
    }

    @Test
    void aBodyThatStopsArrivingIsAnswered408AtTheAbsoluteDeadline() throws Exception {
        var key = client.createKey();

        Answer answer = new TricklingUpload(key.secret(), 1000, 10, Duration.ZERO).send(gateway.port(), GIVE_UP);

        isContractRefusal(answer);
        assertThat(answer.status()).isEqualTo(408);
        assertThat(answer.after()).as("at the %d s deadline, not Tomcat's 20 s read timeout", DEADLINE_SECONDS)
                .isBetween(Duration.ofSeconds(DEADLINE_SECONDS), Duration.ofSeconds(DEADLINE_SECONDS + 4));
    }

    @Test
    void aTricklingBodyIsCutAtTheAbsoluteDeadline() throws Exception {
        var key = client.createKey();

        // one byte every 200 ms: every read succeeds, only the absolute deadline can stop it
        Answer answer = new TricklingUpload(key.secret(), 1000, 10, TRICKLE).send(gateway.port(), GIVE_UP);

        isContractRefusal(answer);
        assertThat(answer.status()).isEqualTo(408);
        assertThat(answer.after()).isBetween(Duration.ofSeconds(DEADLINE_SECONDS),
                Duration.ofSeconds(DEADLINE_SECONDS + 4));
    }

    @Test
    void aBodyTheBudgetCannotHoldGets503OverloadedInTheContractShape() throws Exception {
        var key = client.createKey();

        // 9 MB is within gateway.max-request-bytes but its buffer cannot grow past the 8 MiB budget
        Answer answer = new TricklingUpload(key.secret(), 9 * 1024 * 1024, 9 * 1024 * 1024, Duration.ZERO)
                .send(gateway.port(), GIVE_UP);

        isContractRefusal(answer);
        assertThat(answer.status()).as(answer.raw()).isEqualTo(503);
        assertThat(answer.code()).isEqualTo("overloaded");
        assertThat(answer.type()).isEqualTo("server_error");
        assertThat(answer.retryAfter()).isEqualTo("1");
        assertThat(client.post("/v1/chat/completions", key.secret(), GatewayClient.chat("fake-chat")).statusCode())
                .isEqualTo(200);
    }

    @Test
    void aKeyAllowedTwoConcurrentRequestsHasTwoBodySlots() throws Exception {
        var key = client.createKey("{\"name\":\"two at a time\",\"limits\":{\"maxConcurrentRequests\":2}}");
        var upload = new TricklingUpload(key.secret(), 1000, 10, TRICKLE);

        List<Answer> answers = new ArrayList<>();
        try (var threads = Executors.newVirtualThreadPerTaskExecutor()) {
            var futures = new ArrayList<Future<Answer>>();
            for (int i = 0; i < 3; i++) {
                futures.add(threads.submit(() -> upload.send(gateway.port(), GIVE_UP)));
            }
            for (var future : futures) {
                answers.add(future.get());
            }
        }

        assertThat(answers).allSatisfy(RequestBodyBudgetTest::isContractRefusal)
                .extracting(Answer::status).containsExactlyInAnyOrder(408, 408, 429);
        Answer refused = answers.stream().filter(a -> a.status() == 429).findFirst().orElseThrow();
        assertThat(refused.code()).isEqualTo("rate_limit_exceeded");
        assertThat(refused.retryAfter()).isEqualTo("1");
        assertThat(refused.after()).as("refused before its body is read").isLessThan(Duration.ofSeconds(2));
    }

    @Test
    void aChunkedBodyGrowingPastTheFirstChunkIsServedWhole() {
        var key = client.createKey();
        String content = "x".repeat(100_000);
        byte[] body = ("{\"model\":\"fake-chat\",\"messages\":[{\"role\":\"user\",\"content\":\"" + content + "\"}]}")
                .getBytes(StandardCharsets.UTF_8);

        // no Content-Length: the reader cannot size the body up front and must trim what it grew
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(
                        URI.create(client.base() + "/v1/chat/completions"))
                .header("Authorization", "Bearer " + key.secret())
                .header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body)))
                .build());

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(GatewayClient.json(response).at("/usage/prompt_tokens").asLong()).isPositive();
    }

    /** The refusal is an answer in the contract's shape whose code matches its status. */
    private static void isContractRefusal(Answer answer) {
        String expected = switch (answer.status()) {
            case 408 -> "request_timeout";
            case 413 -> "request_too_large";
            case 429 -> "rate_limit_exceeded";
            case 503 -> "overloaded";
            default -> "status " + answer.status() + ": " + answer.raw();
        };
        assertThat(answer.code()).as(answer.raw()).isEqualTo(expected);
        if (answer.status() == 429 || answer.status() == 503) {
            assertThat(answer.retryAfter()).isEqualTo("1");
        }
    }

    private static Answer done(Future<Answer> answer) {
        try {
            return answer.get();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static long reserved() {
        var matcher = RESERVED.matcher(client.get("/actuator/prometheus", null).body());
        if (!matcher.find()) {
            throw new AssertionError("portcullis_request_body_bytes_reserved is not exported");
        }
        return (long) Double.parseDouble(matcher.group(1));
    }

    private static long usedHeapAfterGc() {
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
