package io.portcullis.gateway.database;

/**
 * A cache that must hear about changes made by any replica. {@link ChangeNotifications} LISTENs
 * on each subscriber's channel; writers send {@code pg_notify(channel, id)} in the changing
 * transaction.
 */
public interface ChangeSubscriber {

    /** The PostgreSQL channel name; a plain lower-case identifier. */
    String channel();

    /** One entry changed (the payload is its id); drop it. */
    void changed(String payload);

    /** Notifications may have been missed (the listening connection was lost): drop everything. */
    void resync();
}
