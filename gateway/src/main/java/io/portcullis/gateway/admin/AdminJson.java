package io.portcullis.gateway.admin;

import io.portcullis.gateway.web.ApiError;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import tools.jackson.databind.JsonNode;

/** Field-by-field reading of admin request bodies, each mistake a 400 naming the field. */
final class AdminJson {

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
        String value = node.stringValue().strip();
        if (value.length() > maxLength) {
            throw ApiError.invalidRequest("'" + field + "' must be at most " + maxLength + " characters", field)
                    .toException();
        }
        return value;
    }

    static List<String> stringList(JsonNode body, String field) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            return List.of();
        }
        if (!node.isArray()) {
            throw ApiError.invalidRequest("'" + field + "' must be an array of strings", field).toException();
        }
        var values = new ArrayList<String>();
        for (JsonNode item : node) {
            if (!item.isString() || item.stringValue().isBlank() || item.stringValue().length() > 200) {
                throw ApiError.invalidRequest("'" + field + "' must be an array of non-empty strings", field)
                        .toException();
            }
            if (!values.contains(item.stringValue())) {
                values.add(item.stringValue());
            }
        }
        return values;
    }

    static Instant optionalInstant(JsonNode body, String field) {
        String value = optionalString(body, field, 64);
        if (value == null) {
            return null;
        }
        try {
            return Instant.parse(value);
        } catch (DateTimeParseException e) {
            throw ApiError.invalidRequest("'" + field + "' must be an ISO-8601 instant such as 2027-01-31T00:00:00Z",
                    field).toException();
        }
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
        try {
            if (value.length() == 10) {
                java.time.LocalDate day = java.time.LocalDate.parse(value);
                return (upperBound ? day.plusDays(1) : day).atStartOfDay(java.time.ZoneOffset.UTC).toInstant();
            }
            return Instant.parse(value);
        } catch (DateTimeParseException e) {
            throw ApiError.invalidRequest("'" + param + "' must be a date (2026-11-01) or an ISO-8601 instant", param)
                    .toException();
        }
    }
}
