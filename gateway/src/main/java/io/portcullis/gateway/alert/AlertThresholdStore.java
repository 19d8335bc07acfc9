package io.portcullis.gateway.alert;

import io.portcullis.gateway.database.ChangeSubscriber;
import java.sql.Array;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * The {@code alertAt} percentages of teams and keys, in PostgreSQL and, on every replica, all of
 * them in memory: only scopes that set some have a row, so they are few, and the request path
 * reads them on every settlement without a query. Every change notifies {@value #CHANNEL}; a
 * lost listening connection reloads everything.
 */
@Repository
public class AlertThresholdStore implements ChangeSubscriber, SmartInitializingSingleton {

    /** Notification channel; payload: the scope ({@code team:<uuid>} or {@code key:<uuid>}). */
    static final String CHANNEL = "portcullis_alert_thresholds";
    private static final int[] NONE = new int[0];

    private final JdbcTemplate jdbc;
    private volatile Map<String, int[]> byScope = new ConcurrentHashMap<>();

    AlertThresholdStore(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    @Override
    public void afterSingletonsInstantiated() {
        resync();
    }

    /** The percentages of a scope, ascending; empty when it watches none. Never a query. */
    public int[] of(String scope) {
        int[] percents = byScope.get(scope);
        return percents == null ? NONE : percents;
    }

    /** The percentages as the admin API shows them. */
    public List<Integer> list(String scope) {
        return Arrays.stream(of(scope)).boxed().toList();
    }

    /** Replaces the percentages of a scope (empty removes them), in the caller's transaction if any. */
    public void set(String scope, List<Integer> percents) {
        if (percents.isEmpty()) {
            jdbc.update("delete from alert_threshold where scope = ?", scope);
        } else {
            jdbc.update(con -> {
                var ps = con.prepareStatement("insert into alert_threshold (scope, percents) values (?, ?)"
                        + " on conflict (scope) do update set percents = excluded.percents");
                ps.setString(1, scope);
                ps.setArray(2, con.createArrayOf("integer", percents.toArray()));
                return ps;
            });
        }
        jdbc.query("select pg_notify(?, ?)", rs -> null, CHANNEL, scope);
        // This replica need not wait for its own notification; inside a transaction it reloads once
        // the outcome is known, so a change that is rolled back is not kept in memory.
        if (TransactionSynchronizationManager.isSynchronizationActive()) {
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public void afterCompletion(int status) {
                    changed(scope);
                }
            });
        } else {
            changed(scope);
        }
    }

    @Override
    public String channel() {
        return CHANNEL;
    }

    @Override
    public void changed(String scope) {
        var rows = jdbc.query("select percents from alert_threshold where scope = ?",
                (rs, i) -> percents(rs.getArray(1)), scope);
        if (rows.isEmpty()) {
            byScope.remove(scope);
        } else {
            byScope.put(scope, rows.getFirst());
        }
    }

    @Override
    public void resync() {
        var fresh = new ConcurrentHashMap<String, int[]>();
        jdbc.query("select scope, percents from alert_threshold", rs -> {
            fresh.put(rs.getString(1), percents(rs.getArray(2)));
        });
        byScope = fresh;
    }

    private static int[] percents(Array array) throws java.sql.SQLException {
        // sorted and distinct on the way in; sorted again here so a row written by hand cannot break the check
        return Arrays.stream((Integer[]) array.getArray()).filter(p -> p != null && p >= 1 && p <= 100)
                .mapToInt(Integer::intValue).sorted().distinct().toArray();
    }
}
