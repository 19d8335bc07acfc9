package io.portcullis.gateway.support;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/** A {@code multipart/form-data} body as a client builds it, parts in the order added. */
public final class Multipart {

    public static final String BOUNDARY = "----test-boundary-7MA4YWxkTrZu0gW";

    private final List<Object> parts = new ArrayList<>();

    public Multipart field(String name, String value) {
        parts.add(("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + value + "\r\n")
                .getBytes(StandardCharsets.UTF_8));
        return this;
    }

    public Multipart file(String name, String filename, String contentType, byte[] content) {
        parts.add(fileHeader(name, filename, contentType));
        parts.add(content);
        parts.add("\r\n".getBytes(StandardCharsets.US_ASCII));
        return this;
    }

    /** A file part of {@code length} bytes produced as it is sent, never held. */
    public Multipart generatedFile(String name, String filename, String contentType, long length,
                                   Supplier<InputStream> content) {
        parts.add(fileHeader(name, filename, contentType));
        parts.add(new Generated(length, content));
        parts.add("\r\n".getBytes(StandardCharsets.US_ASCII));
        return this;
    }

    private record Generated(long length, Supplier<InputStream> content) {
    }

    private static byte[] fileHeader(String name, String filename, String contentType) {
        return ("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"" + name + "\"; filename=\"" + filename
                + "\"\r\nContent-Type: " + contentType + "\r\n\r\n").getBytes(StandardCharsets.UTF_8);
    }

    public static String contentType() {
        return "multipart/form-data; boundary=" + BOUNDARY;
    }

    private static byte[] closing() {
        return ("--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    /** The whole body (only for bodies without generated parts). */
    public byte[] bytes() {
        var out = new ByteArrayOutputStream();
        for (Object part : parts) {
            out.writeBytes((byte[]) part);
        }
        out.writeBytes(closing());
        return out.toByteArray();
    }

    public long length() {
        long n = closing().length;
        for (Object part : parts) {
            n += part instanceof byte[] b ? b.length : ((Generated) part).length();
        }
        return n;
    }

    /** The body as a stream, generated parts generated as read. */
    public InputStream stream() {
        List<InputStream> streams = new ArrayList<>();
        for (Object part : parts) {
            streams.add(part instanceof byte[] b ? new java.io.ByteArrayInputStream(b) : ((Generated) part).content().get());
        }
        streams.add(new java.io.ByteArrayInputStream(closing()));
        return new SequenceInputStream(java.util.Collections.enumeration(streams));
    }

    /** A POST of this body to {@code url} with the key, its length declared. */
    public HttpRequest request(String url, String key) {
        return HttpRequest.newBuilder(URI.create(url))
                .header("Authorization", "Bearer " + key)
                .header("Content-Type", contentType())
                .timeout(Duration.ofSeconds(120))
                .POST(HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(this::stream),
                        length()))
                .build();
    }

    /**
     * A 16-bit mono PCM WAV file of {@code millis} ms at {@code sampleRate} Hz (a quiet tone).
     */
    public static byte[] wav(long millis, int sampleRate) {
        int samples = (int) (sampleRate * millis / 1000);
        int data = samples * 2;
        var b = java.nio.ByteBuffer.allocate(44 + data).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.put("RIFF".getBytes(StandardCharsets.US_ASCII)).putInt(36 + data).put("WAVE".getBytes(StandardCharsets.US_ASCII));
        b.put("fmt ".getBytes(StandardCharsets.US_ASCII)).putInt(16).putShort((short) 1).putShort((short) 1)
                .putInt(sampleRate).putInt(sampleRate * 2).putShort((short) 2).putShort((short) 16);
        b.put("data".getBytes(StandardCharsets.US_ASCII)).putInt(data);
        for (int i = 0; i < samples; i++) {
            b.putShort((short) (Math.sin(2 * Math.PI * 440 * i / sampleRate) * 3000));
        }
        return b.array();
    }
}
