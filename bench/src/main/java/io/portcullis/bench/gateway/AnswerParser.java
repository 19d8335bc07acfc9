package io.portcullis.bench.gateway;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * Reads one HTTP/1.1 answer from the bytes a connection received, keeping only what
 * {@link OpenLoop} counts: the status, the {@code x-portcullis-overhead-us} header and whether the
 * connection stays open; the body is skipped (by {@code Content-Length}, by chunks, or up to the
 * close). It allocates nothing per answer, so the generator's garbage, and with it the collector's
 * pauses inside the measured seconds, stays small (Netty's HttpResponseDecoder made a header map,
 * strings and slices for every answer only to have them dropped).
 */
final class AnswerParser {

    private enum State { HEAD, BODY, CHUNK_SIZE, CHUNK_DATA, CHUNK_END, TRAILERS, UNTIL_CLOSE, DONE }

    private static final byte[] CONTENT_LENGTH = lower("content-length");
    private static final byte[] TRANSFER_ENCODING = lower("transfer-encoding");
    private static final byte[] CONNECTION = lower("connection");
    private static final byte[] OVERHEAD = lower("x-portcullis-overhead-us");
    /** A head larger than this is not an answer this generator expects: the connection is dropped. */
    private static final int MAX_HEAD = 64 * 1024;

    private State state = State.HEAD;
    private int status;
    private long overheadMicros;
    private boolean keepAlive;
    private long remaining;

    /** Thrown for bytes that are not an HTTP/1.1 answer; the connection is then closed. */
    static final class Malformed extends RuntimeException {
        Malformed(String what) {
            super(what, null, false, false);
        }
    }

    /**
     * Consumes what it can of {@code in}; true once the answer is complete (the bytes after it stay
     * unread). An answer delimited by the close completes at {@link #closed()} instead.
     */
    boolean parse(ByteBuf in) {
        while (true) {
            switch (state) {
                case HEAD -> {
                    int headEnd = headEnd(in);
                    if (headEnd < 0) {
                        if (in.readableBytes() > MAX_HEAD) {
                            throw new Malformed("answer head over " + MAX_HEAD + " bytes");
                        }
                        return false;
                    }
                    head(in, headEnd);
                }
                case BODY -> {
                    int skip = (int) Math.min(remaining, in.readableBytes());
                    in.skipBytes(skip);
                    remaining -= skip;
                    if (remaining > 0) {
                        return false;
                    }
                    state = State.DONE;
                }
                case CHUNK_SIZE -> {
                    int eol = in.indexOf(in.readerIndex(), in.writerIndex(), (byte) '\n');
                    if (eol < 0) {
                        return false;
                    }
                    remaining = chunkSize(in, in.readerIndex(), eol);
                    in.readerIndex(eol + 1);
                    state = remaining == 0 ? State.TRAILERS : State.CHUNK_DATA;
                }
                case CHUNK_DATA -> {
                    int skip = (int) Math.min(remaining, in.readableBytes());
                    in.skipBytes(skip);
                    remaining -= skip;
                    if (remaining > 0) {
                        return false;
                    }
                    state = State.CHUNK_END;
                }
                case CHUNK_END, TRAILERS -> {
                    int eol = in.indexOf(in.readerIndex(), in.writerIndex(), (byte) '\n');
                    if (eol < 0) {
                        return false;
                    }
                    boolean empty = eol == in.readerIndex() || (eol == in.readerIndex() + 1 && in.getByte(in.readerIndex()) == '\r');
                    in.readerIndex(eol + 1);
                    if (state == State.CHUNK_END) {
                        if (!empty) {
                            throw new Malformed("chunk not followed by CRLF");
                        }
                        state = State.CHUNK_SIZE;
                    } else if (empty) {
                        state = State.DONE; // a trailer line is skipped; the empty line ends the answer
                    }
                }
                case UNTIL_CLOSE -> {
                    in.skipBytes(in.readableBytes());
                    return false;
                }
                case DONE -> {
                    return true;
                }
            }
        }
    }

    /** The connection closed: true if that completed an answer whose body runs to the close. */
    boolean closed() {
        if (state == State.UNTIL_CLOSE) {
            state = State.DONE;
            return true;
        }
        return false;
    }

    /** Ready for the next answer on the same connection. */
    void reset() {
        state = State.HEAD;
    }

    int status() {
        return status;
    }

    /** The {@code x-portcullis-overhead-us} header's value, or -1 without it. */
    long overheadMicros() {
        return overheadMicros;
    }

    boolean keepAlive() {
        return keepAlive;
    }

    /** Index just past the empty line that ends the head, or -1 if it has not all arrived. */
    private static int headEnd(ByteBuf in) {
        int from = in.readerIndex();
        int eol;
        while ((eol = in.indexOf(from, in.writerIndex(), (byte) '\n')) >= 0) {
            int length = eol - from;
            if (length == 0 || (length == 1 && in.getByte(from) == '\r')) {
                if (from == in.readerIndex()) {
                    throw new Malformed("empty line where the status line should be");
                }
                return eol + 1;
            }
            from = eol + 1;
        }
        return -1;
    }

    private void head(ByteBuf in, int headEnd) {
        int start = in.readerIndex();
        int eol = in.indexOf(start, headEnd, (byte) '\n');
        // "HTTP/1.1 200 OK": the version, then three digits
        if (eol - start < 12 || !startsWith(in, start, "HTTP/1.")) {
            throw new Malformed("not an HTTP/1.x status line");
        }
        boolean http11 = in.getByte(start + 7) == '1';
        status = digit(in, start + 9) * 100 + digit(in, start + 10) * 10 + digit(in, start + 11);
        overheadMicros = -1;
        keepAlive = http11;
        long contentLength = -1;
        boolean chunked = false;
        for (int line = eol + 1; line < headEnd; line = eol + 1) {
            eol = in.indexOf(line, headEnd, (byte) '\n');
            int colon = in.indexOf(line, eol, (byte) ':');
            if (colon < 0) {
                continue; // the empty line that ends the head
            }
            int value = colon + 1;
            if (named(in, line, colon, CONTENT_LENGTH)) {
                contentLength = number(in, value, eol);
            } else if (named(in, line, colon, TRANSFER_ENCODING)) {
                chunked = contains(in, value, eol, "chunked");
            } else if (named(in, line, colon, CONNECTION)) {
                if (contains(in, value, eol, "close")) {
                    keepAlive = false;
                } else if (contains(in, value, eol, "keep-alive")) {
                    keepAlive = true;
                }
            } else if (named(in, line, colon, OVERHEAD)) {
                overheadMicros = number(in, value, eol);
            }
        }
        in.readerIndex(headEnd);
        if (status >= 100 && status < 200) {
            state = State.HEAD; // an interim answer: the real one follows
        } else if (status == 204 || status == 304) {
            state = State.DONE;
        } else if (chunked) {
            state = State.CHUNK_SIZE;
        } else if (contentLength >= 0) {
            remaining = contentLength;
            state = State.BODY;
        } else {
            keepAlive = false;
            state = State.UNTIL_CLOSE;
        }
    }

    private static boolean named(ByteBuf in, int from, int colon, byte[] lowerName) {
        if (colon - from != lowerName.length) {
            return false;
        }
        for (int i = 0; i < lowerName.length; i++) {
            if ((in.getByte(from + i) | 0x20) != lowerName[i]) { // ASCII letters, '-' and digits survive | 0x20
                return false;
            }
        }
        return true;
    }

    private static boolean startsWith(ByteBuf in, int from, String ascii) {
        for (int i = 0; i < ascii.length(); i++) {
            if (in.getByte(from + i) != ascii.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static boolean contains(ByteBuf in, int from, int to, String lowerAscii) {
        outer:
        for (int i = from; i + lowerAscii.length() <= to; i++) {
            for (int k = 0; k < lowerAscii.length(); k++) {
                if ((in.getByte(i + k) | 0x20) != lowerAscii.charAt(k)) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    private static int digit(ByteBuf in, int at) {
        int d = in.getByte(at) - '0';
        if (d < 0 || d > 9) {
            throw new Malformed("status is not three digits");
        }
        return d;
    }

    /** A decimal header value between optional spaces. */
    private static long number(ByteBuf in, int from, int to) {
        long n = 0;
        int digits = 0;
        for (int i = from; i < to; i++) {
            byte b = in.getByte(i);
            if (b >= '0' && b <= '9') {
                n = n * 10 + (b - '0');
                digits++;
            } else if (b != ' ' && b != '\t' && b != '\r') {
                throw new Malformed("header value is not a number");
            }
        }
        if (digits == 0 || digits > 18) {
            throw new Malformed("header value is not a number");
        }
        return n;
    }

    /** A chunk-size line: hex digits, then optional extensions after ';'. */
    private static long chunkSize(ByteBuf in, int from, int eol) {
        long n = 0;
        int digits = 0;
        for (int i = from; i < eol; i++) {
            int b = in.getByte(i);
            int d = Character.digit(b, 16);
            if (d >= 0 && digits < 15) {
                n = n * 16 + d;
                digits++;
            } else if (b == ';' || b == '\r' || b == ' ') {
                break;
            } else {
                throw new Malformed("bad chunk size");
            }
        }
        if (digits == 0) {
            throw new Malformed("bad chunk size");
        }
        return n;
    }

    private static byte[] lower(String name) {
        return name.getBytes(StandardCharsets.US_ASCII);
    }
}
