package io.portcullis.gateway.proxy;

import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Bodies each key has arriving right now on this replica. Taken after authentication and before
 * the first byte of the body is read, given back as soon as the body is in: the body budget is
 * shared, and without this one key's slow uploads could hold all of it before the key's own rate
 * and concurrency limits (decided once the body is parsed) ever see them. A key with no body
 * arriving has no entry, so the map stays as small as the uploads in progress.
 */
final class BodyReadSlots {

    private final ConcurrentHashMap<UUID, Integer> arriving = new ConcurrentHashMap<>();

    /** Takes one of at most {@code limit} slots of {@code key}; {@link #release} only after a {@code true}. */
    boolean tryTake(UUID key, int limit) {
        var taken = new boolean[1];
        arriving.compute(key, (k, count) -> {
            int now = count == null ? 0 : count;
            if (now >= limit) {
                return count;
            }
            taken[0] = true;
            return now + 1;
        });
        return taken[0];
    }

    void release(UUID key) {
        arriving.computeIfPresent(key, (k, count) -> count <= 1 ? null : count - 1);
    }

    /** Bodies {@code key} has arriving now. */
    int arriving(UUID key) {
        return arriving.getOrDefault(key, 0);
    }
}
