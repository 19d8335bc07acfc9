package io.portcullis.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.backend.BackendType;
import io.portcullis.gateway.support.Fixtures;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link SseRelay} as an event splitter: bytes cut anywhere become whole events for the codec, and
 * no event is held past {@link SseRelay#MAX_INSPECTED_EVENT}, whichever codec the dialects pick.
 */
class EventSplittingTest {

    private static final byte[] CHAT = """
            {"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}]}""".getBytes(StandardCharsets.UTF_8);
    private static final byte[] MESSAGES = """
            {"model":"m","max_tokens":10,"stream":true,"messages":[{"role":"user","content":"hi"}]}"""
            .getBytes(StandardCharsets.UTF_8);
    /** A data event over the bound, whose usage-only chunk would be hidden (and reported) if inspected. */
    private static final String OVERSIZED = "data: {\"choices\":[],\"pad\":\"" + "x".repeat(SseRelay.MAX_INSPECTED_EVENT)
            + "\",\"usage\":{\"prompt_tokens\":999,\"completion_tokens\":999}}\n\n";

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 300, 4096})
    void handsTheCodecWholeEventsHoweverTheBytesAreCut(int step) {
        byte[] stream = Fixtures.bytes("openai/chat-stream.include-usage.sse");
        var codec = new Recording();
        var out = new FlushRecorder();

        new SseRelay(exchange(Endpoint.CHAT_COMPLETIONS), codec).relay(new Trickle(stream, step), out);

        List<String> expected = Arrays.stream(new String(stream, StandardCharsets.UTF_8).split("(?<=\n\n)")).toList();
        assertThat(codec.seen).containsExactlyElementsOf(expected);
        // one flush per event, each right after that event: nothing waits for the next read
        assertThat(out.flushed).containsExactlyElementsOf(expected);
    }

    @Test
    void endsEventsAtCrlfBlankLinesAndKeepsTheirBytes() {
        String stream = "data: {\"a\":1}\r\n\r\nevent: x\r\ndata: b\r\n\r\n";
        var codec = new Recording();

        new SseRelay(exchange(Endpoint.CHAT_COMPLETIONS), codec).relay(new Trickle(bytes(stream), 3), new FlushRecorder());

        assertThat(codec.seen).containsExactly("data: {\"a\":1}\r\n\r\n", "event: x\r\ndata: b\r\n\r\n");
    }

    @Test
    void passesCommentsOnToOpenAiClientsAsTheyCameWithoutCountingThem() {
        var exchange = exchange(Endpoint.CHAT_COMPLETIONS);
        String stream = ": keep-alive\n\n" + chunk("hi") + ": ping\r\n\r\ndata: [DONE]\n\n";
        var out = new FlushRecorder();

        new SseRelay(exchange, codec(BackendType.OPENAI, exchange, CHAT)).relay(new Trickle(bytes(stream), 5), out);

        assertThat(out.text()).isEqualTo(stream);
        assertThat(exchange.streamedTokens).isEqualTo(1);
        assertThat(exchange.ending).isInstanceOf(Ending.Unmetered.class);
    }

    @Test
    void translatesNoCommentIntoAnEvent() {
        var exchange = exchange(Endpoint.MESSAGES);
        var out = new FlushRecorder();

        new SseRelay(exchange, codec(BackendType.OPENAI, exchange, MESSAGES))
                .relay(new Trickle(bytes(": keep-alive\n\n: ping\n\n"), 4), out);

        assertThat(out.text()).doesNotContain("keep-alive").doesNotContain("ping");
    }

    @Test
    void forwardsAnOversizedOpenAiEventUninspectedAndInspectsTheNextOne() {
        var exchange = exchange(Endpoint.CHAT_COMPLETIONS);
        String usage = "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":14,\"completion_tokens\":8}}\n\n";
        String stream = chunk("a") + OVERSIZED + usage + "data: [DONE]\n\n";
        var out = new FlushRecorder();

        new SseRelay(exchange, codec(BackendType.OPENAI, exchange, CHAT)).relay(new Trickle(bytes(stream), 2048), out);

        // the big usage-only chunk would have been hidden, and its 999 billed, had it been read
        assertThat(out.text()).isEqualTo(chunk("a") + OVERSIZED + "data: [DONE]\n\n");
        assertThat(exchange.reported).isEqualTo(new Usage(14, 8, 0));
        assertThat(exchange.ending).isInstanceOf(Ending.Answered.class);
    }

    @Test
    void forwardsAnOversizedAnthropicEventToAnAnthropicClientUninspected() {
        var exchange = exchange(Endpoint.MESSAGES);
        String big = "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":"
                + "{\"type\":\"text_delta\",\"text\":\"" + "x".repeat(SseRelay.MAX_INSPECTED_EVENT) + "\"}}\n\n";
        var out = new FlushRecorder();

        new SseRelay(exchange, codec(BackendType.ANTHROPIC, exchange, MESSAGES)).relay(new Trickle(bytes(big), 2048), out);

        assertThat(out.text()).isEqualTo(big);
        assertThat(exchange.ending).isInstanceOf(Ending.Unmetered.class);
    }

    @Test
    void endsAStreamTranslatedForAnOpenAiClientAtAnEventTooLargeToTranslate() {
        var exchange = exchange(Endpoint.CHAT_COMPLETIONS);
        String start = Fixtures.text("anthropic/messages-stream.text.sse").split("\n\n")[0] + "\n\n";
        String big = "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":"
                + "{\"type\":\"text_delta\",\"text\":\"" + "x".repeat(3 * SseRelay.MAX_INSPECTED_EVENT) + "\"}}\n\n";
        var upstream = new Trickle(bytes(start + big + "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"),
                2048);
        var out = new FlushRecorder();

        new SseRelay(exchange, codec(BackendType.ANTHROPIC, exchange, CHAT)).relay(upstream, out);

        assertThat(out.text()).startsWith("data: {").doesNotContain("xxxx").doesNotContain("[DONE]")
                .endsWith("data: {\"error\":{\"message\":\"The backend sent an event too large to translate\","
                        + "\"type\":\"server_error\",\"param\":null,\"code\":\"upstream_error\"}}\n\n");
        assertCutAtTheBound(exchange, upstream, start);
    }

    @Test
    void endsAStreamTranslatedForAnAnthropicClientAtAnEventTooLargeToTranslate() {
        var exchange = exchange(Endpoint.MESSAGES);
        var upstream = new Trickle(bytes(chunk("a") + OVERSIZED + "data: [DONE]\n\n"), 2048);
        var out = new FlushRecorder();

        new SseRelay(exchange, codec(BackendType.OPENAI, exchange, MESSAGES)).relay(upstream, out);

        assertThat(out.text()).contains("event: message_start").doesNotContain("message_stop")
                .endsWith("event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"api_error\","
                        + "\"message\":\"The backend sent an event too large to translate\"}}\n\n");
        assertCutAtTheBound(exchange, upstream, chunk("a"));
    }

    @Test
    void endsATranslatedGeminiStreamAtAnEventTooLargeToTranslate() {
        var exchange = exchange(Endpoint.CHAT_COMPLETIONS);
        String big = "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\""
                + "x".repeat(SseRelay.MAX_INSPECTED_EVENT) + "\"}],\"role\":\"model\"}}]}\r\n\r\n";
        var upstream = new Trickle(bytes(big), 2048);
        var out = new FlushRecorder();

        new SseRelay(exchange, codec(BackendType.GEMINI, exchange, CHAT)).relay(upstream, out);

        assertThat(out.text()).doesNotContain("xxxx").contains("\"code\":\"upstream_error\"");
        assertCutAtTheBound(exchange, upstream, "");
    }

    @Test
    void endsABrokenStreamWithAnErrorEventNotRunIntoTheHalfEventBeforeIt() {
        var exchange = exchange(Endpoint.CHAT_COMPLETIONS);
        var upstream = new Trickle(bytes(chunk("a") + "data: {\"choices\":[{\"delta\":{\"content\":\"b"), 4096)
                .breakingAtTheEnd();
        var out = new FlushRecorder();

        new SseRelay(exchange, codec(BackendType.OPENAI, exchange, CHAT)).relay(upstream, out);

        assertThat(out.text()).isEqualTo(chunk("a") + "data: {\"error\":{\"message\":\"The backend broke off the stream\","
                + "\"type\":\"server_error\",\"param\":null,\"code\":\"upstream_error\"}}\n\n");
        assertThat(exchange.ending).isEqualTo(new Ending.CutShort(200, Outcome.UPSTREAM_BROKEN, null, 1));
    }

    @Test
    void endsTheEventBeingForwardedBeforeTheErrorEventWhenTheStreamBreaksInsideIt() {
        var exchange = exchange(Endpoint.RESPONSES);
        String half = OVERSIZED.substring(0, SseRelay.MAX_INSPECTED_EVENT + 10);
        var upstream = new Trickle(bytes(half), 2048).breakingAtTheEnd();
        var out = new FlushRecorder();

        new SseRelay(exchange, codec(BackendType.OPENAI, exchange, Fixtures.bytes("openai/responses-stream.text.request.json")))
                .relay(upstream, out);

        assertThat(out.text()).isEqualTo(half + "\n\nevent: error\ndata: {\"type\":\"error\",\"code\":\"upstream_error\","
                + "\"message\":\"The backend broke off the stream\",\"param\":null}\n\n");
        assertThat(exchange.ending).isEqualTo(new Ending.CutShort(200, Outcome.UPSTREAM_BROKEN, null, 0));
    }

    @Test
    void passesAnUnterminatedLastEventOnlyWhereNothingIsTranslated() {
        String stream = chunk("a") + "data: [DONE]\n";
        var passed = new FlushRecorder();
        var chat = exchange(Endpoint.CHAT_COMPLETIONS);
        new SseRelay(chat, codec(BackendType.OPENAI, chat, CHAT)).relay(new Trickle(bytes(stream), 4096), passed);
        var translated = new FlushRecorder();
        var messages = exchange(Endpoint.MESSAGES);
        new SseRelay(messages, codec(BackendType.OPENAI, messages, MESSAGES))
                .relay(new Trickle(bytes(stream), 4096), translated);

        assertThat(passed.text()).isEqualTo(stream);
        assertThat(translated.text()).doesNotContain("[DONE]").contains("event: message_stop");
    }

    /** Cut short as broken, having read no more than the bound (and a read) past what went before. */
    private static void assertCutAtTheBound(Exchange exchange, Trickle upstream, String before) {
        assertThat(exchange.ending).isInstanceOf(Ending.CutShort.class)
                .extracting(e -> ((Ending.CutShort) e).why()).isEqualTo(Outcome.UPSTREAM_BROKEN);
        assertThat(upstream.read).isLessThanOrEqualTo(bytes(before).length + SseRelay.MAX_INSPECTED_EVENT + 2 * 4096);
    }

    private static StreamCodec codec(BackendType backend, Exchange exchange, byte[] clientBody) {
        return BackendDialect.of(backend).streamCodec(exchange, ClientRequest.parse(exchange.endpoint, clientBody),
                InstantSource.system());
    }

    private static Exchange exchange(Endpoint endpoint) {
        return new Exchange(endpoint, "req", System.nanoTime(), Instant.now());
    }

    private static String chunk(String text) {
        return "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" + text + "\"}}]}\n\n";
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** A codec that records the events it is given and sends them on. */
    private static final class Recording implements StreamCodec {
        final List<String> seen = new ArrayList<>();

        @Override
        public List<byte[]> onEvent(byte[] event) {
            seen.add(new String(event, StandardCharsets.UTF_8));
            return List.of(event);
        }
    }

    /** An upstream body handing out at most {@code step} bytes a read, then the end or a broken connection. */
    private static final class Trickle extends InputStream {
        private final byte[] data;
        private final int step;
        private boolean breaks;
        int read;

        Trickle(byte[] data, int step) {
            this.data = data;
            this.step = step;
        }

        Trickle breakingAtTheEnd() {
            breaks = true;
            return this;
        }

        @Override
        public int read() {
            throw new UnsupportedOperationException("the relay reads in chunks");
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (read == data.length) {
                if (breaks) {
                    throw new IOException("connection reset");
                }
                return -1;
            }
            int n = Math.min(Math.min(step, len), data.length - read);
            System.arraycopy(data, read, b, off, n);
            read += n;
            return n;
        }
    }

    /** The client's side: everything written, and what each flush sent since the one before. */
    private static final class FlushRecorder extends OutputStream {
        final ByteArrayOutputStream all = new ByteArrayOutputStream();
        final List<String> flushed = new ArrayList<>();
        private int flushedUpTo;

        @Override
        public void write(int b) {
            all.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            all.write(b, off, len);
        }

        @Override
        public void flush() {
            if (all.size() > flushedUpTo) {
                flushed.add(new String(all.toByteArray(), flushedUpTo, all.size() - flushedUpTo, StandardCharsets.UTF_8));
                flushedUpTo = all.size();
            }
        }

        String text() {
            return all.toString(StandardCharsets.UTF_8);
        }
    }
}
