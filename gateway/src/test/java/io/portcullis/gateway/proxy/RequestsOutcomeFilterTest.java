package io.portcullis.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.usage.RecentRequestQueries;
import org.junit.jupiter.api.Test;

/** The Requests page's outcome filter accepts every outcome the proxy records, so none is refused as unknown. */
class RequestsOutcomeFilterTest {

    @Test
    void acceptsEveryOutcomeTheProxyRecords() {
        for (Outcome outcome : Outcome.values()) {
            assertThat(RecentRequestQueries.OUTCOMES).as(outcome.name()).contains(outcome.tag());
        }
    }
}
