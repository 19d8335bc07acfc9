package io.portcullis.gateway.alert;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code gateway.alerts.*}: how budget alerts are delivered to webhooks (docs/alerts.md).
 *
 * @param deliveryPeriod  how often each replica looks for deliveries that are due
 * @param initialBackoff  wait before the first retry of a failed delivery; doubled at each failure
 * @param maxBackoff      longest wait between two attempts
 * @param maxAttempts     attempts before a delivery is given up (about two days with the defaults)
 * @param connectTimeout  to connect to a webhook
 * @param readTimeout     for a webhook's answer, from the request sent to its status line
 * @param expiryPeriod    how often keys about to expire are looked for ({@code key.expiring})
 */
@ConfigurationProperties(AlertProperties.PREFIX)
record AlertProperties(@DefaultValue("1s") Duration deliveryPeriod, @DefaultValue("5s") Duration initialBackoff,
                       @DefaultValue("30m") Duration maxBackoff, @DefaultValue("100") int maxAttempts,
                       @DefaultValue("5s") Duration connectTimeout, @DefaultValue("10s") Duration readTimeout,
                       @DefaultValue("10m") Duration expiryPeriod) {

    static final String PREFIX = "gateway.alerts";

    AlertProperties {
        positive("delivery-period", deliveryPeriod);
        positive("initial-backoff", initialBackoff);
        positive("max-backoff", maxBackoff);
        positive("connect-timeout", connectTimeout);
        positive("read-timeout", readTimeout);
        positive("expiry-period", expiryPeriod);
        if (maxBackoff.compareTo(initialBackoff) < 0) {
            throw new IllegalArgumentException(PREFIX + ".max-backoff must not be shorter than initial-backoff");
        }
        if (maxAttempts < 1 || maxAttempts > 10_000) {
            throw new IllegalArgumentException(PREFIX + ".max-attempts must be between 1 and 10000, was " + maxAttempts);
        }
    }

    /** How long a claimed delivery stays invisible to other replicas: longer than one attempt can take. */
    Duration claim() {
        return connectTimeout.plus(readTimeout).plus(Duration.ofSeconds(30));
    }

    private static void positive(String name, Duration value) {
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(PREFIX + "." + name + " must be positive, was " + value);
        }
    }
}
