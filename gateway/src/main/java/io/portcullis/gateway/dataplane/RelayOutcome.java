package io.portcullis.gateway.dataplane;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * How one request relayed to the control plane ended, as {@code portcullis_dataplane_relayed_requests_total}
 * counts it: the signal that the link between the two servers is healthy (the control plane's own
 * metrics never see a request it did not get).
 */
enum RelayOutcome {
    /** Tomcat's whole answer reached the client. */
    ANSWERED("answered"),
    /** Tomcat could not be reached, or closed before answering: the client got a 502. */
    BAD_GATEWAY("bad_gateway"),
    /** Tomcat's answer broke off after it had started: the client's connection was closed. */
    CUT("cut");

    static final String METRIC = "portcullis.dataplane.relayed.requests";

    private final String tag;

    RelayOutcome(String tag) {
        this.tag = tag;
    }

    /** One counter per outcome, registered at once so each series exists from the start. */
    static Consumer<RelayOutcome> counters(MeterRegistry registry) {
        Map<RelayOutcome, Counter> counters = new EnumMap<>(RelayOutcome.class);
        for (RelayOutcome outcome : values()) {
            counters.put(outcome, Counter.builder(METRIC)
                    .description("Requests the data plane relayed to the control plane, by how they ended")
                    .tag("outcome", outcome.tag)
                    .register(registry));
        }
        return outcome -> counters.get(outcome).increment();
    }

    /** Counts nothing: a relay without a registry (tests). */
    static Consumer<RelayOutcome> uncounted() {
        return outcome -> { };
    }
}
