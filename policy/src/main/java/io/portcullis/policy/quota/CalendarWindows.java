package io.portcullis.policy.quota;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;

/**
 * Day and month windows that follow the calendar in one time zone: a monthly budget resets at
 * midnight on the 1st, whatever the month's length; a daily one at local midnight, including on
 * days that DST makes 23 or 25 hours long.
 */
public final class CalendarWindows {

    private final ZoneId zone;
    /** The day and month around the last instant asked about: calendar arithmetic is slow, days are long. */
    private volatile Current current;

    public CalendarWindows(ZoneId zone) {
        this.zone = zone;
        this.current = compute(Instant.EPOCH);
    }

    private record Current(long dayStart, long dayEnd, long monthStart, long monthEnd) {
        boolean contains(long epochSecond) {
            return epochSecond >= dayStart && epochSecond < dayEnd;
        }
    }

    private Current current(Instant now) {
        Current c = current;
        if (!c.contains(now.getEpochSecond())) {
            c = compute(now);
            current = c;
        }
        return c;
    }

    private Current compute(Instant now) {
        return new Current(dayStart(now).getEpochSecond(), dayEnd(now).getEpochSecond(),
                monthStart(now).getEpochSecond(), monthEnd(now).getEpochSecond());
    }

    public ZoneId zone() {
        return zone;
    }

    public Instant dayStart(Instant now) {
        return LocalDate.ofInstant(now, zone).atStartOfDay(zone).toInstant();
    }

    public Instant dayEnd(Instant now) {
        return LocalDate.ofInstant(now, zone).plusDays(1).atStartOfDay(zone).toInstant();
    }

    public Instant monthStart(Instant now) {
        return LocalDate.ofInstant(now, zone).withDayOfMonth(1).atStartOfDay(zone).toInstant();
    }

    public Instant monthEnd(Instant now) {
        return LocalDate.ofInstant(now, zone).withDayOfMonth(1).plusMonths(1).atStartOfDay(zone).toInstant();
    }

    /** The window of {@code metric} that contains {@code now}, as an epoch second (0 if not windowed). */
    public long windowStart(Metric metric, Instant now) {
        return switch (metric) {
            case TOKENS_PER_DAY -> current(now).dayStart();
            case TOKENS_PER_MONTH, SPEND_PER_MONTH -> current(now).monthStart();
            default -> 0;
        };
    }

    /** When the window of {@code metric} containing {@code now} ends. */
    Instant windowEnd(Metric metric, Instant now) {
        return switch (metric) {
            case TOKENS_PER_DAY -> Instant.ofEpochSecond(current(now).dayEnd());
            case TOKENS_PER_MONTH, SPEND_PER_MONTH -> Instant.ofEpochSecond(current(now).monthEnd());
            default -> now;
        };
    }

    @Override
    public String toString() {
        return "CalendarWindows[" + zone + "]";
    }
}
