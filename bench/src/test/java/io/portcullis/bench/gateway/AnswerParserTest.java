package io.portcullis.bench.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class AnswerParserTest {

    private final AnswerParser parser = new AnswerParser();

    @Test
    void readsStatusOverheadAndKeepAliveAndSkipsASizedBody() {
        String answer = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Portcullis-Overhead-Us: 412\r\n"
                + "Content-Length: 11\r\n\r\n{\"ok\":true}";
        ByteBuf in = bytes(answer + "HTTP/1.1");

        assertThat(parser.parse(in)).isTrue();
        assertThat(parser.status()).isEqualTo(200);
        assertThat(parser.overheadMicros()).isEqualTo(412);
        assertThat(parser.keepAlive()).isTrue();
        assertThat(in.toString(StandardCharsets.US_ASCII)).isEqualTo("HTTP/1.1"); // the next answer's bytes stay
    }

    @Test
    void completesOnlyAtTheLastByteWhateverTheReadsSplit() {
        String answer = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
        for (int split = 1; split < answer.length(); split++) {
            var fresh = new AnswerParser();
            ByteBuf in = Unpooled.buffer();
            in.writeBytes(answer.substring(0, split).getBytes(StandardCharsets.US_ASCII));
            assertThat(fresh.parse(in)).as("after %d bytes", split).isFalse();
            in.writeBytes(answer.substring(split).getBytes(StandardCharsets.US_ASCII));
            assertThat(fresh.parse(in)).as("split at %d", split).isTrue();
            assertThat(fresh.status()).isEqualTo(200);
        }
    }

    @Test
    void skipsAChunkedBodyWithExtensionsAndTrailersFedByteByByte() {
        String answer = "HTTP/1.1 503 Service Unavailable\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                + "5;name=value\r\nhello\r\n1A\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nTrailer: x\r\n\r\n";
        ByteBuf in = Unpooled.buffer();
        boolean complete = false;
        for (byte b : answer.getBytes(StandardCharsets.US_ASCII)) {
            assertThat(complete).as("complete before the last byte").isFalse();
            in.writeByte(b);
            complete = parser.parse(in);
        }
        assertThat(complete).isTrue();
        assertThat(parser.status()).isEqualTo(503);
        assertThat(parser.keepAlive()).isFalse();
        assertThat(parser.overheadMicros()).isEqualTo(-1);
    }

    @Test
    void endsABodyWithoutLengthAtTheClose() {
        ByteBuf in = bytes("HTTP/1.1 200 OK\r\n\r\nsome body");

        assertThat(parser.parse(in)).isFalse();
        assertThat(parser.closed()).isTrue();
        assertThat(parser.status()).isEqualTo(200);
        assertThat(parser.keepAlive()).isFalse();
    }

    @Test
    void keepsNoConnectionOpenForHttp10UnlessAsked() {
        assertThat(parser.parse(bytes("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n"))).isTrue();
        assertThat(parser.keepAlive()).isFalse();

        parser.reset();
        assertThat(parser.parse(bytes("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n"))).isTrue();
        assertThat(parser.keepAlive()).isTrue();
    }

    @Test
    void waitsPastAnInterimAnswerForTheFinalOne() {
        ByteBuf in = bytes("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n");

        assertThat(parser.parse(in)).isTrue();
        assertThat(parser.status()).isEqualTo(204);
        assertThat(in.isReadable()).isFalse();
    }

    @Test
    void refusesBytesThatAreNotAnAnswer() {
        assertThatThrownBy(() -> parser.parse(bytes("SSH-2.0-OpenSSH\r\n\r\n"))).isInstanceOf(AnswerParser.Malformed.class);
        assertThatThrownBy(() -> new AnswerParser().parse(bytes("HTTP/1.1 2x0 OK\r\n\r\n")))
                .isInstanceOf(AnswerParser.Malformed.class);
        assertThatThrownBy(() -> new AnswerParser().parse(bytes("HTTP/1.1 200 OK\r\nContent-Length: many\r\n\r\n")))
                .isInstanceOf(AnswerParser.Malformed.class);
        assertThatThrownBy(() -> new AnswerParser().parse(bytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")))
                .isInstanceOf(AnswerParser.Malformed.class);
    }

    private static ByteBuf bytes(String text) {
        return Unpooled.copiedBuffer(text, StandardCharsets.US_ASCII);
    }
}
