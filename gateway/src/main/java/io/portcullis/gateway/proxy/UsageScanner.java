package io.portcullis.gateway.proxy;

import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.async.ByteArrayFeeder;

/**
 * Reads the usage figures of a whole (non-streamed) JSON answer as its bytes pass to the client,
 * without keeping the answer: a non-blocking parse fed chunk by chunk, so an answer of any size
 * (a 40 MiB embeddings batch) is metered, and no size ceiling turns into free requests.
 *
 * <p>It takes the outermost object found under a {@code usage} key, wherever it sits (top level
 * for chat, completions and embeddings; inside {@code response} for some Responses shapes), and
 * reads OpenAI's names ({@code prompt_tokens}, {@code completion_tokens},
 * {@code prompt_tokens_details.cached_tokens}) or the Responses API's ({@code input_tokens},
 * {@code output_tokens}, {@code input_tokens_details.cached_tokens}). It also says whether the
 * bytes were a JSON object at all, so the relay can refuse garbage before the status is sent.
 */
final class UsageScanner {

    private final JsonParser parser = ProxyJson.MAPPER.createNonBlockingByteArrayParser();
    private final ByteArrayFeeder feeder = (ByteArrayFeeder) parser.nonBlockingInputFeeder();

    private int depth;
    private boolean started;
    private boolean complete;
    private boolean broken;
    /** Depth inside the usage object being read, or 0 when none is. */
    private int usageDepth;
    /** Depth of the best usage object found so far (the outermost wins). */
    private int bestDepth = Integer.MAX_VALUE;
    private String lastName;
    private String detailsName;
    private long prompt = -1;
    private long completion = -1;
    private long total = -1;
    private long cached;
    private Usage usage;
    private String id;
    /** Seconds of audio in the usage object ({@code "type":"duration"}), or -1. */
    private double seconds = -1;
    private double secondsFound = -1;
    /** Depth of the top-level {@code data} array while inside it, else 0. */
    private int dataDepth;
    private long dataItems = -1;

    /**
     * Feeds the next bytes of the answer.
     *
     * @return false once the bytes are not (the start of) one JSON object
     */
    boolean feed(byte[] bytes, int offset, int length) {
        if (broken || length == 0) {
            return !broken;
        }
        try {
            feeder.feedInput(bytes, offset, offset + length);
            drain();
        } catch (JacksonException e) {
            broken = true;
        }
        return !broken;
    }

    /** The answer is over: whether it was exactly one complete JSON object. */
    boolean end() {
        if (!broken) {
            try {
                feeder.endOfInput();
                drain();
            } catch (JacksonException e) {
                broken = true;
            }
        }
        parser.close();
        return complete && !broken;
    }

    /** Whether nothing so far contradicts a JSON object (true before any byte). */
    boolean plausible() {
        return !broken;
    }

    /** The usage found, or null when the answer had none with token counts. */
    Usage usage() {
        return usage;
    }

    /**
     * Seconds of audio the usage reported ({@code {"type":"duration","seconds":N}} on
     * transcriptions), rounded up, or -1 when it reported none.
     */
    long audioSeconds() {
        return secondsFound < 0 ? -1 : (long) Math.ceil(Math.min(secondsFound, Integer.MAX_VALUE));
    }

    /** Items of the top-level {@code data} array (images made), or -1 when there was none. */
    long dataItems() {
        return dataItems;
    }

    /**
     * The answer's top-level {@code id} (a Responses API answer: the stored response's id), or
     * null until it has been read. Known as soon as the bytes holding it were fed.
     */
    String id() {
        return id;
    }

    private void drain() {
        JsonToken token;
        while ((token = parser.nextToken()) != null && token != JsonToken.NOT_AVAILABLE) {
            if (complete) {
                broken = true; // a second value after the object: not one JSON answer
                return;
            }
            if (!started) {
                started = true;
                if (token != JsonToken.START_OBJECT) {
                    broken = true;
                    return;
                }
            }
            switch (token) {
                case START_OBJECT, START_ARRAY -> {
                    depth++;
                    if (token == JsonToken.START_ARRAY && depth == 2 && "data".equals(lastName)) {
                        dataDepth = depth;
                        dataItems = 0;
                    } else if (dataDepth != 0 && depth == dataDepth + 1) {
                        dataItems++;
                    }
                    if (token == JsonToken.START_OBJECT && usageDepth == 0 && "usage".equals(lastName)
                            && depth < bestDepth) {
                        usageDepth = depth;
                        prompt = completion = total = -1;
                        cached = 0;
                        seconds = -1;
                    } else if (usageDepth != 0 && depth == usageDepth + 1) {
                        detailsName = lastName;
                    }
                    lastName = null;
                }
                case END_OBJECT, END_ARRAY -> {
                    if (usageDepth != 0 && depth == usageDepth) {
                        bestDepth = usageDepth;
                        usageDepth = 0;
                        usage = reported(prompt < 0 && completion < 0 ? total : prompt, completion, cached);
                        secondsFound = seconds;
                    }
                    if (dataDepth != 0 && depth == dataDepth) {
                        dataDepth = 0;
                    }
                    depth--;
                    complete = depth == 0;
                }
                case PROPERTY_NAME -> lastName = parser.currentName();
                case VALUE_NUMBER_FLOAT -> {
                    if (usageDepth != 0 && depth == usageDepth && "seconds".equals(lastName)) {
                        seconds = Math.max(0, parser.getValueAsDouble(-1));
                    }
                    lastName = null;
                }
                case VALUE_NUMBER_INT -> {
                    if (usageDepth != 0) {
                        number(parser.getValueAsLong(-1));
                    }
                    lastName = null;
                }
                case VALUE_STRING -> {
                    if (depth == 1 && id == null && "id".equals(lastName)) {
                        id = parser.getString();
                    }
                    lastName = null;
                }
                default -> lastName = null;
            }
        }
    }

    private void number(long value) {
        if (value < 0 || lastName == null) {
            return;
        }
        if (depth == usageDepth) {
            switch (lastName) {
                case "seconds" -> seconds = value;
                case "prompt_tokens", "input_tokens" -> prompt = value;
                case "completion_tokens", "output_tokens" -> completion = value;
                case "total_tokens" -> total = value;
                default -> {
                }
            }
        } else if (depth == usageDepth + 1 && "cached_tokens".equals(lastName)
                && ("prompt_tokens_details".equals(detailsName) || "input_tokens_details".equals(detailsName))) {
            cached = value;
        }
    }

    /**
     * A usage report from counts that may be missing (-1).
     *
     * @return null when there are no counts, or only zeros: no report at all
     */
    static Usage reported(long prompt, long completion, long cached) {
        // a backend's absurd figure is taken as the most the ledger can hold, not an overflow
        long p = Math.clamp(prompt, 0, Integer.MAX_VALUE);
        long c = Math.clamp(completion, 0, Integer.MAX_VALUE);
        if (p + c == 0) {
            return null;
        }
        return new Usage(p, c, Math.min(Math.max(0, cached), p));
    }
}
