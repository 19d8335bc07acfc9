package io.portcullis.gateway.admin;

import io.portcullis.gateway.web.StrictJson;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.regex.Pattern;
import org.springframework.core.io.ClassPathResource;
import tools.jackson.databind.JsonNode;

/**
 * The admin API's OpenAPI document as the tests read it, with a small JSON Schema checker for the
 * keywords the document uses ({@code $ref}, {@code oneOf}, {@code type} and type lists,
 * {@code enum}, {@code properties}, {@code required}, {@code additionalProperties}, {@code items},
 * bounds, {@code pattern}, formats {@code uuid} and {@code date-time}). No validator library is
 * on the offline build's classpath, and these keywords are all the document needs; a keyword the
 * checker does not know fails the check, so the document cannot quietly outgrow it.
 */
final class OpenApiDocument {

    private static final List<String> KNOWN = List.of("$ref", "oneOf", "type", "enum", "properties", "required",
            "additionalProperties", "items", "minimum", "maximum", "minLength", "maxLength", "maxItems", "pattern",
            "format", "default", "description", "examples");

    final JsonNode root;

    private OpenApiDocument(JsonNode root) {
        this.root = root;
    }

    static OpenApiDocument load() {
        try {
            byte[] bytes = new ClassPathResource(AdminOpenApiController.DOCUMENT).getContentAsByteArray();
            return new OpenApiDocument(StrictJson.MAPPER.readTree(bytes)); // strict: a duplicate name fails here
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The operation for a method ({@code GET}) and path template, or null. */
    JsonNode operation(String method, String path) {
        JsonNode op = root.path("paths").path(path).get(method.toLowerCase(Locale.ROOT));
        return op == null || op.isMissingNode() ? null : op;
    }

    /** Follows a {@code $ref} (within this document) until the node is not one. */
    JsonNode resolve(JsonNode node) {
        while (node != null && node.has("$ref")) {
            String ref = node.get("$ref").stringValue();
            if (!ref.startsWith("#/")) {
                throw new AssertionError("only local references are used: " + ref);
            }
            JsonNode target = root.at(ref.substring(1));
            if (target.isMissingNode()) {
                throw new AssertionError("unresolved reference " + ref);
            }
            node = target;
        }
        return node;
    }

    /** The schema of a response's {@code application/json} content, resolved; null when it has none. */
    JsonNode jsonSchema(JsonNode response) {
        JsonNode schema = resolve(response).path("content").path("application/json").get("schema");
        return schema == null ? null : resolve(schema);
    }

    /** The schema of one component, e.g. {@code Key}. */
    JsonNode schema(String name) {
        JsonNode schema = root.path("components").path("schemas").get(name);
        if (schema == null) {
            throw new AssertionError("no schema " + name);
        }
        return schema;
    }

    /** Everything in {@code value} the schema does not allow, each with where it is; empty when it conforms. */
    List<String> problems(JsonNode schema, JsonNode value) {
        var problems = new ArrayList<String>();
        check(schema, value, "$", problems);
        return problems;
    }

    private void check(JsonNode schema, JsonNode value, String at, List<String> problems) {
        for (String keyword : schema.propertyNames()) {
            if (!KNOWN.contains(keyword)) {
                problems.add(at + ": the checker does not know the keyword '" + keyword + "'");
            }
        }
        if (schema.has("$ref")) {
            check(resolve(schema), value, at, problems);
            return;
        }
        if (schema.has("oneOf")) {
            int matches = 0;
            for (JsonNode option : schema.get("oneOf")) {
                matches += problems(option, value).isEmpty() ? 1 : 0;
            }
            if (matches != 1) {
                problems.add(at + ": matches " + matches + " of the oneOf options: " + value);
            }
        }
        if (schema.has("type") && !typeMatches(schema.get("type"), value)) {
            problems.add(at + ": " + value + " is not of type " + schema.get("type"));
            return;
        }
        if (schema.has("enum") && !contains(schema.get("enum"), value)) {
            problems.add(at + ": " + value + " is not one of " + schema.get("enum"));
        }
        if (value.isObject()) {
            checkObject(schema, value, at, problems);
        } else if (value.isArray()) {
            if (schema.has("maxItems") && value.size() > schema.get("maxItems").asInt()) {
                problems.add(at + ": more than " + schema.get("maxItems") + " items");
            }
            if (schema.has("items")) {
                for (int i = 0; i < value.size(); i++) {
                    check(schema.get("items"), value.get(i), at + "[" + i + "]", problems);
                }
            }
        } else if (value.isString()) {
            checkString(schema, value.stringValue(), at, problems);
        } else if (value.isNumber()) {
            if (schema.has("minimum") && value.decimalValue().compareTo(schema.get("minimum").decimalValue()) < 0
                    || schema.has("maximum") && value.decimalValue().compareTo(schema.get("maximum").decimalValue()) > 0) {
                problems.add(at + ": " + value + " is out of bounds");
            }
        }
    }

    private void checkObject(JsonNode schema, JsonNode value, String at, List<String> problems) {
        JsonNode properties = schema.path("properties");
        for (JsonNode required : schema.path("required")) {
            if (!value.has(required.stringValue())) {
                problems.add(at + ": lacks the required field '" + required.stringValue() + "'");
            }
        }
        for (var field : value.properties()) {
            JsonNode declared = properties.get(field.getKey());
            JsonNode additional = schema.get("additionalProperties");
            if (declared != null) {
                check(declared, field.getValue(), at + "." + field.getKey(), problems);
            } else if (additional != null && additional.isBoolean() && !additional.booleanValue()) {
                problems.add(at + ": the field '" + field.getKey() + "' is not documented");
            } else if (additional != null && additional.isObject()) {
                check(additional, field.getValue(), at + "." + field.getKey(), problems);
            }
        }
    }

    private static void checkString(JsonNode schema, String text, String at, List<String> problems) {
        if (schema.has("maxLength") && text.length() > schema.get("maxLength").asInt()
                || schema.has("minLength") && text.length() < schema.get("minLength").asInt()) {
            problems.add(at + ": '" + text + "' has a length out of bounds");
        }
        if (schema.has("pattern") && !Pattern.compile(schema.get("pattern").stringValue()).matcher(text).find()) {
            problems.add(at + ": '" + text + "' does not match " + schema.get("pattern"));
        }
        String format = schema.path("format").asString("");
        try {
            switch (format) {
                case "uuid" -> UUID.fromString(text);
                case "date-time" -> OffsetDateTime.parse(text);
                default -> { }
            }
        } catch (IllegalArgumentException | DateTimeParseException e) {
            problems.add(at + ": '" + text + "' is not a " + format);
        }
    }

    private static boolean typeMatches(JsonNode type, JsonNode value) {
        if (type.isArray()) {
            for (JsonNode one : type) {
                if (typeMatches(one, value)) {
                    return true;
                }
            }
            return false;
        }
        return switch (type.stringValue()) {
            case "object" -> value.isObject();
            case "array" -> value.isArray();
            case "string" -> value.isString();
            case "integer" -> value.isIntegralNumber();
            case "number" -> value.isNumber();
            case "boolean" -> value.isBoolean();
            case "null" -> value.isNull();
            default -> throw new AssertionError("unknown type " + type);
        };
    }

    private static boolean contains(JsonNode values, JsonNode value) {
        for (JsonNode v : values) {
            if (v.equals(value)) {
                return true;
            }
        }
        return false;
    }
}
