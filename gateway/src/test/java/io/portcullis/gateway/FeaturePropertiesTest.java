package io.portcullis.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Map;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/**
 * Each feature's configuration record refuses a bad value when it is bound, that is at start, with
 * a message that names the property; and a gateway with nothing set binds every record.
 */
class FeaturePropertiesTest {

    @Test
    void everyRecordBindsWithNothingSet() {
        var records = ConfigurationRecords.all();

        assertThat(records).as("configuration records found on the class path").hasSizeGreaterThan(10);
        for (var record : records) {
            assertThat(bind(record, Map.of())).as(record.type().getName()).isNotNull();
        }
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(delimiter = '|', textBlock = """
            gateway.usage.batch-size                                  | 0 | gateway.usage.queue-capacity and batch-size
            gateway.usage.partitions-ahead                            | 0 | gateway.usage.partitions-ahead
            gateway.usage.retention                                   | 1d | gateway.usage.retention
            gateway.usage.hourly-retention                            | 10d | gateway.usage.hourly-retention
            gateway.quota.default-max-tokens                          | 0 | gateway.quota.default-max-tokens
            gateway.pricing.gpt-4o.per-image                          | -0.04 | gateway.pricing.<model> prices must not be negative
            gateway.upstream.idle-timeout                             | 0s | gateway.upstream timeouts
            gateway.upstream.max-connections                          | 0 | gateway.upstream.max-connections
            gateway.resilience.retry.max-attempts                     | 11 | gateway.resilience.retry.max-attempts
            gateway.resilience.retry.jitter                           | 1.0 | gateway.resilience.retry:
            gateway.resilience.circuit-breaker.failure-rate-threshold | 0 | gateway.resilience.circuit-breaker:
            gateway.keys.pepper                                       | too-short-a-pepper | gateway.keys.pepper
            gateway.keys.cache-ttl                                    | -1s | gateway.keys.cache-ttl
            gateway.keys.cache-max-size                               | -1 | gateway.keys.cache-max-size
            gateway.admin.bootstrap-token                             | short-token | gateway.admin.bootstrap-token
            gateway.max-request-bytes                                 | 0B | gateway.max-request-bytes
            gateway.max-concurrent-requests                           | 0 | gateway.max-concurrent-requests
            gateway.backends[0].name                                  | ' ' | gateway.backends[].name
            gateway.request-body.reads-per-key                        | 0 | gateway.request-body.reads-per-key
            gateway.alerts.max-attempts                               | 0 | gateway.alerts.max-attempts
            gateway.alerts.max-backoff                                | 1ms | gateway.alerts.max-backoff
            """)
    void refusesABadValueNamingTheProperty(String property, String value, String message) {
        var failures = new ArrayList<String>();
        var source = Map.of(property, value);
        for (var record : ConfigurationRecords.all()) {
            try {
                bind(record, source);
            } catch (BindException e) {
                Throwable cause = e;
                while (cause.getCause() != null) {
                    cause = cause.getCause();
                }
                failures.add(cause.getMessage());
            }
        }

        Assertions.<String>assertThat(failures).as("the one record that binds " + property).singleElement()
                .satisfies(m -> assertThat(m).contains(message));
    }

    private static Object bind(ConfigurationRecords.Bound record, Map<String, String> properties) {
        return new Binder(new MapConfigurationPropertySource(properties)).bindOrCreate(record.prefix(), record.type());
    }
}
