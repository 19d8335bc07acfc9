package io.portcullis.gateway.usage;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.support.GatewayIntegrationTest;
import java.sql.Connection;
import java.sql.Statement;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The Requests page's query on a ledger of a few hundred thousand rows: PostgreSQL prunes to the
 * window's daily partitions and walks {@code usage_event_recent_idx} backwards, stopping after the
 * page, instead of reading and sorting the window. Rows are written and analysed in a transaction
 * that is rolled back, so no other test sees them.
 */
class RecentRequestQueriesPlanTest extends GatewayIntegrationTest {

    private static final int ROWS = 300_000;
    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyyMMdd");

    @Autowired
    DataSource dataSource;

    @Test
    void aPageOfTheLastDayReadsTheNewestRowsByIndexFromTwoPartitionsOnly() throws Exception {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                // Spread over the last 36 hours: yesterday's and today's partitions (UsagePartitions made them).
                st.execute("insert into usage_event (created_at, cost_micros, id, key_id, team_id, prompt_tokens,"
                        + " completion_tokens, cached_tokens, latency_ms, model_id, endpoint_id, status, outcome_id,"
                        + " streamed) select now() - (i * interval '36 hours' / " + ROWS + "), 1, gen_random_uuid(),"
                        + " gen_random_uuid(), null, 1, 1, 0, 10, 0, 0, 200, 0, false"
                        + " from generate_series(1, " + ROWS + ") i");
                st.execute("analyze usage_event");
                String where = "e.created_at >= now() - interval '24 hours' and e.created_at < now()"
                        + " and e.created_at <= now() - interval '1 hour'"
                        + " and (e.created_at, e.id) < (now() - interval '1 hour', '" + UUID.randomUUID() + "')";
                String sql = RecentRequestQueries.sql(where).replace("limit ?", "limit 51");
                List<String> plan = new ArrayList<>();
                try (var rs = st.executeQuery("explain (analyze, buffers, costs off, timing off) " + sql)) {
                    while (rs.next()) {
                        plan.add(rs.getString(1));
                    }
                }
                String text = String.join("\n", plan);
                LocalDate today = LocalDate.now(ZoneOffset.UTC);

                assertThat(text).as(text).contains("Index Scan Backward using usage_event_p");
                assertThat(text).as("no sort of the window's rows: only the 51 joined rows are ordered")
                        .doesNotContain("Sort Method: external").doesNotContainPattern("Sort Method: top-N");
                assertThat(text).as("pruned to the window").doesNotContain("usage_event_default")
                        .doesNotContain("usage_event_p" + today.minusDays(2).format(DAY))
                        .doesNotContain("usage_event_p" + today.plusDays(1).format(DAY));
                long read = plan.stream().filter(l -> l.contains("rows=")).filter(l -> l.contains("Index Scan"))
                        .mapToLong(l -> Long.parseLong(l.replaceAll(".*actual rows=(\\d+).*", "$1"))).sum();
                assertThat(read).as("rows read from the index, of " + ROWS + "\n" + text).isLessThan(200);
            } finally {
                c.rollback();
                c.setAutoCommit(true);
            }
        }
    }
}
