package io.portcullis.gateway.web;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.ErrorResponse;
import org.springframework.web.bind.MissingServletRequestParameterException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import tools.jackson.core.JacksonException;

/**
 * Turns everything that escapes a controller into the contract's error shape. Nothing leaves
 * as a stack trace: unexpected failures are logged with the request id and answered with a
 * plain 500.
 */
@RestControllerAdvice
class ApiErrorHandler {

    private static final Logger log = LoggerFactory.getLogger(ApiErrorHandler.class);

    @ExceptionHandler(GatewayException.class)
    void gateway(GatewayException e, HttpServletResponse response) throws IOException {
        ErrorWriter.write(response, e);
    }

    @ExceptionHandler(HttpMessageNotReadableException.class)
    void unreadable(HttpMessageNotReadableException e, HttpServletResponse response) throws IOException {
        String detail = e.getMostSpecificCause() instanceof JacksonException json ? json.getOriginalMessage() : null;
        ErrorWriter.write(response, ApiError.invalidRequest("Request body is not valid JSON of the expected shape"
                + (detail == null ? "" : ": " + firstLine(detail)), null));
    }

    @ExceptionHandler(MethodArgumentTypeMismatchException.class)
    void typeMismatch(MethodArgumentTypeMismatchException e, HttpServletResponse response) throws IOException {
        ErrorWriter.write(response, ApiError.invalidRequest("Invalid value for '" + e.getName() + "'", e.getName()));
    }

    @ExceptionHandler(MissingServletRequestParameterException.class)
    void missingParameter(MissingServletRequestParameterException e, HttpServletResponse response) throws IOException {
        ErrorWriter.write(response, ApiError.invalidRequest(
                "Missing query parameter '" + e.getParameterName() + "'", e.getParameterName()));
    }

    @ExceptionHandler(Exception.class)
    void unexpected(Exception e, HttpServletRequest request, HttpServletResponse response) throws IOException {
        if (!usableContentType(request.getHeader("Content-Type"))) {
            // Spring parses Content-Type before any converter sees the body, and a wildcard
            // ("*/*") or an unparsable type fails there with a bare IllegalArgumentException.
            ErrorWriter.write(response, ApiError.ofStatus(415, describe(415)));
            return;
        }
        if (isMalformedRequest(e)) {
            // Undecodable form parameters, or names Spring Security's firewall refuses: the
            // client's fault, whatever layer noticed it.
            ErrorWriter.write(response, ApiError.invalidRequest("Malformed request parameters or body encoding", null));
            return;
        }
        if (e instanceof ErrorResponse web && web.getStatusCode().value() < 500) {
            // Spring's own web errors (404 no handler, 405, 415...) keep their status.
            int status = web.getStatusCode().value();
            ErrorWriter.write(response, ApiError.ofStatus(status, describe(status)));
            return;
        }
        if (e instanceof IOException && response.isCommitted()) {
            // The client went away mid-answer; nothing to tell it.
            return;
        }
        log.error("Unhandled error on {} {} (request {})", request.getMethod(), request.getRequestURI(),
                RequestIdFilter.of(request), e);
        ErrorWriter.write(response, ApiError.internal());
    }

    /** Whether a request's Content-Type is absent or one concrete, parsable media type. */
    static boolean usableContentType(String header) {
        if (header == null || header.isBlank()) {
            return true;
        }
        try {
            MediaType type = MediaType.parseMediaType(header);
            return !type.isWildcardType() && !type.isWildcardSubtype();
        } catch (InvalidMediaTypeException e) {
            return false;
        }
    }

    /** A parser's message for the client: its first line, bounded (it may quote the input). */
    private static String firstLine(String message) {
        String line = message.lines().findFirst().orElse("");
        return line.length() > 200 ? line.substring(0, 200) + "..." : line;
    }

    static boolean isMalformedRequest(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof org.springframework.security.web.firewall.RequestRejectedException
                    || t instanceof org.apache.tomcat.util.http.InvalidParameterException) {
                return true;
            }
        }
        return false;
    }

    static String describe(int status) {
        return switch (status) {
            case 404 -> "No such endpoint";
            case 405 -> "Method not allowed on this endpoint";
            case 406 -> "Cannot produce an acceptable representation";
            case 408 -> "The request body was not received in time";
            case 413 -> "Request body is too large";
            case 415 -> "Unsupported Content-Type; send application/json";
            default -> "Request could not be handled (HTTP " + status + ")";
        };
    }
}
