package io.portcullis.gateway.auth;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Keeps this replica's key cache honest: LISTENs on {@value JdbcKeyStore#CHANNEL} and drops each
 * key that any replica changed. The notification is sent in the changing transaction, so it
 * arrives within milliseconds of the commit. When the listening connection is lost, changes may
 * have been missed, so the whole cache is dropped once the connection is back (not before: while
 * the database is away, cached keys keep working until their TTL).
 */
@Component
class KeyChangeListener implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(KeyChangeListener.class);
    private static final int POLL_MILLIS = 250;
    private static final Duration RETRY = Duration.ofSeconds(1);

    private final DataSource dataSource;
    private final ApiKeyAuthenticator authenticator;
    private volatile boolean running;
    private Thread thread;

    KeyChangeListener(DataSource dataSource, ApiKeyAuthenticator authenticator) {
        this.dataSource = dataSource;
        this.authenticator = authenticator;
    }

    @Override
    public void start() {
        running = true;
        thread = Thread.ofPlatform().daemon().name("key-change-listener").start(this::run);
    }

    @Override
    public void stop() {
        running = false;
        if (thread != null) {
            thread.interrupt();
            try {
                thread.join(Duration.ofSeconds(2));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    private void run() {
        while (running) {
            try (Connection connection = dataSource.getConnection()) {
                try (var statement = connection.createStatement()) {
                    statement.execute("LISTEN " + JdbcKeyStore.CHANNEL);
                }
                // Anything changed while we were not listening is unknown: start clean.
                authenticator.invalidateAll();
                PGConnection pg = connection.unwrap(PGConnection.class);
                while (running) {
                    PGNotification[] notifications = pg.getNotifications(POLL_MILLIS);
                    if (notifications != null) {
                        for (PGNotification n : notifications) {
                            authenticator.invalidate(n.getParameter());
                        }
                    }
                }
            } catch (SQLException | RuntimeException e) {
                if (!running) {
                    return;
                }
                // Keep serving cached keys while the database is away; the cache is dropped on reconnect.
                log.warn("Key change listener lost its connection ({}); reconnecting", e.toString());
                try {
                    Thread.sleep(RETRY);
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }
}
