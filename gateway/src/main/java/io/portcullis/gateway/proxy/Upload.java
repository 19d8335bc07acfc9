package io.portcullis.gateway.proxy;

import io.portcullis.gateway.backend.StreamedBody;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.LoggerFactory;

/**
 * A multipart upload as the gateway received it ({@link UploadReader}): its small fields in
 * memory, its files in one spool file on disk, deleted by {@link #close()}. Kept until the request
 * ends, so every attempt (failover included) sends the same body, re-encoded by
 * {@link #upstream(String)} with the {@code model} field renamed and the files streamed from disk.
 *
 * @param parts          every part in the order received
 * @param spool          the file holding the file parts' bytes, or null when there were none
 * @param fileBytes      bytes of all file parts together
 * @param firstFileHead  up to the first {@value #HEAD_BYTES} bytes of the first file part (to read a WAV header)
 */
record Upload(List<Part> parts, Path spool, long fileBytes, byte[] firstFileHead) implements AutoCloseable {

    static final int HEAD_BYTES = 4096;
    private static final byte[] CRLF = {'\r', '\n'};

    /** One part: a field's value, or where a file's bytes sit in the spool file. */
    sealed interface Part {
        MultipartParser.Head head();
    }

    record Field(MultipartParser.Head head, byte[] value) implements Part {
        String text() {
            return new String(value, StandardCharsets.UTF_8);
        }
    }

    record File(MultipartParser.Head head, long offset, long length) implements Part {
    }

    /** The file parts, in order (an image edit may send several {@code image[]}, and a {@code mask}). */
    List<File> files() {
        var files = new ArrayList<File>();
        for (Part part : parts) {
            if (part instanceof File file) {
                files.add(file);
            }
        }
        return files;
    }

    /** The body sent upstream: the parts as received, {@code model}'s value replaced. */
    StreamedBody upstream(String upstreamModel) {
        String boundary = "portcullis-" + HexFormat.of().formatHex(randomBytes());
        byte[] dash = ("--" + boundary + "\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] close = ("--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] model = upstreamModel.getBytes(StandardCharsets.UTF_8);
        long length = close.length;
        for (Part part : parts) {
            length += dash.length + part.head().raw().length + (part.head().raw().length > 0 ? 4 : 2) + 2;
            length += switch (part) {
                case Field field -> isModel(field) ? model.length : field.value().length;
                case File file -> file.length();
            };
        }
        long total = length;
        return new StreamedBody() {
            @Override
            public String contentType() {
                return "multipart/form-data; boundary=" + boundary;
            }

            @Override
            public long length() {
                return total;
            }

            @Override
            public void writeTo(OutputStream out, Runnable progress) throws IOException {
                try (InputStream files = spool == null ? InputStream.nullInputStream() : Files.newInputStream(spool)) {
                    byte[] chunk = new byte[64 * 1024];
                    for (Part part : parts) {
                        progress.run();
                        out.write(dash);
                        byte[] raw = part.head().raw();
                        out.write(raw);
                        if (raw.length > 0) {
                            out.write(CRLF);
                        }
                        out.write(CRLF);
                        switch (part) {
                            case Field field -> out.write(isModel(field) ? model : field.value());
                            case File file -> copy(files, out, file.length(), chunk, progress);
                        }
                        out.write(CRLF);
                    }
                    out.write(close);
                    out.flush();
                }
            }
        };
    }

    private static boolean isModel(Field field) {
        return field.head().name().equals("model");
    }

    /** The file parts sit one after another in the spool, in order: each is the next {@code length} bytes. */
    private static void copy(InputStream in, OutputStream out, long length, byte[] chunk, Runnable progress)
            throws IOException {
        long left = length;
        while (left > 0) {
            int n = in.read(chunk, 0, (int) Math.min(chunk.length, left));
            if (n < 0) {
                throw new IOException("the upload's spool file is shorter than recorded");
            }
            out.write(chunk, 0, n);
            left -= n;
            progress.run();
        }
    }

    private static byte[] randomBytes() {
        byte[] bytes = new byte[12];
        ThreadLocalRandom.current().nextBytes(bytes);
        return bytes;
    }

    /**
     * Deletes the spool file; safe to call more than once. Never throws: it runs as the request
     * ends, where a failure must not replace the answer; an undeletable file is logged.
     */
    @Override
    public void close() {
        if (spool != null) {
            try {
                Files.deleteIfExists(spool);
            } catch (IOException e) {
                LoggerFactory.getLogger(Upload.class).warn("Cannot delete upload spool {}: {}", spool, e.toString());
            }
        }
    }
}
