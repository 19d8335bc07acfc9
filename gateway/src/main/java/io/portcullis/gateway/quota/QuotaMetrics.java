package io.portcullis.gateway.quota;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.portcullis.policy.DenialReason;
import io.portcullis.policy.quota.QuotaEngine;
import java.util.EnumMap;
import java.util.Map;
import org.springframework.stereotype.Component;

/**
 * Meters of the policy and quota decisions. Names are public (dashboard, alerts): never rename.
 * Tags come from {@link DenialReason}, a closed enum.
 */
@Component
public class QuotaMetrics {

    /** {@code portcullis_quota_rejections_total}: requests refused by a policy or quota, by reason. */
    public static final String REJECTIONS = "portcullis.quota.rejections";
    /** {@code portcullis_quota_leases}: quota leases this replica holds right now. */
    public static final String LEASES = "portcullis.quota.leases";
    /**
     * {@code portcullis_quota_refills_total}: lease refills from the database, by {@code path}:
     * {@code foreground} (a request waited for it) or {@code background} (a top-up ahead of need).
     * Registered by {@link LeaseTopUps}, which the engine needs before this exists.
     */
    public static final String REFILLS = "portcullis.quota.refills";

    private final Map<DenialReason, Counter> rejections = new EnumMap<>(DenialReason.class);

    QuotaMetrics(MeterRegistry registry, QuotaEngine engine) {
        for (DenialReason reason : DenialReason.values()) {
            rejections.put(reason, Counter.builder(REJECTIONS)
                    .description("Requests refused by a usage policy or quota")
                    .tag("reason", reason.tag())
                    .register(registry));
        }
        Gauge.builder(LEASES, engine, QuotaEngine::leaseCount)
                .description("Quota leases (slices of shared budgets) held by this replica")
                .register(registry);
    }

    public void rejected(DenialReason reason) {
        rejections.get(reason).increment();
    }
}
