package io.portcullis.gateway.quota;

import io.portcullis.policy.quota.CalendarWindows;
import io.portcullis.policy.quota.QuotaEngine;
import java.util.UUID;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;

/** Wires the pure quota engine to its PostgreSQL lease store. */
@Configuration(proxyBeanMethods = false)
class QuotaConfiguration {

    @Bean
    JdbcLeaseStore leaseStore(JdbcTemplate jdbc, TransactionTemplate tx) {
        // Each process is its own replica for concurrency slots; a restart is a new replica.
        return new JdbcLeaseStore(jdbc, tx, UUID.randomUUID());
    }

    @Bean
    CalendarWindows calendarWindows(QuotaProperties properties) {
        return new CalendarWindows(properties.timeZone());
    }

    @Bean
    QuotaEngine quotaEngine(JdbcLeaseStore store, CalendarWindows windows, LeaseTopUps topUps) {
        return new QuotaEngine(store, windows, topUps, topUps);
    }
}
