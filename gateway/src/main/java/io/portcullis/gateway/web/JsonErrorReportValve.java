package io.portcullis.gateway.web;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ErrorReportValve;

/**
 * Tomcat's own error page, for errors raised before any servlet runs (a malformed URI, headers
 * too large, no Host header): answered in the contract's JSON shape instead of Tomcat's HTML,
 * without server details or stack traces.
 */
public class JsonErrorReportValve extends ErrorReportValve {

    @Override
    protected void report(Request request, Response response, Throwable throwable) {
        int status = response.getStatus();
        if (status < 400 || response.getContentWritten() > 0 || !response.setErrorReported()) {
            return;
        }
        ApiError error = status >= 500 ? ApiError.internal() : ApiError.ofStatus(status, describe(status));
        try {
            response.setContentType("application/json");
            response.setCharacterEncoding("UTF-8");
            byte[] body = ErrorWriter.toJson(error).getBytes(StandardCharsets.UTF_8);
            response.getOutputStream().write(body);
            response.finishResponse();
        } catch (IOException | IllegalStateException e) {
            // the connection is gone; nothing more to say
        }
    }

    private static String describe(int status) {
        return switch (status) {
            case 400 -> "Malformed HTTP request";
            case 408 -> "The request body was not received in time";
            case 413 -> "Request is too large";
            case 431 -> "Request headers are too large";
            default -> "Request could not be handled (HTTP " + status + ")";
        };
    }
}
