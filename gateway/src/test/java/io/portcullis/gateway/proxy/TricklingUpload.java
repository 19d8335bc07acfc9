package io.portcullis.gateway.proxy;

import io.portcullis.gateway.support.GatewayClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * A hostile client on a raw socket: declares a {@code Content-Length}, sends a first burst at
 * once, then one byte at a time, reading the gateway's answer all the while (the gateway answers
 * before the body is complete, and may close the connection right after).
 *
 * @param declared the {@code Content-Length} sent
 * @param burst    bytes sent at once after the headers
 * @param every    then one byte per this interval; {@link Duration#ZERO}: nothing more
 */
record TricklingUpload(String key, long declared, int burst, Duration every) {

    private static final Pattern STATUS = Pattern.compile("^HTTP/1\\.1 (\\d{3})");
    private static final Pattern CONTENT_LENGTH = Pattern.compile("(?im)^content-length:\\s*(\\d+)\\s*$");
    private static final Pattern RETRY_AFTER = Pattern.compile("(?im)^retry-after:\\s*(\\S+)\\s*$");

    /** What came back: status 0 when the connection ended without an answer. */
    record Answer(int status, String code, String type, String retryAfter, Duration after, String raw) {
    }

    Answer send(int port, Duration giveUpAfter) throws IOException {
        long start = System.nanoTime();
        try (var socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(50);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + key
                    + "\r\nContent-Type: application/json\r\nContent-Length: " + declared + "\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            boolean sending = write(out, burst);
            var answer = new ByteArrayOutputStream();
            byte[] buffer = new byte[8192];
            long nextByte = System.nanoTime() + every.toNanos();
            long giveUp = start + giveUpAfter.toNanos();
            while (System.nanoTime() < giveUp && !complete(answer)) {
                if (sending && !every.isZero() && System.nanoTime() >= nextByte) {
                    sending = write(out, 1);
                    nextByte += every.toNanos();
                }
                try {
                    int n = in.read(buffer);
                    if (n < 0) {
                        break;
                    }
                    answer.write(buffer, 0, n);
                } catch (SocketTimeoutException e) {
                    // nothing yet: send the next byte
                } catch (IOException e) {
                    break; // reset after the answer: what arrived is what counts
                }
            }
            return parse(answer.toString(StandardCharsets.UTF_8), Duration.ofNanos(System.nanoTime() - start));
        }
    }

    private static boolean write(OutputStream out, int bytes) {
        byte[] chunk = new byte[Math.min(bytes, 16 * 1024)];
        Arrays.fill(chunk, (byte) ' ');
        try {
            for (int sent = 0; sent < bytes; sent += chunk.length) {
                out.write(chunk, 0, Math.min(chunk.length, bytes - sent));
            }
            out.flush();
            return true;
        } catch (IOException e) {
            return false; // the gateway has answered and closed: read what it said
        }
    }

    private static boolean complete(ByteArrayOutputStream answer) {
        String text = answer.toString(StandardCharsets.ISO_8859_1);
        int end = text.indexOf("\r\n\r\n");
        if (end < 0) {
            return false;
        }
        Matcher length = CONTENT_LENGTH.matcher(text.substring(0, end));
        return length.find() && text.length() - end - 4 >= Integer.parseInt(length.group(1));
    }

    private static Answer parse(String raw, Duration after) {
        Matcher status = STATUS.matcher(raw);
        if (!status.find()) {
            return new Answer(0, null, null, null, after, raw);
        }
        int end = raw.indexOf("\r\n\r\n");
        String head = end < 0 ? raw : raw.substring(0, end);
        Matcher retry = RETRY_AFTER.matcher(head);
        JsonNode error = end < 0 ? null : GatewayClient.JSON.readTree(raw.substring(end + 4)).path("error");
        return new Answer(Integer.parseInt(status.group(1)), error == null ? null : error.path("code").asString(),
                error == null ? null : error.path("type").asString(), retry.find() ? retry.group(1) : null, after, raw);
    }
}
