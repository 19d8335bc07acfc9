package io.portcullis.gateway.proxy;

import io.portcullis.gateway.backend.Backend;
import io.portcullis.gateway.backend.BackendType;
import io.portcullis.gateway.backend.Deployment;
import io.portcullis.policy.IpAddresses;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The per-request steps of a chat call that do not depend on its body: the upstream URL, the
 * upstream headers and the client's address as the policy reads it (issue 21, step 4). In the
 * gateway's package so it can call the package-private {@link UpstreamHeaders}. Read with
 * {@code -prof gc}: allocation per call is the figure that matters, timings are provisional on a
 * shared machine.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class HotPathBenchmark {

    private final Backend openAi = new Backend("openai", BackendType.OPENAI, URI.create("http://127.0.0.1:8080/v1"),
            "sk-upstream-key", List.of("gpt-4o-mini"), Map.of(), 1, 0);
    private final Backend gemini = new Backend("gemini", BackendType.GEMINI,
            URI.create("https://generativelanguage.googleapis.com/v1beta"), "goog-key", List.of("gemini-2.0-flash"),
            Map.of(), 1, 0);
    private final Deployment chat = new Deployment(openAi, "gpt-4o-mini", "gpt-4o-mini");
    private final Deployment geminiChat = new Deployment(gemini, "gemini-2.0-flash", "gemini-2.0-flash");
    /** What an OpenAI SDK sends that the allow list reads. */
    private final Map<String, List<String>> sdkHeaders = Map.of("accept", List.of("application/json"));
    private final UpstreamHeaders.ClientHeaders client = name -> sdkHeaders.getOrDefault(name, List.of());
    private String clientAddress = "203.0.113.57";
    private String clientAddressV6 = "2001:db8::8a2e:370:7334";
    private final byte[] chatAnswer = ("{\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion\",\"created\":1764201600,"
            + "\"model\":\"bench-chat\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
            + "\"content\":\"Hello, benchmark!\"},\"finish_reason\":\"stop\"}],"
            + "\"usage\":{\"prompt_tokens\":21,\"completion_tokens\":5,\"total_tokens\":26}}")
            .getBytes(java.nio.charset.StandardCharsets.UTF_8);
    private final byte[] chatRequest = ("{\"model\":\"bench-chat\",\"messages\":[{\"role\":\"system\",\"content\":"
            + "\"You are terse.\"},{\"role\":\"user\",\"content\":\"Say hello to the benchmark.\"}],"
            + "\"max_tokens\":16}").getBytes(java.nio.charset.StandardCharsets.UTF_8);

    @Benchmark
    public URI chatUrl() {
        return chat.url("/chat/completions", null);
    }

    @Benchmark
    public URI geminiStreamUrl() {
        // built per request by GeminiDialect, as here
        return geminiChat.url("/models/" + geminiChat.upstreamModel() + ":streamGenerateContent", "alt=sse");
    }

    @Benchmark
    public String[] chatHeaders() {
        return UpstreamHeaders.forCall(openAi, "req-0123456789abcdef", null, client);
    }

    @Benchmark
    public byte[] clientAddressV4() {
        return IpAddresses.parse(clientAddress);
    }

    @Benchmark
    public byte[] clientAddressV6() {
        return IpAddresses.parse(clientAddressV6);
    }

    /** The usage read from a whole chat answer as it passes (bench/gateway/chat-response.json). */
    @Benchmark
    public Usage usageOfChatAnswer() {
        UsageScanner scanner = new UsageScanner();
        scanner.feed(chatAnswer, 0, chatAnswer.length);
        scanner.end();
        return scanner.usage();
    }

    /** The chat request's parse, for scale: the same kind of work on a body of similar size. */
    @Benchmark
    public Object parseOfChatRequest() {
        return ProxyJson.parse(chatRequest);
    }
}
