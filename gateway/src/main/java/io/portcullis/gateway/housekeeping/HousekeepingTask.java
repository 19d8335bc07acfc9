package io.portcullis.gateway.housekeeping;

import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One piece of periodic work for the {@link Housekeeper}: it first runs {@code initialDelay} after
 * the housekeeper starts, then {@code period} after each run ends (a run never overlaps the
 * previous one). Its {@code name} is the {@code task} tag of the housekeeping metrics, so it must
 * be a fixed word chosen in code ({@code usage.partitions}), never built from data.
 *
 * @param name         lower-case words joined by {@code .} or {@code -}, unique in the housekeeper
 * @param period       time between the end of one run and the start of the next; positive
 * @param initialDelay time from the housekeeper's start to the first run; zero or more
 * @param work         the work; what it throws is logged and counted, and it runs again next period
 */
public record HousekeepingTask(String name, Duration period, Duration initialDelay, Runnable work) {

    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9]*([.-][a-z][a-z0-9]*)*");

    public HousekeepingTask {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(period, "period");
        Objects.requireNonNull(initialDelay, "initialDelay");
        Objects.requireNonNull(work, "work");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("housekeeping task name must be lower-case words joined by '.' or '-': "
                    + name);
        }
        if (period.isNegative() || period.isZero()) {
            throw new IllegalArgumentException("housekeeping task " + name + ": period must be positive, was " + period);
        }
        if (initialDelay.isNegative()) {
            throw new IllegalArgumentException("housekeeping task " + name + ": initial delay must not be negative, was "
                    + initialDelay);
        }
    }
}
