package io.portcullis.gateway.alert;

import io.portcullis.gateway.housekeeping.HousekeepingTask;
import io.portcullis.gateway.housekeeping.PeriodicWork;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import org.springframework.stereotype.Component;

/**
 * {@code key.expiring}: 7 days and 1 day before a key's {@code expiresAt}, looked for every
 * {@code gateway.alerts.expiry-period} on every replica (the decision row makes it once). A key
 * first seen with less than a day left gets only the 1-day event; one whose {@code expiresAt}
 * is moved gets the events of its new date. Also the alerts' upkeep: forgetting ended windows
 * and old outbox rows.
 */
@Component
class KeyExpiryAlerts implements PeriodicWork {

    private static final int[] DAYS_BEFORE = {7, 1};

    private final AlertOutboxStore outbox;
    private final BudgetAlerts budgets;
    private final AlertProperties properties;
    private final InstantSource clock;

    KeyExpiryAlerts(AlertOutboxStore outbox, BudgetAlerts budgets, AlertProperties properties, InstantSource clock) {
        this.outbox = outbox;
        this.budgets = budgets;
        this.properties = properties;
        this.clock = clock;
    }

    @Override
    public List<HousekeepingTask> housekeepingTasks() {
        return List.of(
                new HousekeepingTask("alert.key-expiring", properties.expiryPeriod(), Duration.ofSeconds(5),
                        this::lookForExpiringKeys),
                new HousekeepingTask("alert.upkeep", Duration.ofHours(1), Duration.ofMinutes(1), this::upkeep));
    }

    void lookForExpiringKeys() {
        Instant now = clock.instant();
        for (int i = 0; i < DAYS_BEFORE.length; i++) {
            int days = DAYS_BEFORE[i];
            // the 7-day event covers (now + 1 day, now + 7 days]; the 1-day event (now, now + 1 day]
            Instant from = i + 1 < DAYS_BEFORE.length ? now.plus(Duration.ofDays(DAYS_BEFORE[i + 1])) : now;
            List<AlertOutboxStore.ExpiringKey> page;
            do {
                page = outbox.expiringKeys(from, now.plus(Duration.ofDays(days)), days);
                for (var key : page) {
                    outbox.decide(new Occurrence(AlertEvent.KEY_EXPIRING, "key", key.id(), key.name(), "expiresAt",
                            key.expiresAt().getEpochSecond(), days, null, null, null, key.expiresAt()), now);
                }
            } while (page.size() == AlertOutboxStore.EXPIRING_PAGE); // decided keys leave the answer
        }
    }

    private void upkeep() {
        budgets.forgetEndedWindows(clock.instant());
        outbox.purge();
    }
}
