package io.portcullis.gateway.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.database.EmbeddedPostgresServer;
import io.portcullis.gateway.support.GatewayClient;
import io.portcullis.gateway.support.StandaloneGateway;
import java.time.Duration;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;
import tools.jackson.databind.JsonNode;

/**
 * The key list stays fast with a million keys: a gateway on its own database filled with
 * 1,000,000 generated rows. Each page must come back (whole HTTP round trip, best of three) in
 * under 200 ms; on the project machines they take 10-60 ms. The numbers are printed for the record.
 */
class MillionKeyListingTest {

    static final int KEYS = 1_000_000;
    static final Duration PAGE_LIMIT = Duration.ofMillis(200);

    static EmbeddedPostgresServer postgres;
    static StandaloneGateway gateway;
    static GatewayClient client;
    /**
     * A team holding the oldest tenth of the keys: listed newest first, its first page sits behind
     * 900,000 newer keys of other teams, the trap for a plan that walks the creation-time index.
     */
    static String bigTeam;

    @BeforeAll
    static void fillTheTable() {
        postgres = EmbeddedPostgresServer.ephemeral();
        gateway = StandaloneGateway.start(postgres.jdbcUrl(), Map.of());
        client = gateway.client();
        var team = client.admin("POST", "/admin/api/teams", "{\"name\":\"big\"}");
        assertThat(team.statusCode()).as(team.body()).isEqualTo(201);
        bigTeam = GatewayClient.json(team).get("id").stringValue();
        var jdbc = gateway.context().getBean(JdbcTemplate.class);
        jdbc.update("""
                insert into api_key (id, public_id, secret_hash, name, team_id, models, created_at, updated_at)
                select gen_random_uuid(), 'bulk' || lpad(i::text, 8, '0'), sha256(i::text::bytea),
                       'bulk key ' || i, case when i > ? then ?::uuid end, '{}', now() - make_interval(secs => i), now()
                from generate_series(1, ?) as i""", KEYS - KEYS / 10, bigTeam, KEYS);
        jdbc.execute("analyze api_key");
    }

    @AfterAll
    static void stop() {
        gateway.close();
        postgres.close();
    }

    /** Best of three, so one hiccup of a shared machine does not decide; returns the answer. */
    static JsonNode timed(String what, String path, Duration limit) {
        long best = Long.MAX_VALUE;
        JsonNode answer = null;
        for (int i = 0; i < 3; i++) {
            long start = System.nanoTime();
            var response = client.admin("GET", path, null);
            long took = System.nanoTime() - start;
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            answer = GatewayClient.json(response);
            best = Math.min(best, took);
        }
        System.out.printf("%s with %,d keys: %d ms%n", what, KEYS, Duration.ofNanos(best).toMillis());
        assertThat(Duration.ofNanos(best)).as(what).isLessThan(limit);
        return answer;
    }

    @Test
    void listsTheFirstPageQuickly() {
        JsonNode page = timed("first page", "/admin/api/keys?limit=50", PAGE_LIMIT);
        assertThat(page.get("data")).hasSize(50);
        assertThat(page.at("/data/0/name").stringValue()).isEqualTo("bulk key 1");
    }

    @Test
    void listsAPageFarDownQuickly() {
        String cursor = client.admin("GET", "/admin/api/keys?limit=500", null).body();
        String next = GatewayClient.JSON.readTree(cursor).get("nextCursor").stringValue();
        JsonNode page = timed("page after a cursor", "/admin/api/keys?limit=50&cursor=" + next, PAGE_LIMIT);
        assertThat(page.at("/data/0/name").stringValue()).isEqualTo("bulk key 501");
    }

    @Test
    void findsAKeyByItsPrefixQuickly() {
        JsonNode page = timed("search by prefix", "/admin/api/keys?limit=50&q=gw-bulk00777777", PAGE_LIMIT);
        assertThat(page.get("data")).hasSize(1);
        assertThat(page.at("/data/0/name").stringValue()).isEqualTo("bulk key 777777");
    }

    @Test
    void listsTheKeysOfATeamOfAHundredThousandOldKeysQuickly() {
        JsonNode page = timed("an old team's first page", "/admin/api/keys?limit=50&teamId=" + bigTeam, PAGE_LIMIT);
        assertThat(page.get("data")).hasSize(50);
        assertThat(page.at("/data/0/name").stringValue()).isEqualTo("bulk key 900001");
        String next = page.get("nextCursor").stringValue();
        JsonNode second = timed("an old team's next page", "/admin/api/keys?limit=50&teamId=" + bigTeam + "&cursor=" + next,
                PAGE_LIMIT);
        assertThat(second.at("/data/0/name").stringValue()).isEqualTo("bulk key 900051");
    }

    @Test
    void findsARareNameQuickly() {
        JsonNode page = timed("search by a rare name", "/admin/api/keys?limit=50&q=bulk%20key%20999999", PAGE_LIMIT);
        assertThat(page.get("data")).hasSize(1);
    }
}
