package io.portcullis.gateway.admin;

import io.portcullis.gateway.access.PolicyJson;
import io.portcullis.gateway.web.ApiError;
import io.portcullis.gateway.web.StrictJson;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import tools.jackson.databind.JsonNode;

/**
 * Field-by-field reading of admin request bodies and query parameters, each mistake a 400 naming
 * the field. The one place where admin input is checked against what storage can hold (with
 * {@link PolicyJson} for {@code limits} and {@code policy}, which the stores also read back
 * with): text is {@link StrictJson#unstorable storable} and bounded, lists are bounded, instants
 * lie between {@link #EARLIEST} and {@link #LATEST}.
 */
final class AdminJson {

    /** Instants before this are typing mistakes; PostgreSQL and ISO-8601 agree on everything after. */
    static final Instant EARLIEST = Instant.parse("2000-01-01T00:00:00Z");
    /** Four-digit years only: {@code timestamptz} ends in 294276 and Java's Instant elsewhere. */
    static final Instant LATEST = Instant.parse("9999-12-31T00:00:00Z");
    /** Items in a list field when the endpoint sets no other bound. */
    static final int LIST_MAX = 1000;
    static final int ITEM_MAX = 200;

    private AdminJson() {
    }

    static JsonNode object(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw ApiError.invalidRequest("Request body must be a JSON object", null).toException();
        }
        return body;
    }

    static boolean present(JsonNode body, String field) {
        return body.has(field);
    }

    static String requiredString(JsonNode body, String field, int maxLength) {
        String value = optionalString(body, field, maxLength);
        if (value == null || value.isBlank()) {
            throw ApiError.invalidRequest("'" + field + "' is required", field).toException();
        }
        return value;
    }

    static String optionalString(JsonNode body, String field, int maxLength) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isString()) {
            throw ApiError.invalidRequest("'" + field + "' must be a string", field).toException();
        }
        // controls are refused before stripping: "name\t" is a mistake to report, not to tidy away
        String problem = StrictJson.unstorable(node.stringValue());
        if (problem != null) {
            throw ApiError.invalidRequest("'" + field + "' " + problem, field).toException();
        }
        return text(node.stringValue().strip(), field, maxLength);
    }

    /** Checks one piece of text from a body or a query: storable, and at most {@code maxLength} characters. */
    static String text(String value, String field, int maxLength) {
        if (value.length() > maxLength) {
            throw ApiError.invalidRequest("'" + field + "' must be at most " + maxLength + " characters", field)
                    .toException();
        }
        String problem = StrictJson.unstorable(value);
        if (problem != null) {
            throw ApiError.invalidRequest("'" + field + "' " + problem, field).toException();
        }
        return value;
    }

    static List<String> stringList(JsonNode body, String field) {
        return stringList(body, field, LIST_MAX);
    }

    /** A list of distinct non-empty strings of at most {@value #ITEM_MAX} characters each. */
    static List<String> stringList(JsonNode body, String field, int maxItems) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            return List.of();
        }
        if (!node.isArray() || node.size() > maxItems) {
            throw ApiError.invalidRequest("'" + field + "' must be an array of at most " + maxItems + " strings", field)
                    .toException();
        }
        var values = new ArrayList<String>();
        for (JsonNode item : node) {
            if (!item.isString() || item.stringValue().isBlank()) {
                throw ApiError.invalidRequest("'" + field + "' must be an array of non-empty strings", field)
                        .toException();
            }
            String value = text(item.stringValue(), field, ITEM_MAX);
            if (!values.contains(value)) {
                values.add(value);
            }
        }
        return values;
    }

    static Instant optionalInstant(JsonNode body, String field) {
        String value = optionalString(body, field, 64);
        if (value == null) {
            return null;
        }
        Instant instant;
        try {
            // ISO_OFFSET_DATE_TIME: 'Z' or an offset such as +02:00, never a bare local time
            instant = OffsetDateTime.parse(value, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
        } catch (DateTimeParseException e) {
            throw ApiError.invalidRequest("'" + field + "' must be an ISO-8601 instant with an offset such as"
                    + " 2027-01-31T00:00:00Z", field).toException();
        }
        // PostgreSQL keeps microseconds and would round the rest: drop it here, so the answer
        // to the write and every later read show the same instant
        return inRange(instant.truncatedTo(ChronoUnit.MICROS), field);
    }

    private static Instant inRange(Instant instant, String field) {
        if (instant.isBefore(EARLIEST) || instant.isAfter(LATEST)) {
            throw ApiError.invalidRequest("'" + field + "' must lie between " + EARLIEST + " and " + LATEST, field)
                    .toException();
        }
        return instant;
    }

    static UUID optionalUuid(JsonNode body, String field) {
        String value = optionalString(body, field, 64);
        if (value == null) {
            return null;
        }
        try {
            return UUID.fromString(value);
        } catch (IllegalArgumentException e) {
            throw ApiError.invalidRequest("'" + field + "' must be a UUID", field).toException();
        }
    }

    /**
     * A key or team whose stored limits or policy cannot be used is repaired only by sending both:
     * keeping "the current ones" would store the fail-closed stand-ins as if an admin chose them.
     */
    static void requireReplacementOfUnusable(String policyError, JsonNode body) {
        if (policyError == null) {
            return;
        }
        for (String field : List.of("limits", "policy")) {
            if (!AdminJson.present(body, field)) {
                throw ApiError.invalidRequest("The stored limits and policy cannot be used (" + policyError
                        + "); send both 'limits' and 'policy' to replace them", field).toException();
            }
        }
    }

    static UUID pathId(String id) {
        try {
            return UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw ApiError.notFound("No such key: " + id).toException();
        }
    }

    /**
     * A query parameter naming a point in time: a date ({@code 2026-11-01}, its UTC midnight; as an
     * upper bound the day is included whole) or an ISO-8601 instant.
     */
    static Instant instantParam(String value, String param, boolean upperBound) {
        Instant instant;
        try {
            if (value.length() == 10) {
                LocalDate day = LocalDate.parse(value);
                instant = (upperBound ? day.plusDays(1) : day).atStartOfDay(ZoneOffset.UTC).toInstant();
            } else {
                instant = OffsetDateTime.parse(value, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
            }
        } catch (DateTimeParseException e) {
            throw ApiError.invalidRequest("'" + param + "' must be a date (2026-11-01) or an ISO-8601 instant", param)
                    .toException();
        }
        return inRange(instant, param);
    }

    /** An optional free-text query parameter (a search, a model name): null when blank. */
    static String textParam(String value, String param, int maxLength) {
        return value == null || value.isBlank() ? null : text(value, param, maxLength);
    }
}
