package io.portcullis.gateway.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.PortcullisApplication;
import io.portcullis.gateway.database.EmbeddedPostgresServer;
import io.portcullis.gateway.support.GatewayClient;
import io.portcullis.gateway.support.TestGateway;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.datasource.DelegatingDataSource;
import org.springframework.security.crypto.password.PasswordEncoder;
import tools.jackson.databind.JsonNode;

/**
 * The attacks on admin credentials of issue 15, against a gateway with production-like limits
 * whose database connections and password encoder count what each attack costs. Each attacker
 * comes from its own loopback address (127.0.0.x), as a remote client would.
 */
class AdminThrottleTest {

    static final int TOKEN_LIMIT = 30;
    static final int SIGN_IN_ADDRESS_LIMIT = 10;
    static final int SIGN_IN_ACCOUNT_LIMIT = 6;

    private static EmbeddedPostgresServer postgres;
    private static ConfigurableApplicationContext gateway;
    private static GatewayClient client;

    @BeforeAll
    static void start() {
        postgres = EmbeddedPostgresServer.ephemeral();
        var properties = TestGateway.properties();
        properties.put("spring.datasource.url", postgres.jdbcUrl());
        properties.put("spring.datasource.username", "postgres");
        properties.put("server.port", "0");
        properties.put("gateway.admin.throttle.token-failures-per-address", Integer.toString(TOKEN_LIMIT));
        properties.put("gateway.admin.throttle.sign-in-failures-per-address", Integer.toString(SIGN_IN_ADDRESS_LIMIT));
        properties.put("gateway.admin.throttle.sign-in-failures-per-account", Integer.toString(SIGN_IN_ACCOUNT_LIMIT));
        String[] args = properties.entrySet().stream().map(e -> "--" + e.getKey() + "=" + e.getValue())
                .toArray(String[]::new);
        gateway = new SpringApplicationBuilder(PortcullisApplication.class, Counting.class).run(args);
        client = new GatewayClient(Integer.parseInt(gateway.getEnvironment().getProperty("local.server.port")));
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
        if (postgres != null) {
            postgres.close();
        }
    }

    @Test
    void unknownBearerTokensCostAlmostNoQueriesAndTheAddressThenHears429ButALiveTokenStillWorks() {
        String live = AdminIdentities.token(client, "viewer");
        var attacker = from("127.0.0.2");
        int queriesBefore = Counting.tokenQueries.get();
        long started = System.nanoTime();

        var statuses = new ArrayList<Integer>();
        HttpResponse<String> last = null;
        for (int i = 0; i < 100; i++) {
            last = bearer(attacker, "gwadm-" + UUID.randomUUID() + UUID.randomUUID());
            statuses.add(last.statusCode());
        }

        long seconds = Duration.ofNanos(System.nanoTime() - started).toSeconds();
        // the set of live digests is read again at most once a second, whatever the attacker sends
        // (at least one: the set is read on the first miss, which shows the counter counts)
        assertThat(Counting.tokenQueries.get() - queriesBefore).isBetween(1, (int) seconds + 2);
        assertThat(statuses.subList(0, TOKEN_LIMIT)).containsOnly(401);
        assertThat(statuses.subList(TOKEN_LIMIT, 100)).containsOnly(429);
        assertThat(last.headers().firstValue("Retry-After")).isPresent();
        assertThat(GatewayClient.json(last).at("/error/code").stringValue()).isEqualTo("rate_limit_exceeded");
        // a live token (created a moment ago) is admitted from the throttled address
        assertThat(bearer(attacker, live).statusCode()).isEqualTo(200);
        // and another address was never throttled
        assertThat(bearer(from("127.0.0.12"), "gwadm-unknown-" + UUID.randomUUID()).statusCode()).isEqualTo(401);
        assertThat(audit("token.throttled")).anySatisfy(e -> assertThat(e.get("targetId").stringValue())
                .isEqualTo("127.0.0.2"));
    }

    @Test
    void signInsOverThePerAddressLimitAreRefusedWithoutABcrypt() {
        var account = AdminIdentities.account(client, "viewer");
        var attacker = from("127.0.0.3");
        int bcryptsAtFirst = Counting.bcrypts.get();
        for (int i = 0; i < SIGN_IN_ADDRESS_LIMIT; i++) {
            // different usernames, so neither the per-account rule nor a lock-out is what stops it
            new ConsoleSession(client, attacker).login("guess-" + i + "-" + UUID.randomUUID(), "wrong password");
        }
        int bcryptsBefore = Counting.bcrypts.get();
        assertThat(bcryptsBefore - bcryptsAtFirst).as("each failure within the limit costs one").isEqualTo(
                SIGN_IN_ADDRESS_LIMIT);

        for (int i = 0; i < 5; i++) {
            var refused = new ConsoleSession(client, attacker).login("guess-more-" + i, "wrong password");
            assertThat(refused.headers().firstValue("Location").orElseThrow()).endsWith("/admin/login.html?error");
        }
        var evenTheRightPassword = new ConsoleSession(client, attacker).login(account.username(),
                AdminIdentities.PASSWORD);

        assertThat(ConsoleSession.succeeded(evenTheRightPassword)).isFalse();
        assertThat(Counting.bcrypts.get()).isEqualTo(bcryptsBefore);
        assertThat(ConsoleSession.succeeded(new ConsoleSession(client, from("127.0.0.13"))
                .login(account.username(), AdminIdentities.PASSWORD))).isTrue();
        assertThat(audit("sign-in.throttled")).anySatisfy(e -> assertThat(e.get("targetId").stringValue())
                .isEqualTo("127.0.0.3"));
    }

    @Test
    void anAttackersFailuresFromOneAddressDoNotLockTheOwnerOutFromAnother() {
        var account = AdminIdentities.account(client, "operator");
        var attacker = from("127.0.0.4");
        for (int i = 0; i < SignInThrottle.FREE_FAILURES; i++) {
            new ConsoleSession(client, attacker).login(account.username(), "wrong password " + i);
        }
        int bcryptsBefore = Counting.bcrypts.get();
        assertThat(ConsoleSession.succeeded(new ConsoleSession(client, attacker).login(account.username(),
                AdminIdentities.PASSWORD))).as("the attacker's address is locked out").isFalse();
        assertThat(Counting.bcrypts.get()).as("a locked-out attempt costs no bcrypt").isEqualTo(bcryptsBefore);

        var owner = new ConsoleSession(client, from("127.0.0.5"));
        var login = owner.login(account.username(), AdminIdentities.PASSWORD);

        assertThat(ConsoleSession.succeeded(login)).isTrue();
        assertThat(owner.api("GET", "/admin/api/me", null).statusCode()).isEqualTo(200);
        var entries = auditOf(account.id());
        assertThat(entries).filteredOn(e -> e.get("action").stringValue().equals("sign-in.failed"))
                .hasSize(SignInThrottle.FREE_FAILURES)
                .allSatisfy(e -> assertThat(e.at("/after/address").stringValue()).isEqualTo("127.0.0.4"))
                .allSatisfy(e -> assertThat(e.at("/after/reason").stringValue()).isEqualTo("wrong-password"));
        assertThat(entries).filteredOn(e -> e.get("action").stringValue().equals("account.lock")).singleElement()
                .satisfies(e -> assertThat(e.at("/after/address").stringValue()).isEqualTo("127.0.0.4"));
        assertThat(entries).filteredOn(e -> e.get("action").stringValue().equals("sign-in")).singleElement()
                .satisfies(e -> {
                    assertThat(e.at("/after/address").stringValue()).isEqualTo("127.0.0.5");
                    assertThat(e.get("actor").stringValue()).isEqualTo(account.username());
                });
    }

    @Test
    void theAccountThrottleRefusesAddressesThatFailedAgainstItButHearsOthers() {
        var account = AdminIdentities.account(client, "viewer");
        var first = from("127.0.0.6");
        var second = from("127.0.0.7");
        for (int i = 0; i < SIGN_IN_ACCOUNT_LIMIT / 2; i++) {
            new ConsoleSession(client, first).login(account.username(), "wrong password " + i);
            new ConsoleSession(client, second).login(account.username(), "wrong password " + i);
        }
        int bcryptsBefore = Counting.bcrypts.get();

        assertThat(ConsoleSession.succeeded(new ConsoleSession(client, first).login(account.username(),
                AdminIdentities.PASSWORD))).isFalse();
        assertThat(Counting.bcrypts.get()).isEqualTo(bcryptsBefore);
        assertThat(ConsoleSession.succeeded(new ConsoleSession(client, from("127.0.0.8")).login(account.username(),
                AdminIdentities.PASSWORD))).isTrue();
        assertThat(auditOf(account.username())).extracting(e -> e.get("action").stringValue())
                .contains("sign-in.throttled");
    }

    private static List<JsonNode> audit(String action) {
        var matching = new ArrayList<JsonNode>();
        GatewayClient.json(client.admin("GET", "/admin/api/audit?limit=1000", null)).get("data").forEach(e -> {
            if (e.get("action").stringValue().equals(action)) {
                matching.add(e);
            }
        });
        return matching;
    }

    private static List<JsonNode> auditOf(String targetId) {
        var matching = new ArrayList<JsonNode>();
        GatewayClient.json(client.admin("GET", "/admin/api/audit?limit=1000", null)).get("data").forEach(e -> {
            if (targetId.equals(e.get("targetId").stringValue())) {
                matching.add(e);
            }
        });
        return matching;
    }

    private static HttpResponse<String> bearer(HttpClient http, String token) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(client.base() + "/admin/api/keys"))
                    .header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(30)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** An HTTP client whose connections come from {@code address}: the gateway sees it as the client's address. */
    private static HttpClient from(String address) {
        try {
            return HttpClient.newBuilder().localAddress(InetAddress.getByName(address))
                    .connectTimeout(Duration.ofSeconds(5)).build();
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Counts statements that read {@code admin_token} and password checks, without changing either. */
    @Configuration(proxyBeanMethods = false)
    static class Counting {

        static final AtomicInteger tokenQueries = new AtomicInteger();
        static final AtomicInteger bcrypts = new AtomicInteger();

        @Bean
        static BeanPostProcessor countingDecorators() {
            return new BeanPostProcessor() {
                @Override
                public Object postProcessAfterInitialization(Object bean, String name) {
                    if (bean instanceof DataSource dataSource && !(bean instanceof CountingDataSource)) {
                        return new CountingDataSource(dataSource);
                    }
                    if (bean instanceof PasswordEncoder encoder) {
                        return new PasswordEncoder() {
                            @Override
                            public String encode(CharSequence raw) {
                                return encoder.encode(raw);
                            }

                            @Override
                            public boolean matches(CharSequence raw, String encoded) {
                                bcrypts.incrementAndGet();
                                return encoder.matches(raw, encoded);
                            }

                            @Override
                            public boolean upgradeEncoding(String encoded) {
                                return encoder.upgradeEncoding(encoded);
                            }
                        };
                    }
                    return bean;
                }
            };
        }
    }

    static final class CountingDataSource extends DelegatingDataSource {
        CountingDataSource(DataSource target) {
            super(target);
        }

        @Override
        public Connection getConnection() throws java.sql.SQLException {
            return counting(super.getConnection());
        }

        @Override
        public Connection getConnection(String username, String password) throws java.sql.SQLException {
            return counting(super.getConnection(username, password));
        }

        private static Connection counting(Connection connection) {
            return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(),
                    new Class<?>[] {Connection.class}, (proxy, method, args) -> {
                        if ((method.getName().equals("prepareStatement") || method.getName().equals("prepareCall"))
                                && args != null && args[0] instanceof String sql && sql.contains("from admin_token")) {
                            Counting.tokenQueries.incrementAndGet();
                        }
                        try {
                            return method.invoke(connection, args);
                        } catch (InvocationTargetException e) {
                            throw e.getCause();
                        }
                    });
        }
    }
}
