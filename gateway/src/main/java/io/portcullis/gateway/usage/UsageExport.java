package io.portcullis.gateway.usage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.sql.DataSource;
import org.springframework.stereotype.Component;

/**
 * Streams usage rows out as CSV or JSON Lines without holding them in memory: a server-side
 * cursor (auto-commit off, fetch size {@value #FETCH}) feeds the writer row by row, so a million
 * rows cost the same heap as a thousand.
 */
@Component
public class UsageExport {

    static final int FETCH = 1000;

    /** Which rows to export. */
    public enum Rows {
        RAW("""
                select created_at, request_id, key_id, team_id, model, backend, endpoint, status, outcome, streamed,
                       prompt_tokens, completion_tokens, cached_tokens, cost_micros, latency_ms, ttft_ms, billed_by,
                       audio_seconds, characters, images
                from usage_event_named where created_at >= ? and created_at < ?""", null),
        HOURLY("""
                select r.bucket, r.key_id, nullif(r.team_id, '00000000-0000-0000-0000-000000000000') as team_id,
                       m.name as model, o.name as outcome, r.requests, r.prompt_tokens, r.completion_tokens,
                       r.cached_tokens, r.cost_micros, r.errors, r.latency_ms_sum, r.unmetered,
                       coalesce(r.audio_seconds, 0) as audio_seconds, coalesce(r.characters, 0) as characters,
                       coalesce(r.images, 0) as images
                from usage_hourly r join usage_name m on m.id = r.model_id join usage_name o on o.id = r.outcome_id
                where r.bucket >= ? and r.bucket < ?""", "r.bucket"),
        DAILY("""
                select r.bucket, r.key_id, nullif(r.team_id, '00000000-0000-0000-0000-000000000000') as team_id,
                       m.name as model, o.name as outcome, r.requests, r.prompt_tokens, r.completion_tokens,
                       r.cached_tokens, r.cost_micros, r.errors, r.latency_ms_sum, r.unmetered,
                       coalesce(r.audio_seconds, 0) as audio_seconds, coalesce(r.characters, 0) as characters,
                       coalesce(r.images, 0) as images
                from usage_daily r join usage_name m on m.id = r.model_id join usage_name o on o.id = r.outcome_id
                where r.bucket >= (?::timestamptz at time zone 'UTC')::date
                  and r.bucket < ((?::timestamptz - interval '1 microsecond') at time zone 'UTC')::date + 1""",
                "r.bucket");

        private final String sql;
        /** Null for raw rows: sorting millions of them would hold back the first row; they come in partition order. */
        private final String orderBy;

        Rows(String sql, String orderBy) {
            this.sql = sql;
            this.orderBy = orderBy;
        }

        public static Rows parse(String text) {
            return valueOf(text.toUpperCase(Locale.ROOT));
        }
    }

    /** Output formats. */
    public enum Format {
        CSV("text/csv"), JSONL("application/x-ndjson");

        private final String contentType;

        Format(String contentType) {
            this.contentType = contentType;
        }

        public String contentType() {
            return contentType;
        }

        public static Format parse(String text) {
            return valueOf(text.toUpperCase(Locale.ROOT));
        }
    }

    private final DataSource dataSource;

    UsageExport(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** @return the number of rows written */
    public long export(Rows rows, Format format, UsageQueries.Filter filter, Writer out) throws IOException {
        var sql = new StringBuilder(rows.sql);
        List<Object> args = new ArrayList<>();
        args.add(Timestamp.from(filter.from()));
        args.add(Timestamp.from(filter.to()));
        if (filter.keyId() != null) {
            sql.append(" and key_id = ?");
            args.add(filter.keyId());
        }
        if (filter.teamId() != null) {
            sql.append(rows == Rows.RAW ? " and team_id = ?" : " and r.team_id = ?");
            args.add(filter.teamId());
        }
        if (filter.model() != null) {
            sql.append(rows == Rows.RAW ? " and model = ?" : " and m.name = ?");
            args.add(filter.model());
        }
        if (rows.orderBy != null) {
            sql.append(" order by ").append(rows.orderBy);
        }
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false); // PostgreSQL only streams with a cursor inside a transaction
            try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
                ps.setFetchSize(FETCH);
                for (int i = 0; i < args.size(); i++) {
                    ps.setObject(i + 1, args.get(i));
                }
                try (ResultSet rs = ps.executeQuery()) {
                    return write(rs, format, out);
                }
            } finally {
                c.rollback();
                c.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("usage export failed: " + e.getMessage(), e);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private static long write(ResultSet rs, Format format, Writer out) throws SQLException, IOException {
        ResultSetMetaData meta = rs.getMetaData();
        int columns = meta.getColumnCount();
        String[] names = new String[columns];
        for (int i = 0; i < columns; i++) {
            names[i] = meta.getColumnLabel(i + 1);
        }
        if (format == Format.CSV) {
            out.write(String.join(",", names));
            out.write('\n');
        }
        long count = 0;
        var line = new StringBuilder(256);
        while (rs.next()) {
            line.setLength(0);
            if (format == Format.JSONL) {
                line.append('{');
            }
            for (int i = 0; i < columns; i++) {
                Object value = rs.getObject(i + 1);
                String text = value instanceof Timestamp t ? t.toInstant().toString()
                        : value == null ? null : value.toString();
                if (format == Format.CSV) {
                    if (i > 0) {
                        line.append(',');
                    }
                    if (text != null) {
                        csv(line, text);
                    }
                } else {
                    if (i > 0) {
                        line.append(',');
                    }
                    line.append('"').append(names[i]).append("\":");
                    if (text == null) {
                        line.append("null");
                    } else if (value instanceof Number || value instanceof Boolean) {
                        line.append(text);
                    } else {
                        json(line, text);
                    }
                }
            }
            if (format == Format.JSONL) {
                line.append('}');
            }
            line.append('\n');
            out.append(line);
            count++;
        }
        out.flush();
        return count;
    }

    private static void csv(StringBuilder line, String text) {
        boolean quote = text.indexOf(',') >= 0 || text.indexOf('"') >= 0 || text.indexOf('\n') >= 0
                || text.indexOf('\r') >= 0;
        // cells starting with = + - @ are formulas to a spreadsheet: neutralise them
        boolean formula = !text.isEmpty() && "=+-@".indexOf(text.charAt(0)) >= 0 && !text.matches("-?[0-9.]+");
        if (!quote && !formula) {
            line.append(text);
            return;
        }
        line.append('"');
        if (formula) {
            line.append('\'');
        }
        line.append(text.replace("\"", "\"\"")).append('"');
    }

    private static void json(StringBuilder line, String text) {
        line.append('"');
        for (int i = 0; i < text.length(); i++) {
            char ch = text.charAt(i);
            switch (ch) {
                case '"' -> line.append("\\\"");
                case '\\' -> line.append("\\\\");
                case '\n' -> line.append("\\n");
                case '\r' -> line.append("\\r");
                case '\t' -> line.append("\\t");
                default -> {
                    if (ch < 0x20) {
                        line.append(String.format("\\u%04x", (int) ch));
                    } else {
                        line.append(ch);
                    }
                }
            }
        }
        line.append('"');
    }
}
