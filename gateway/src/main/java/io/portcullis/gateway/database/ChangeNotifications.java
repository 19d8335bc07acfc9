package io.portcullis.gateway.database;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Keeps every replica's caches honest: holds one connection in {@code LISTEN} on each
 * subscriber's channel and hands each notification to its subscriber. Writers notify inside the
 * changing transaction, so a change reaches every replica within milliseconds of the commit.
 *
 * <p>When the listening connection is lost, changes may have been missed, so every subscriber
 * resyncs once the connection is back (not before: while the database is away, cached entries
 * keep working until their TTL).
 *
 * <p>Not on the housekeeper: this is no periodic task but a wait on a socket that must be held
 * all the time (a notification is delivered within milliseconds of the commit, not at the next
 * period, and none is lost between two polls), so it keeps one thread of its own. It stops by the
 * housekeeper's rule: asked to stop (and woken), it finishes the notification in hand, is waited
 * for up to {@link #STOP_WAIT}, then left behind with a warning.
 */
@Component
class ChangeNotifications implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(ChangeNotifications.class);
    private static final int POLL_MILLIS = 250;
    private static final Duration RETRY = Duration.ofSeconds(1);
    private static final Duration STOP_WAIT = Duration.ofSeconds(2);

    private final DataSource dataSource;
    private final Map<String, ChangeSubscriber> subscribers;
    /** The loop's condition: set by start, cleared by stop. */
    private volatile boolean running;
    /** When the listening connection was lost; null while it is up. */
    private volatile java.time.Instant disconnectedSince;
    private final java.time.InstantSource clock;
    private Thread thread;

    ChangeNotifications(DataSource dataSource, List<ChangeSubscriber> subscribers, java.time.InstantSource clock) {
        this.dataSource = dataSource;
        this.clock = clock;
        this.subscribers = subscribers.stream().collect(Collectors.toMap(ChangeSubscriber::channel, Function.identity()));
        for (String channel : this.subscribers.keySet()) {
            if (!channel.matches("[a-z_]+")) {
                throw new IllegalArgumentException("bad notification channel name: " + channel);
            }
        }
    }

    @Override
    public void start() {
        running = true;
        thread = Thread.ofPlatform().daemon().name("change-notifications").start(this::run);
    }

    @Override
    public void stop() {
        running = false;
        if (thread != null) {
            thread.interrupt();
            try {
                if (!thread.join(STOP_WAIT)) {
                    log.warn("Shutdown: change notifications still busy after {}; left behind", STOP_WAIT);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** @return since when replicas' changes cannot be heard (the database is unreachable), or null */
    java.time.Instant disconnectedSince() {
        return disconnectedSince;
    }

    private void run() {
        while (running) {
            try (Connection connection = dataSource.getConnection()) {
                try (var statement = connection.createStatement()) {
                    for (String channel : subscribers.keySet()) {
                        statement.execute("LISTEN " + channel);
                    }
                }
                subscribers.values().forEach(ChangeSubscriber::resync);
                disconnectedSince = null;
                PGConnection pg = connection.unwrap(PGConnection.class);
                while (running) {
                    PGNotification[] notifications = pg.getNotifications(POLL_MILLIS);
                    if (notifications != null) {
                        for (PGNotification n : notifications) {
                            ChangeSubscriber subscriber = subscribers.get(n.getName());
                            if (subscriber != null) {
                                subscriber.changed(n.getParameter());
                            }
                        }
                    }
                }
            } catch (SQLException | RuntimeException e) {
                if (!running) {
                    return;
                }
                if (disconnectedSince == null) {
                    disconnectedSince = clock.instant();
                }
                log.warn("Change notifications lost their connection ({}); reconnecting", e.toString());
                try {
                    Thread.sleep(RETRY);
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }
}
