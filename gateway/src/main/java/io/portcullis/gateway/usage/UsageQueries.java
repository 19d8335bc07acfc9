package io.portcullis.gateway.usage;

import java.math.BigDecimal;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/** Reads the usage ledger for the admin API. */
@Component
public class UsageQueries {

    /** How usage rows can be grouped. */
    public enum GroupBy {
        KEY("u.key_id::text", "max(k.name)"),
        TEAM("coalesce(u.team_id::text, 'none')", "max(t.name)"),
        MODEL("u.model", "u.model"),
        DAY("to_char(date_trunc('day', u.created_at at time zone 'UTC'), 'YYYY-MM-DD')", null);

        private final String expression;
        private final String label;

        GroupBy(String expression, String label) {
            this.expression = expression;
            this.label = label;
        }
    }

    /**
     * One group's totals.
     *
     * @param costUsd exact cost in US dollars (six decimals), from the configured prices
     */
    public record Row(String group, String label, long requests, long promptTokens, long completionTokens,
                      long cachedTokens, BigDecimal costUsd) {
    }

    private final JdbcTemplate jdbc;

    UsageQueries(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    public List<Row> totals(GroupBy groupBy, Instant from, Instant to, UUID keyId, UUID teamId) {
        var args = new ArrayList<Object>();
        String label = groupBy.label == null ? "null" : groupBy.label;
        var sql = new StringBuilder("select " + groupBy.expression + " as grp, " + label + " as label,"
                + " count(*) as requests, coalesce(sum(u.prompt_tokens), 0) as prompt,"
                + " coalesce(sum(u.completion_tokens), 0) as completion, coalesce(sum(u.cached_tokens), 0) as cached"
                + ", coalesce(sum(u.cost_micros), 0) as cost"
                + " from usage_record u left join api_key k on k.id = u.key_id left join team t on t.id = u.team_id"
                + " where u.created_at >= ? and u.created_at < ?");
        args.add(Timestamp.from(from));
        args.add(Timestamp.from(to));
        if (keyId != null) {
            sql.append(" and u.key_id = ?");
            args.add(keyId);
        }
        if (teamId != null) {
            sql.append(" and u.team_id = ?");
            args.add(teamId);
        }
        sql.append(" group by grp order by grp");
        return jdbc.query(sql.toString(), (rs, i) -> new Row(rs.getString("grp"), rs.getString("label"),
                rs.getLong("requests"), rs.getLong("prompt"), rs.getLong("completion"), rs.getLong("cached"),
                BigDecimal.valueOf(rs.getLong("cost"), 6)), args.toArray());
    }
}
