package io.portcullis.gateway.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.support.GatewayClient;
import io.portcullis.gateway.support.GatewayIntegrationTest;
import io.portcullis.gateway.support.TestGateway;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The admin API under a hostile operator's inputs, over every write endpoint (keys, teams,
 * accounts, tokens; backends only through the body parsing they share): control characters in
 * every string field, numbers beyond a {@code double} or a {@code long}, exotic content types and
 * body shapes, extreme dates, and values that pass one parser but not another. Never a 5xx; a
 * refusal is a 4xx in the contract's shape naming the field; and whatever is accepted reads back
 * exactly as the answer to the write showed it. The random part is seeded, so a failure replays.
 */
class AdminFuzzTest extends GatewayIntegrationTest {

    private static final long SEED = 20261206L;
    /** Each written as a JSON escape inside a value: controls, DEL, C1, lone and reversed surrogates. */
    private static final String[] HOSTILE = {"\\u0000", "\\u0001", "\\t", "\\n", "\\r", "\\u001b", "\\u007f",
            "\\u0085", "\\u009f", "\\ud800", "\\udfff", "\\udc00\\ud800"};
    private static final String[] LIMITS = {"requestsPerMinute", "tokensPerMinute", "tokensPerDay", "tokensPerMonth",
            "maxTokensPerRequest", "maxConcurrentRequests"};
    private static final List<String> NUMBERS = List.of("1", "60", "1000000", "1000000000", "1000000001",
            "1000000000000000", "1000000000000001", "0", "-1", "1e400", "-1e400", "12345678901234567890", "10.0", "1e1",
            "\"10\"", "true", "null", "[]", "{}", "1.5", "9223372036854775807", "9223372036854775808", "-0", "1e-400");
    private static final List<String> SPENDS = List.of("0", "0.1", "\"0.1\"", "999999999.999999", "1000000000",
            "1000000000.000001", "1e400", "-1e400", "\"1e400\"", "0.0000001", "1e-7", "\"NaN\"", "\"Infinity\"",
            "12345678901234567890", "1E+2", "\" 5\"", "-0.0", "10.000000000", "\"1e-999999999\"", "1e999999999");
    private static final List<String> DATES = List.of("\"2030-01-01T00:00:00Z\"", "\"2030-01-01T00:00:00+14:00\"",
            "\"2030-01-01T00:00:00.123456789Z\"", "\"+999999999-12-31T23:59:59Z\"", "\"0000-01-01T00:00:00Z\"",
            "\"2024-13-45\"", "\"-000001-01-01T00:00:00Z\"", "\"1999-12-31T23:59:59Z\"", "\"9999-12-30T00:00:00Z\"",
            "\"9999-12-31T00:00:01Z\"", "\"2030-01-01T00:00:00\"", "\"2030-01-01\"", "\"2030-02-30T00:00:00Z\"",
            "\"2030-01-01T24:00:00Z\"", "1893456000", "\"2001-01-01T00:00:00Z\"", "\"+10000-01-01T00:00:00Z\"",
            "\"2030-01-01T00:00:00+25:00\"", "null");
    private static final List<String> TEXTS = List.of("ci bot", "  padded  ", "ünïcödé", "emoji 😀", "a".repeat(200),
            "a".repeat(201), "", "   ", "rtl \u202e", "zero\u200bwidth", "\\\\u0000 literal", "quote\\\"s", "%_like",
            "fake-chat", "fake-embed", "secret", "(?i)project x", "(oops", "p".repeat(1000), "p".repeat(1001),
            "[\\\\x00-\\\\x1f]", "\\\\p{L}+", "10.0.0.0/8", "::/0", "10.0.0.0/99", "1.2.3.4", "text", "image", "smell",
            "TEXT");
    private static final List<String> CONTENT_TYPES = List.of("*/*", "application/*", "application/json; charset=bogus",
            "application/json; charset=latin1", "application/json; charset=utf-16", "text/plain",
            "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "garbage", "application/json; charset=\"utf-16\"",
            "");
    private static final List<String> BODIES = List.of("", "   ", "[]", "42", "\"x\"", "null", "true",
            "{\"name\":\"a\",\"name\":\"b\"}", "{\"limits\":{\"tokensPerDay\":1,\"tokensPerDay\":2}}", "{} {}", "{",
            "[".repeat(10_000), "{\"name\":\"a\"}garbage");

    private String keyId;
    private String teamId;
    private String accountId;

    @BeforeEach
    void targets() {
        keyId = client.createKey("{\"name\":\"fuzz target\"}").id();
        teamId = created(client.admin("POST", "/admin/api/teams", "{\"name\":\"fuzz " + System.nanoTime() + "\"}"));
        accountId = created(client.admin("POST", "/admin/api/accounts", "{\"username\":\"fuzz" + System.nanoTime()
                + "\",\"password\":\"correct horse battery\",\"role\":\"viewer\"}"));
    }

    /** Each case: method, path, a body with one value replaced by %s, the param the 400 must name. */
    private List<String[]> stringFields() {
        String k = "/admin/api/keys";
        String t = "/admin/api/teams";
        return List.of(
                new String[] {"POST", k, "{\"name\":\"a%sb\"}", "name"},
                new String[] {"POST", k, "{\"name\":\"n\",\"models\":[\"a%sb\"]}", "models"},
                new String[] {"POST", k, "{\"name\":\"n\",\"teamId\":\"a%sb\"}", "teamId"},
                new String[] {"POST", k, "{\"name\":\"n\",\"expiresAt\":\"2030-01-01T00:00:00Z%s\"}", "expiresAt"},
                new String[] {"POST", k, "{\"name\":\"n\",\"policy\":{\"modalities\":[\"te%sxt\"]}}", "policy.modalities"},
                new String[] {"POST", k, "{\"name\":\"n\",\"policy\":{\"allowedCidrs\":[\"10.0.0.0/8%s\"]}}",
                        "policy.allowedCidrs"},
                new String[] {"POST", k, "{\"name\":\"n\",\"policy\":{\"denyPatterns\":[\"a%sb\"]}}", "policy.denyPatterns"},
                new String[] {"PATCH", k + "/" + keyId, "{\"name\":\"a%sb\"}", "name"},
                new String[] {"PATCH", k + "/" + keyId, "{\"models\":[\"a%sb\"]}", "models"},
                new String[] {"GET", k + "?q=", "a%sb", "q"},
                new String[] {"POST", t, "{\"name\":\"a%sb\"}", "name"},
                new String[] {"POST", t, "{\"name\":\"n\",\"policy\":{\"models\":[\"a%sb\"]}}", "policy.models"},
                new String[] {"PATCH", t + "/" + teamId, "{\"policy\":{\"denyPatterns\":[\"a%sb\"]}}", "policy.denyPatterns"},
                new String[] {"POST", "/admin/api/accounts", "{\"username\":\"a%sb\",\"password\":\"correct horse battery\","
                        + "\"role\":\"viewer\"}", "username"},
                new String[] {"POST", "/admin/api/accounts", "{\"username\":\"ctl" + System.nanoTime()
                        + "\",\"password\":\"correct horse%sbattery\",\"role\":\"viewer\"}", "password"},
                new String[] {"PATCH", "/admin/api/accounts/" + accountId, "{\"role\":\"vie%swer\"}", "role"},
                new String[] {"POST", "/admin/api/tokens", "{\"name\":\"a%sb\",\"accountId\":\"" + accountId + "\"}", "name"},
                new String[] {"GET", "/admin/api/usage?model=", "a%sb", "model"});
    }

    @Test
    void controlCharactersAndLoneSurrogatesInEveryStringFieldAreRefusedNamingTheField() {
        for (String[] field : stringFields()) {
            for (String hostile : HOSTILE) {
                if (field[0].equals("GET") && hostile.contains("\\ud")) {
                    continue; // a lone surrogate has no UTF-8 form to put in a URL
                }
                var answer = field[0].equals("GET")
                        ? send("GET", field[1] + java.net.URLEncoder.encode(unescape(field[2].formatted(hostile)),
                                StandardCharsets.UTF_8), null, null)
                        : send(field[0], field[1], "application/json", field[2].formatted(hostile));
                assertThat(answer.statusCode()).as(field[1] + " " + field[2] + " " + hostile + ": " + answer.body())
                        .isEqualTo(400);
                assertThat(GatewayClient.json(answer).at("/error/param").stringValue()).as(answer.body())
                        .isEqualTo(field[3]);
            }
        }
        // backends share only the parsing: whatever their rules, a NUL in a string is never a 5xx
        assertContract(send("POST", "/admin/api/backends", "application/json",
                "{\"name\":\"a\\u0000b\",\"baseUrl\":\"http://127.0.0.1:9/\\u0000\"}"));
    }

    @Test
    void numbersBeyondALongOrADoubleAndNumbersInDisguiseAreRefusedNamingTheLimit() {
        for (String path : List.of("/admin/api/keys", "/admin/api/teams")) {
            for (String limit : LIMITS) {
                for (String number : List.of("1e400", "-1e400", "12345678901234567890", "1e-400", "10.0", "1e1", "\"10\"",
                        "0", "-1", "1000000000000000001", "true", "[]", "{}")) {
                    var answer = send("POST", path, "application/json",
                            "{\"name\":\"n" + System.nanoTime() + "\",\"limits\":{\"" + limit + "\":" + number + "}}");
                    assertThat(answer.statusCode()).as(limit + "=" + number + ": " + answer.body()).isEqualTo(400);
                    assertThat(GatewayClient.json(answer).at("/error/param").stringValue()).isEqualTo("limits." + limit);
                }
            }
            for (String spend : List.of("1e400", "-1e400", "\"1e400\"", "12345678901234567890", "1000000000.000001",
                    "0.0000001", "\"NaN\"", "\"Infinity\"", "\" 5\"", "-0.000001", "true", "\"1e-999999999\"")) {
                var answer = send("POST", path, "application/json", "{\"name\":\"n" + System.nanoTime()
                        + "\",\"limits\":{\"spendPerMonthUsd\":" + spend + "}}");
                assertThat(answer.statusCode()).as("spend " + spend + ": " + answer.body()).isEqualTo(400);
                assertThat(GatewayClient.json(answer).at("/error/param").stringValue())
                        .isEqualTo("limits.spendPerMonthUsd");
            }
        }
    }

    @Test
    void exactDecimalsAndTheLargestLimitsAreAcceptedAndReadBackUnchanged() {
        String[][] spends = {{"0.1", "0.100000"}, {"\"0.1\"", "0.100000"}, {"999999999.999999", "999999999.999999"},
                {"1000000000", "1000000000.000000"}, {"1E+2", "100.000000"}, {"10.000000000", "10.000000"}};
        for (String[] spend : spends) {
            var answer = send("POST", "/admin/api/keys", "application/json",
                    "{\"name\":\"spend\",\"limits\":{\"spendPerMonthUsd\":" + spend[0] + "}}");
            assertThat(answer.statusCode()).as(spend[0] + ": " + answer.body()).isEqualTo(201);
            var read = readBack("/admin/api/keys/", answer);
            assertThat(read.at("/limits/spendPerMonthUsd").stringValue()).isEqualTo(spend[1]);
        }
        var largest = send("POST", "/admin/api/keys", "application/json", "{\"name\":\"largest\",\"limits\":{"
                + "\"requestsPerMinute\":1000000000,\"tokensPerMinute\":1000000000,\"tokensPerDay\":1000000000000000,"
                + "\"tokensPerMonth\":1000000000000000,\"maxTokensPerRequest\":1000000000,"
                + "\"maxConcurrentRequests\":1000000}}");
        assertThat(largest.statusCode()).as(largest.body()).isEqualTo(201);
        assertThat(readBack("/admin/api/keys/", largest).at("/limits/tokensPerDay").longValue())
                .isEqualTo(1_000_000_000_000_000L);
    }

    @Test
    void extremeAndMalformedDatesAreRefusedAndAnOffsetIsNormalised() {
        for (String date : DATES) {
            if (date.equals("\"2030-01-01T00:00:00Z\"") || date.equals("\"2030-01-01T00:00:00+14:00\"")
                    || date.equals("\"2030-01-01T00:00:00.123456789Z\"") || date.equals("\"9999-12-30T00:00:00Z\"")
                    || date.equals("null")) {
                var accepted = send("POST", "/admin/api/keys", "application/json",
                        "{\"name\":\"dated\",\"expiresAt\":" + date + "}");
                assertThat(accepted.statusCode()).as(date + ": " + accepted.body()).isEqualTo(201);
                readBack("/admin/api/keys/", accepted);
                continue;
            }
            var answer = send("POST", "/admin/api/keys", "application/json", "{\"name\":\"n\",\"expiresAt\":" + date + "}");
            assertThat(answer.statusCode()).as(date + ": " + answer.body()).isEqualTo(400);
            assertThat(GatewayClient.json(answer).at("/error/param").stringValue()).isEqualTo("expiresAt");
        }
        for (String param : List.of("+999999999-12-31T23:59:59Z", "0000-01-01", "2024-13-45", "1999-12-31",
                "-000001-01-01T00:00:00Z", "2030-01-01T00:00:00")) {
            var answer = send("GET", "/admin/api/usage?from=" + java.net.URLEncoder.encode(param, StandardCharsets.UTF_8),
                    null, null);
            assertThat(answer.statusCode()).as(param + ": " + answer.body()).isEqualTo(400);
            assertThat(GatewayClient.json(answer).at("/error/param").stringValue()).isEqualTo("from");
        }
        var offset = send("POST", "/admin/api/keys", "application/json",
                "{\"name\":\"offset\",\"expiresAt\":\"2030-01-01T00:00:00+14:00\"}");
        assertThat(GatewayClient.json(offset).get("expiresAt").stringValue()).isEqualTo("2029-12-31T10:00:00Z");
    }

    @Test
    void exoticContentTypesAndBodyShapesGetA4xxInTheContractShapeOnEveryWriteEndpoint() {
        List<String[]> endpoints = List.of(new String[] {"POST", "/admin/api/keys"},
                new String[] {"PATCH", "/admin/api/keys/" + keyId}, new String[] {"POST", "/admin/api/teams"},
                new String[] {"PATCH", "/admin/api/teams/" + teamId}, new String[] {"POST", "/admin/api/accounts"},
                new String[] {"PATCH", "/admin/api/accounts/" + accountId}, new String[] {"POST", "/admin/api/tokens"},
                new String[] {"POST", "/admin/api/backends"}, new String[] {"PUT", "/admin/api/backends/fuzz"});
        for (String[] endpoint : endpoints) {
            for (String type : CONTENT_TYPES) {
                var answer = send(endpoint[0], endpoint[1], type, "{\"name\":\"ct\"}");
                assertThat(answer.statusCode()).as(endpoint[1] + " " + type + ": " + answer.body()).isIn(400, 404, 415);
                assertContract(answer);
            }
            for (String body : BODIES) {
                var answer = send(endpoint[0], endpoint[1], "application/json", body);
                assertThat(answer.statusCode()).as(endpoint[1] + " " + body + ": " + answer.body()).isIn(400, 404);
                assertContract(answer);
            }
            // an overlong NUL (C0 80) and a CESU-8 surrogate (ED A0 80): not UTF-8, or not storable
            for (byte[] bad : List.of(new byte[] {(byte) 0xC0, (byte) 0x80}, new byte[] {(byte) 0xED, (byte) 0xA0,
                    (byte) 0x80})) {
                String value = "\"a" + new String(bad, StandardCharsets.ISO_8859_1) + "b\"";
                byte[] body = ("{\"name\":" + value + ",\"role\":" + value + ",\"username\":" + value + "}")
                        .getBytes(StandardCharsets.ISO_8859_1);
                var answer = send(endpoint[0], endpoint[1], "application/json", body);
                assertThat(answer.statusCode()).as(endpoint[1] + ": " + answer.body()).isIn(400, 404);
                assertContract(answer);
            }
        }
    }

    @Test
    void valuesThatPassOneParserButNotAnotherAreRefusedOrReadBackExactly() {
        String k = "/admin/api/keys";
        assertParam(send("POST", k, "application/json", "{\"name\":\"dup\",\"name\":\"other\"}"), null);
        assertParam(send("POST", k, "application/json", "{\"name\":\"n\",\"limits\":{\"tokensPerDay\":\"10\"}}"),
                "limits.tokensPerDay");
        assertParam(send("POST", k, "application/json", "{\"name\":\"n\",\"policy\":{\"denyPatterns\":[\""
                + "a".repeat(1001) + "\"]}}"), "policy.denyPatterns");
        assertParam(send("POST", k, "application/json", "{\"name\":\"n\",\"models\":[\"\\ud83d\"]}"), "models");
        assertParam(send("POST", "/admin/api/accounts", "application/json", "{\"username\":\"long" + System.nanoTime()
                + "\",\"password\":\"" + "é".repeat(37) + "\",\"role\":\"viewer\"}"), "password");
        for (String pattern : List.of("a".repeat(1000), "\\\\u0000", "[\\\\x00-\\\\x1f]", "😀+")) {
            var accepted = send("POST", k, "application/json", "{\"name\":\"pattern\",\"policy\":{\"denyPatterns\":[\""
                    + pattern + "\"]}}");
            assertThat(accepted.statusCode()).as(pattern + ": " + accepted.body()).isEqualTo(201);
            assertThat(readBack(k + "/", accepted).at("/policy/denyPatterns/0").stringValue())
                    .isEqualTo(unescape(pattern));
        }
    }

    @Test
    void seededRandomAdminBodiesNeverGetA5xxAndWhatIsAcceptedReadsBackIdentically() {
        var random = new Random(SEED);
        var failures = new ArrayList<String>();
        for (int i = 0; i < 600 && failures.size() < 5; i++) {
            String[] target = switch (random.nextInt(4)) {
                case 0 -> new String[] {"POST", "/admin/api/keys", "/admin/api/keys/"};
                case 1 -> new String[] {"PATCH", "/admin/api/keys/" + keyId, "/admin/api/keys/"};
                case 2 -> new String[] {"POST", "/admin/api/teams", "/admin/api/teams/"};
                default -> new String[] {"PATCH", "/admin/api/teams/" + teamId, "/admin/api/teams/"};
            };
            boolean team = target[1].startsWith("/admin/api/teams");
            String body = randomBody(random, team, target[0].equals("POST"));
            String type = random.nextInt(10) == 0 ? CONTENT_TYPES.get(random.nextInt(CONTENT_TYPES.size()))
                    : "application/json";
            var answer = send(target[0], target[1], type, body);
            String problem = answer.statusCode() >= 500 ? "status " + answer.statusCode()
                    : answer.statusCode() >= 400 && !answer.body().startsWith("{\"error\":{") ? "not the contract shape"
                    : null;
            if (problem == null && answer.statusCode() < 300) {
                JsonNode wrote = GatewayClient.json(answer);
                JsonNode read = GatewayClient.json(client.admin("GET", target[2] + wrote.get("id").stringValue(), null));
                for (String field : List.of("name", "teamId", "models", "limits", "policy", "expiresAt")) {
                    if (wrote.has(field) && !wrote.get(field).equals(read.get(field))) {
                        problem = field + " reads back as " + read.get(field) + " after " + wrote.get(field);
                    }
                }
            }
            if (problem != null) {
                failures.add("#" + i + " " + target[0] + " " + target[1] + " " + type + " " + problem + " for " + body
                        + " -> " + answer.body());
            }
        }
        assertThat(failures).isEmpty();
    }

    private static String randomBody(Random random, boolean team, boolean create) {
        var fields = new ArrayList<String>();
        if (create ? random.nextInt(10) > 0 : random.nextBoolean()) {
            // team names are unique: a suffix keeps most of them from colliding
            fields.add("\"name\":" + (random.nextInt(4) == 0 ? pick(random, NUMBERS)
                    : "\"" + textValue(random) + (team ? " " + random.nextInt(1_000_000) : "") + "\""));
        }
        if (random.nextBoolean()) {
            var limits = new ArrayList<String>();
            for (int n = random.nextInt(4); n > 0; n--) {
                limits.add(random.nextInt(5) == 0 ? "\"spendPerMonthUsd\":" + pick(random, SPENDS)
                        : "\"" + LIMITS[random.nextInt(LIMITS.length)] + "\":" + pick(random, NUMBERS));
            }
            fields.add("\"limits\":{" + String.join(",", limits) + "}");
        }
        if (random.nextBoolean()) {
            var policy = new ArrayList<String>();
            for (String list : team ? List.of("models", "modalities", "allowedCidrs", "denyPatterns")
                    : List.of("modalities", "allowedCidrs", "denyPatterns")) {
                if (random.nextBoolean()) {
                    policy.add("\"" + list + "\":" + textList(random));
                }
            }
            fields.add("\"policy\":{" + String.join(",", policy) + "}");
        }
        if (!team && random.nextBoolean()) {
            fields.add("\"models\":" + textList(random));
        }
        if (!team && random.nextBoolean()) {
            fields.add("\"expiresAt\":" + pick(random, DATES));
        }
        return "{" + String.join(",", fields) + "}";
    }

    private static String textList(Random random) {
        var items = new ArrayList<String>();
        for (int n = random.nextInt(4); n > 0; n--) {
            items.add(text(random));
        }
        return "[" + String.join(",", items) + "]";
    }

    private static String text(Random random) {
        return "\"" + textValue(random) + "\"";
    }

    /** A JSON string's content: a value from the pool, sometimes with a hostile character inside. */
    private static String textValue(Random random) {
        String value = pick(random, TEXTS);
        if (random.nextInt(5) == 0) {
            int at = random.nextInt(value.length() + 1); // inside an escape it makes invalid JSON: also fine
            value = value.substring(0, at) + HOSTILE[random.nextInt(HOSTILE.length)] + value.substring(at);
        }
        return value;
    }

    private static String pick(Random random, List<String> pool) {
        return pool.get(random.nextInt(pool.size()));
    }

    private JsonNode readBack(String path, HttpResponse<String> written) {
        JsonNode wrote = GatewayClient.json(written);
        JsonNode read = GatewayClient.json(client.admin("GET", path + wrote.get("id").stringValue(), null));
        for (String field : List.of("name", "teamId", "models", "limits", "policy", "expiresAt")) {
            assertThat(read.get(field)).as(field).isEqualTo(wrote.get(field));
        }
        return read;
    }

    private static void assertParam(HttpResponse<String> answer, String param) {
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(400);
        JsonNode error = GatewayClient.json(answer).get("error");
        assertThat(error.get("param").isNull() ? null : error.get("param").stringValue()).isEqualTo(param);
    }

    private static void assertContract(HttpResponse<String> answer) {
        assertThat(answer.statusCode()).as(answer.body()).isBetween(400, 499);
        assertThat(answer.headers().firstValue("content-type").orElse("")).startsWith("application/json");
        assertThat(answer.body()).startsWith("{\"error\":{").doesNotContain("Exception");
    }

    private HttpResponse<String> send(String method, String path, String contentType, Object body) {
        byte[] bytes = body == null ? new byte[0]
                : body instanceof byte[] raw ? raw : ((String) body).getBytes(StandardCharsets.UTF_8);
        var builder = HttpRequest.newBuilder(URI.create(client.base() + path)).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + TestGateway.ADMIN_TOKEN)
                .method(method, HttpRequest.BodyPublishers.ofByteArray(bytes));
        if (contentType != null && !contentType.isEmpty()) {
            builder.header("Content-Type", contentType);
        }
        return client.send(builder.build());
    }

    private static String created(HttpResponse<String> answer) {
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(201);
        return GatewayClient.json(answer).get("id").stringValue();
    }

    /** What a JSON string literal's content means (the escapes this test writes). */
    private static String unescape(String json) {
        return GatewayClient.JSON.readTree("\"" + json + "\"").stringValue();
    }
}
