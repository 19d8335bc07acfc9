package io.portcullis.policy.quota;

/**
 * What an admitted request holds until it is settled: its estimate, counted against every limit
 * of its key's and its team's plans. Settle it exactly once, whatever happens to the request.
 */
public final class Reservation {

    static final Reservation NOTHING = new Reservation(null, null, 0, 0);

    final Plan keyPlan;
    final Plan teamPlan;
    final long tokens;
    final long costMicros;

    Reservation(Plan keyPlan, Plan teamPlan, long tokens, long costMicros) {
        this.keyPlan = keyPlan;
        this.teamPlan = teamPlan;
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
        return (keyPlan == null || keyPlan.size() == 0) && (teamPlan == null || teamPlan.size() == 0);
    }
}
