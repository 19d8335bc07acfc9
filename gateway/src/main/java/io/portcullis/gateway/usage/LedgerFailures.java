package io.portcullis.gateway.usage;

import java.io.IOException;
import java.sql.SQLException;
import org.springframework.dao.DataAccessException;

/**
 * Tells a failed batch write that may succeed later (retry it) from one that never will because
 * of what some record holds (split the batch and set that record aside).
 *
 * <p>Permanent: SQL states of class 22 (data exception: a NUL character, a value out of range,
 * a string too long) and 23 (integrity constraint), which depend on the rows written, and errors
 * raised in Java while preparing a record. Everything else is transient: connection problems (08),
 * rollbacks and deadlocks (40), lack of resources (53), an operator or shutdown intervening (57),
 * system errors (58), I/O failures, and any other state (a missing table or privilege is a fault of
 * the installation, not of a record: splitting the batch would set every record aside).
 */
final class LedgerFailures {

    private LedgerFailures() {
    }

    /** Whether retrying the same records can never succeed. */
    static boolean isPermanent(Throwable failure) {
        String state = sqlState(failure);
        if (state != null) {
            return state.startsWith("22") || state.startsWith("23");
        }
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof SQLException || t instanceof IOException || t instanceof DataAccessException) {
                return false; // no state: a connection not made, a pool timeout, a socket closed
            }
        }
        return true; // thrown by our own code on a record (e.g. a null where a name belongs)
    }

    /** The first SQL state in the cause chain, or null. */
    static String sqlState(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && sql.getSQLState() != null) {
                return sql.getSQLState();
            }
        }
        return null;
    }
}
