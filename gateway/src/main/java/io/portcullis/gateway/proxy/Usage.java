package io.portcullis.gateway.proxy;

/**
 * Token counts of one request: reported by a backend, or billed by the gateway in their place.
 *
 * @param cachedTokens prompt tokens served from the backend's cache (a subset of {@code promptTokens})
 */
record Usage(long promptTokens, long completionTokens, long cachedTokens) {

    /** Nothing used: what a refused request is billed. */
    static final Usage ZERO = new Usage(0, 0, 0);

    long totalTokens() {
        return promptTokens + completionTokens;
    }
}
