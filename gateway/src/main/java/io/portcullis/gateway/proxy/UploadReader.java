package io.portcullis.gateway.proxy;

import io.portcullis.gateway.auth.Caller;
import io.portcullis.gateway.web.ApiError;
import io.portcullis.gateway.web.ClientExchange;
import io.portcullis.gateway.web.GatewayException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Reads a {@code multipart/form-data} upload (transcriptions, translations, image edits) whole
 * before anything is decided or sent: its fields into memory counted in the {@link BodyBudget}
 * (at most {@code gateway.max-request-bytes} together), its files to a spool file on disk (at
 * most {@code gateway.max-upload-bytes} together), through one fixed buffer. Heap stays bounded
 * whatever the upload's size, and the {@code model} field may come after the file, as the
 * official SDKs send it: routing, policy (on every text field) and quotas all see the complete
 * form before the backend is called, and the spooled body can be sent again on failover.
 *
 * <p>Like {@link BodyReader}, the key takes one of its body slots for the whole upload, and the
 * upload must arrive within {@code gateway.request-body.upload-deadline}. The spool file is
 * deleted when the request ends ({@link Upload#close()}), or here at once if reading fails.
 */
@Component
class UploadReader {

    private static final Logger log = LoggerFactory.getLogger(UploadReader.class);

    /** Buffer through which the whole upload passes. */
    static final int BUFFER = 64 * 1024;
    /** Parts one form may have; real uploads have a handful. */
    static final int MAX_PARTS = 64;

    private final BodyReader bodies;
    private final long maxFieldBytes;
    private final long maxUploadBytes;
    private final long deadlineNanos;
    private final Path spoolDirectory;

    UploadReader(BodyReader bodies, ProxyProperties gateway, RequestBodyProperties properties) {
        this.bodies = bodies;
        this.maxFieldBytes = gateway.maxRequestBytes().toBytes();
        this.maxUploadBytes = gateway.maxUploadBytes().toBytes();
        this.deadlineNanos = properties.uploadDeadline().toNanos();
        this.spoolDirectory = Path.of(System.getProperty("java.io.tmpdir"));
    }

    Upload read(ClientExchange request, Caller caller, BodyBudget.Lease lease) {
        String boundary = MultipartParser.boundaryOf(request.contentType());
        long declared = request.contentLength();
        if (declared > maxUploadBytes + maxFieldBytes) {
            throw ApiError.requestTooLarge(maxUploadBytes).toException();
        }
        lease.reserveAlways(BodyReader.FIRST_CHUNK);
        // the parser's buffer and the copy buffer below: all the heap an upload of any size takes
        if (!lease.tryReserve(2L * BUFFER)) {
            throw BodyReader.overloaded();
        }
        bodies.takeSlot(caller);
        var reading = new Reading(lease, System.nanoTime() + deadlineNanos, request);
        try {
            InputStream in = new DeadlineStream(request.body(), reading);
            return reading.receive(new MultipartParser(in, boundary, new byte[BUFFER]));
        } catch (IOException e) {
            reading.discard();
            throw ApiError.requestTimeout().toException();
        } catch (RuntimeException e) {
            reading.discard();
            throw e;
        } finally {
            request.restoreReadTime();
            bodies.releaseSlot(caller);
        }
    }

    /** One upload being read. */
    private final class Reading {
        private final BodyBudget.Lease lease;
        private final long deadline;
        /** The request whose body reads are bounded to the deadline. */
        private final ClientExchange timeout;
        private final List<Upload.Part> parts = new ArrayList<>();
        private Path spool;
        private OutputStream spoolOut;
        private long fieldBytes;
        private long fileBytes;
        private byte[] firstFileHead;

        Reading(BodyBudget.Lease lease, long deadline, ClientExchange timeout) {
            this.lease = lease;
            this.deadline = deadline;
            this.timeout = timeout;
        }

        Upload receive(MultipartParser parser) throws IOException {
            byte[] chunk = new byte[BUFFER];
            MultipartParser.Head head;
            while ((head = parser.next()) != null) {
                if (parts.size() == MAX_PARTS) {
                    throw ApiError.invalidRequest("An upload may have at most " + MAX_PARTS + " parts", null)
                            .toException();
                }
                parts.add(head.isFile() ? file(parser, head, chunk) : field(parser, head, chunk));
            }
            if (spoolOut != null) {
                spoolOut.close();
            }
            return new Upload(List.copyOf(parts), spool, fileBytes,
                    firstFileHead == null ? new byte[0] : firstFileHead);
        }

        private Upload.Field field(MultipartParser parser, MultipartParser.Head head, byte[] chunk) throws IOException {
            var value = new ByteArrayOutputStream();
            fieldBytes += head.raw().length;
            int n;
            while ((n = parser.read(chunk, 0, chunk.length)) >= 0) {
                fieldBytes += n;
                if (fieldBytes > maxFieldBytes) {
                    throw ApiError.requestTooLarge(maxFieldBytes).toException();
                }
                // a field's bytes are held until the request ends: counted like a JSON body's
                if (!lease.tryReserve(n)) {
                    throw BodyReader.overloaded();
                }
                value.write(chunk, 0, n);
            }
            return new Upload.Field(head, value.toByteArray());
        }

        private Upload.File file(MultipartParser parser, MultipartParser.Head head, byte[] chunk) throws IOException {
            if (spool == null) {
                try {
                    spool = Files.createTempFile(spoolDirectory, "portcullis-upload-", ".part");
                    spoolOut = Files.newOutputStream(spool);
                } catch (IOException e) {
                    throw noRoom(e);
                }
            }
            long offset = fileBytes;
            int n;
            var headBytes = firstFileHead == null ? new ByteArrayOutputStream() : null;
            while ((n = parser.read(chunk, 0, chunk.length)) >= 0) {
                fileBytes += n;
                if (fileBytes > maxUploadBytes) {
                    throw ApiError.requestTooLarge(maxUploadBytes).toException();
                }
                try {
                    spoolOut.write(chunk, 0, n);
                } catch (IOException e) {
                    throw noRoom(e); // the disk, not the client: not a timeout
                }
                if (headBytes != null && headBytes.size() < Upload.HEAD_BYTES) {
                    headBytes.write(chunk, 0, Math.min(n, Upload.HEAD_BYTES - headBytes.size()));
                }
            }
            if (headBytes != null) {
                firstFileHead = headBytes.toByteArray();
            }
            return new Upload.File(head, offset, fileBytes - offset);
        }

        private RuntimeException noRoom(IOException e) {
            log.warn("Cannot spool an upload to {}: {}", spoolDirectory, e.toString());
            return ApiError.serviceUnavailable("The gateway has no room to receive this upload right now; retry shortly")
                    .toException();
        }

        /** Before each read from the client: within the deadline, and no single read past it. */
        void beforeRead() throws IOException {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new java.net.SocketTimeoutException("upload deadline");
            }
            timeout.limitReadTime(Math.max(1, Duration.ofNanos(left).toMillis()));
        }

        void discard() {
            try {
                if (spoolOut != null) {
                    spoolOut.close();
                }
            } catch (IOException e) {
                // deleted below either way
            }
            new Upload(List.of(), spool, 0, new byte[0]).close();
        }
    }

    /** The client's stream, each read checked against the upload's deadline. */
    private static final class DeadlineStream extends InputStream {
        private final InputStream in;
        private final Reading reading;

        DeadlineStream(InputStream in, Reading reading) {
            this.in = in;
            this.reading = reading;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            reading.beforeRead();
            return in.read(b, off, len);
        }
    }
}
