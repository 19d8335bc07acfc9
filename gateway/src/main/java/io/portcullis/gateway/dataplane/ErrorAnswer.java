package io.portcullis.gateway.dataplane;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.portcullis.gateway.web.ApiError;
import io.portcullis.gateway.web.ErrorWriter;
import io.portcullis.gateway.web.RequestIdFilter;
import java.nio.charset.StandardCharsets;

/** An error the data plane answers itself, in the contract's JSON shape, with the request's id. */
final class ErrorAnswer {

    private ErrorAnswer() {
    }

    /**
     * @param close whether the answer says {@code Connection: close} (the connection ends after it)
     */
    static FullHttpResponse of(ApiError error, String requestId, boolean close) {
        byte[] json = ErrorWriter.toJson(error).getBytes(StandardCharsets.UTF_8);
        var answer = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(error.status()),
                Unpooled.wrappedBuffer(json));
        answer.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, json.length)
                .set(RequestIdFilter.HEADER, requestId);
        if (close) {
            answer.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        return answer;
    }
}
