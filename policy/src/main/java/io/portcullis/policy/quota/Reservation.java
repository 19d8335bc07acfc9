package io.portcullis.policy.quota;

import java.util.List;

/**
 * What an admitted request holds until it is settled: one entry per quota it was counted
 * against. Settle it exactly once, whatever happens to the request.
 */
public final class Reservation {

    /** One quota's share of the reservation. */
    record Item(LeaseKey key, long amount, long limit) {
    }

    static final Reservation NOTHING = new Reservation(List.of(), 0, 0);

    final List<Item> items;
    final long tokens;
    final long costMicros;

    Reservation(List<Item> items, long tokens, long costMicros) {
        this.items = items;
        this.tokens = tokens;
        this.costMicros = costMicros;
    }

    /** Tokens reserved for the request (its estimate). */
    public long tokens() {
        return tokens;
    }

    /** Spend reserved for the request, in micro-dollars. */
    public long costMicros() {
        return costMicros;
    }

    /** @return whether any quota applies at all */
    public boolean isEmpty() {
        return items.isEmpty();
    }
}
