package io.portcullis.gateway.quota;

import java.time.ZoneId;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code gateway.quota.*}: how budgets are counted.
 *
 * @param timeZone         the calendar that day and month budgets follow
 * @param defaultMaxTokens output tokens reserved for a request that sets no {@code max_tokens}
 */
@ConfigurationProperties(QuotaProperties.PREFIX)
public record QuotaProperties(@DefaultValue("UTC") ZoneId timeZone, @DefaultValue("1024") long defaultMaxTokens) {

    public static final String PREFIX = "gateway.quota";

    public QuotaProperties {
        if (defaultMaxTokens < 1) {
            throw new IllegalArgumentException("gateway.quota.default-max-tokens must be positive");
        }
    }
}
