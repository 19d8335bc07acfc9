package io.portcullis.gateway.proxy;

import io.portcullis.gateway.web.ApiError;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Seconds of audio in an upload, for what a transcription reserves (and bills when the backend
 * reports no usage). A WAV file says exactly: its {@code fmt } chunk's byte rate, over the bytes
 * that follow its {@code data} chunk header in the upload (what the file holds, not what its
 * header claims, so a header that understates its data cannot make audio cheap). Any other format
 * is estimated from its size at {@value #ESTIMATE_BYTES_PER_SECOND} bytes a second (16 kbit/s,
 * the low end of speech codecs: Opus voice, low-bitrate MP3), so the estimate is generous.
 * Seconds are rounded up.
 */
final class AudioDuration {

    /** 16 kbit/s. */
    static final int ESTIMATE_BYTES_PER_SECOND = 2_000;

    private AudioDuration() {
    }

    /**
     * @param head  the first bytes of the audio file ({@link Upload#HEAD_BYTES} at most)
     * @param bytes the whole file's size
     * @throws io.portcullis.gateway.web.GatewayException 400 for a WAV file whose header contradicts itself
     */
    static long seconds(byte[] head, long bytes) {
        if (!isWav(head)) {
            return ceilDiv(bytes, ESTIMATE_BYTES_PER_SECOND);
        }
        ByteBuffer b = ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN);
        int at = 12;
        long byteRate = -1;
        while (at + 8 <= head.length) {
            String id = new String(head, at, 4, StandardCharsets.US_ASCII);
            long size = Integer.toUnsignedLong(b.getInt(at + 4));
            if (id.equals("fmt ")) {
                if (size < 16 || at + 8 + 16 > head.length) {
                    throw lies("its fmt chunk is too short");
                }
                int channels = Short.toUnsignedInt(b.getShort(at + 10));
                long sampleRate = Integer.toUnsignedLong(b.getInt(at + 12));
                byteRate = Integer.toUnsignedLong(b.getInt(at + 16));
                int blockAlign = Short.toUnsignedInt(b.getShort(at + 20));
                if (channels == 0 || sampleRate == 0 || byteRate == 0 || blockAlign == 0
                        || byteRate != sampleRate * blockAlign) {
                    throw lies("its byte rate does not match its sample rate and block size");
                }
            } else if (id.equals("data")) {
                if (byteRate < 0) {
                    throw lies("its data comes before its format");
                }
                return ceilDiv(Math.max(0, bytes - (at + 8)), byteRate);
            }
            long next = at + 8 + size + (size & 1);
            if (next > head.length) {
                break; // a chunk larger than what was looked at: fall back to the size estimate
            }
            at = (int) next;
        }
        if (byteRate > 0) {
            return ceilDiv(bytes, byteRate); // no data chunk in the head: the whole file at its rate
        }
        return ceilDiv(bytes, ESTIMATE_BYTES_PER_SECOND);
    }

    private static boolean isWav(byte[] head) {
        return head.length >= 12 && new String(head, 0, 4, StandardCharsets.US_ASCII).equals("RIFF")
                && new String(head, 8, 4, StandardCharsets.US_ASCII).equals("WAVE");
    }

    private static long ceilDiv(long a, long b) {
        return Math.max(1, Math.ceilDiv(a, b));
    }

    private static RuntimeException lies(String why) {
        return ApiError.invalidRequest("The uploaded WAV file's header is inconsistent: " + why, "file").toException();
    }
}
