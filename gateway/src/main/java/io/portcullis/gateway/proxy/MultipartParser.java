package io.portcullis.gateway.proxy;

import io.portcullis.gateway.web.ApiError;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * A {@code multipart/form-data} body read part by part from the client's stream through one
 * fixed buffer: whatever the body's size, the parser holds at most that buffer. Each part's
 * headers are kept (at most {@value #HEADER_LIMIT} bytes) so the part can be sent upstream as it
 * came; its content is read like a stream up to the next delimiter.
 *
 * <p>Malformed bodies (no opening or closing boundary, headers without their blank line, a part
 * without a {@code Content-Disposition} name) are the client's error: a 400 in the contract's shape.
 */
final class MultipartParser {

    /** Most bytes of headers one part may carry. */
    static final int HEADER_LIMIT = 8 * 1024;
    /** RFC 2046: a boundary is 1 to 70 characters. */
    private static final int MAX_BOUNDARY = 70;

    /** What one part says of itself: its headers as sent and what they mean. */
    record Head(byte[] raw, String name, String filename, String contentType) {
        boolean isFile() {
            return filename != null;
        }
    }

    private final InputStream in;
    private final byte[] delimiter;
    private final byte[] buf;
    private int pos;
    private int lim;
    private boolean eof;
    private boolean inBody = true; // the preamble is read as a body, and discarded
    private boolean finished;

    /**
     * @param buffer at least {@value #HEADER_LIMIT} bytes plus the delimiter; reused for the whole body
     */
    MultipartParser(InputStream in, String boundary, byte[] buffer) {
        this.in = in;
        this.delimiter = ("\r\n--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
        this.buf = buffer;
        // the first delimiter has no line break before it: pretend there was one
        buf[0] = '\r';
        buf[1] = '\n';
        lim = 2;
    }

    /**
     * The boundary of a {@code multipart/form-data} content type.
     *
     * @throws io.portcullis.gateway.web.GatewayException 400 when the type is another or has no usable boundary
     */
    static String boundaryOf(String contentType) {
        if (contentType == null || !contentType.toLowerCase(Locale.ROOT).startsWith("multipart/form-data")) {
            throw ApiError.invalidRequest("This endpoint takes a multipart/form-data upload"
                    + (contentType == null ? " (the request has no Content-Type)" : ""), null).toException();
        }
        for (String param : contentType.split(";")) {
            String p = param.strip();
            if (p.regionMatches(true, 0, "boundary=", 0, 9)) {
                String b = p.substring(9).strip();
                if (b.length() >= 2 && b.startsWith("\"") && b.endsWith("\"")) {
                    b = b.substring(1, b.length() - 1);
                }
                if (b.isEmpty() || b.length() > MAX_BOUNDARY || !b.chars().allMatch(c -> c > 32 && c < 127 || c == ' ')) {
                    break;
                }
                return b;
            }
        }
        throw ApiError.invalidRequest("The multipart/form-data Content-Type has no valid boundary", null).toException();
    }

    /** The next part's head, or null after the closing delimiter. */
    Head next() throws IOException {
        byte[] skip = new byte[4096];
        while (inBody) {
            read(skip, 0, skip.length); // the rest of the current part (or the preamble) is not wanted
        }
        if (finished) {
            return null;
        }
        return head();
    }

    /**
     * Reads the current part's content.
     *
     * @return bytes read, or -1 at the end of the part
     */
    int read(byte[] dst, int off, int len) throws IOException {
        if (!inBody) {
            return -1;
        }
        while (true) {
            int found = indexOf(delimiter, pos, lim);
            if (found == pos) {
                pos += delimiter.length;
                inBody = false;
                afterDelimiter();
                return -1;
            }
            int safe = found >= 0 ? found : lim - (delimiter.length - 1);
            if (safe > pos) {
                int n = Math.min(len, safe - pos);
                System.arraycopy(buf, pos, dst, off, n);
                pos += n;
                return n;
            }
            if (!fill()) {
                throw malformed("The multipart body ended before its closing boundary");
            }
        }
    }

    /** After a delimiter: {@code --} closes the body; otherwise (transport padding and) a line break. */
    private void afterDelimiter() throws IOException {
        ensure(2);
        if (buf[pos] == '-' && buf[pos + 1] == '-') {
            pos += 2;
            finished = true;
            return;
        }
        while (true) {
            ensure(2);
            if (buf[pos] == '\r' && buf[pos + 1] == '\n') {
                pos += 2;
                return;
            }
            if (buf[pos] != ' ' && buf[pos] != '\t') {
                throw malformed("A multipart boundary line is followed by something other than a line break");
            }
            pos++;
        }
    }

    private Head head() throws IOException {
        int end;
        while (true) {
            if (lim - pos >= 2 && buf[pos] == '\r' && buf[pos + 1] == '\n') {
                end = pos; // no headers at all
                break;
            }
            end = indexOf(HEADER_END, pos, lim);
            if (end >= 0) {
                end += 2; // keep the last header's line break out of the raw block
                break;
            }
            if (lim - pos > HEADER_LIMIT) {
                throw malformed("A multipart part has more than " + HEADER_LIMIT + " bytes of headers");
            }
            if (!fill()) {
                throw malformed("The multipart body ended inside a part's headers");
            }
        }
        if (end - pos > HEADER_LIMIT) {
            throw malformed("A multipart part has more than " + HEADER_LIMIT + " bytes of headers");
        }
        byte[] raw = java.util.Arrays.copyOfRange(buf, pos, Math.max(pos, end - 2));
        pos = end + 2;
        inBody = true;
        String name = null;
        String filename = null;
        String contentType = null;
        for (String line : new String(raw, StandardCharsets.UTF_8).split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon <= 0) {
                continue;
            }
            String header = line.substring(0, colon).strip();
            String value = line.substring(colon + 1).strip();
            if (header.equalsIgnoreCase("content-disposition")) {
                name = parameter(value, "name");
                filename = parameter(value, "filename");
                if (filename == null && parameter(value, "filename*") != null) {
                    filename = parameter(value, "filename*");
                }
            } else if (header.equalsIgnoreCase("content-type")) {
                contentType = value;
            }
        }
        if (name == null || name.isEmpty()) {
            throw malformed("A multipart part has no Content-Disposition name");
        }
        return new Head(raw, name, filename, contentType);
    }

    /** A {@code Content-Disposition} parameter, quoted or not, or null. */
    static String parameter(String disposition, String param) {
        int i = 0;
        int n = disposition.length();
        while (i < n) {
            int semi = disposition.indexOf(';', i);
            if (semi < 0) {
                return null;
            }
            i = semi + 1;
            while (i < n && disposition.charAt(i) == ' ') {
                i++;
            }
            int eq = disposition.indexOf('=', i);
            if (eq < 0) {
                return null;
            }
            String key = disposition.substring(i, eq).strip();
            int start = eq + 1;
            String value;
            if (start < n && disposition.charAt(start) == '"') {
                var sb = new StringBuilder();
                int j = start + 1;
                while (j < n && disposition.charAt(j) != '"') {
                    if (disposition.charAt(j) == '\\' && j + 1 < n) {
                        j++;
                    }
                    sb.append(disposition.charAt(j++));
                }
                value = sb.toString();
                i = j + 1;
            } else {
                int stop = disposition.indexOf(';', start);
                value = disposition.substring(start, stop < 0 ? n : stop).strip();
                i = stop < 0 ? n : stop;
            }
            if (key.equalsIgnoreCase(param)) {
                return value;
            }
        }
        return null;
    }

    private static final byte[] HEADER_END = {'\r', '\n', '\r', '\n'};

    private void ensure(int n) throws IOException {
        while (lim - pos < n) {
            if (!fill()) {
                throw malformed("The multipart body ended before its closing boundary");
            }
        }
    }

    /** Moves what is unread to the front and reads more; false at the end of the stream. */
    private boolean fill() throws IOException {
        if (eof) {
            return false;
        }
        if (pos > 0) {
            System.arraycopy(buf, pos, buf, 0, lim - pos);
            lim -= pos;
            pos = 0;
        }
        if (lim == buf.length) {
            return true; // full of unread bytes: the caller consumes some first
        }
        int n = in.read(buf, lim, buf.length - lim);
        if (n < 0) {
            eof = true;
            return false;
        }
        lim += n;
        return true;
    }

    private int indexOf(byte[] needle, int from, int to) {
        byte first = needle[0];
        int last = to - needle.length;
        outer:
        for (int i = from; i <= last; i++) {
            if (buf[i] != first) {
                continue;
            }
            for (int j = 1; j < needle.length; j++) {
                if (buf[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static RuntimeException malformed(String message) {
        return ApiError.invalidRequest(message, null).toException();
    }
}
