package io.portcullis.gateway.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.admin.AdminApiAccessTest.Endpoint;
import io.portcullis.gateway.support.GatewayIntegrationTest;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.core.MethodParameter;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.ValueConstants;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;
import tools.jackson.databind.JsonNode;

/**
 * The hand-written OpenAPI document ({@code GET /admin/api/openapi.json}) against the handlers
 * Spring MVC really maps under {@code /admin/api}: the same operations, parameters, bodies,
 * success statuses, roles and answer fields, and the error shape on every operation. An endpoint
 * added, renamed or changed without its documentation fails here. {@link AdminOpenApiTest}
 * checks real answers against the schemas.
 */
class AdminOpenApiDriftTest extends GatewayIntegrationTest {

    @Autowired
    @Qualifier("requestMappingHandlerMapping")
    RequestMappingHandlerMapping mappings;

    private final OpenApiDocument doc = OpenApiDocument.load();

    /** Every method and path template under {@code /admin/api}, with its handler. */
    Map<Endpoint, HandlerMethod> handlers() {
        var handlers = new TreeMap<Endpoint, HandlerMethod>();
        mappings.getHandlerMethods().forEach((info, handler) -> {
            var methods = info.getMethodsCondition().getMethods();
            var names = methods.isEmpty()
                    ? List.of(RequestMethod.GET, RequestMethod.POST, RequestMethod.PATCH, RequestMethod.PUT,
                            RequestMethod.DELETE)
                    : List.copyOf(methods);
            for (String pattern : info.getPatternValues()) {
                if (pattern.startsWith("/admin/api")) {
                    names.forEach(m -> handlers.put(new Endpoint(m.name(), pattern), handler));
                }
            }
        });
        return handlers;
    }

    /** The mapped handlers the document has an operation for (the others fail {@link #documentsExactlyTheMappedAdminEndpoints}). */
    Map<Endpoint, HandlerMethod> documentedHandlers() {
        var handlers = handlers();
        handlers.keySet().removeIf(e -> doc.operation(e.method(), e.path()) == null);
        return handlers;
    }

    /** Every operation of the document. */
    TreeSet<Endpoint> documented() {
        var operations = new TreeSet<Endpoint>();
        for (var path : doc.root.get("paths").properties()) {
            for (String method : path.getValue().propertyNames()) {
                operations.add(new Endpoint(method.toUpperCase(java.util.Locale.ROOT), path.getKey()));
            }
        }
        return operations;
    }

    @Test
    void documentIsOpenApi31WithInfoPathsAndComponentSchemas() {
        assertThat(doc.root.path("openapi").asString("")).matches("3\\.1\\.\\d+");
        assertThat(doc.root.path("info").path("title").asString("")).isNotBlank();
        assertThat(doc.root.path("info").path("version").asString("")).isNotBlank();
        assertThat(doc.root.path("paths").isObject()).isTrue();
        assertThat(doc.root.path("components").path("schemas").has("Error")).isTrue();
        var refs = new ArrayList<String>();
        collectRefs(doc.root, refs);
        assertThat(refs).isNotEmpty();
        refs.forEach(ref -> assertThat(doc.root.at(ref.substring(1)).isMissingNode()).as("%s resolves", ref).isFalse());
        documented().forEach(e -> assertThat(doc.operation(e.method(), e.path()).path("operationId").isString())
                .as("%s has an operationId", e).isTrue());
    }

    @Test
    void documentsExactlyTheMappedAdminEndpoints() {
        var mapped = handlers().keySet();
        assertThat(mapped).as("the handlers found").contains(new Endpoint("GET", AdminOpenApiController.PATH),
                new Endpoint("PUT", "/admin/api/backends/{name}"));
        assertThat(documented()).as("operations in %s", AdminOpenApiController.DOCUMENT)
                .containsExactlyElementsOf(new TreeSet<>(mapped));
    }

    @Test
    void everyOperationDocumentsItsRefusalsInTheErrorShape() {
        JsonNode error = doc.schema("Error");
        for (Endpoint e : documented()) {
            JsonNode op = doc.operation(e.method(), e.path());
            var statuses = new ArrayList<>(List.of("401", "403"));
            if (op.has("requestBody")) {
                statuses.addAll(List.of("400", "413", "415"));
            }
            for (String status : statuses) {
                JsonNode response = op.path("responses").get(status);
                assertThat(response).as("%s documents %s", e, status).isNotNull();
                assertThat(doc.jsonSchema(response)).as("%s %s is an Error", e, status).isEqualTo(error);
            }
            op.path("responses").properties().stream().filter(r -> r.getKey().matches("[45]\\d\\d")).forEach(r ->
                    assertThat(doc.jsonSchema(r.getValue())).as("%s %s is an Error", e, r.getKey()).isEqualTo(error));
        }
    }

    @Test
    void operationsTakeTheParametersAndBodiesTheirHandlersRead() {
        documentedHandlers().forEach((e, handler) -> {
            JsonNode op = doc.operation(e.method(), e.path());
            var query = new TreeMap<String, Boolean>();
            var path = new TreeSet<String>();
            boolean body = false;
            for (MethodParameter p : handler.getMethodParameters()) {
                p.initParameterNameDiscovery(new org.springframework.core.DefaultParameterNameDiscoverer());
                if (p.getParameterAnnotation(RequestParam.class) instanceof RequestParam rp) {
                    query.put(rp.name().isEmpty() ? p.getParameterName() : rp.name(),
                            rp.required() && rp.defaultValue().equals(ValueConstants.DEFAULT_NONE));
                } else if (p.getParameterAnnotation(PathVariable.class) instanceof PathVariable pv) {
                    path.add(pv.name().isEmpty() ? p.getParameterName() : pv.name());
                } else if (p.hasParameterAnnotation(RequestBody.class)) {
                    body = true;
                }
            }
            var documentedQuery = new TreeMap<String, Boolean>();
            var documentedPath = new TreeSet<String>();
            for (JsonNode p : op.path("parameters")) {
                p = doc.resolve(p);
                switch (p.path("in").asString("")) {
                    case "query" -> documentedQuery.put(p.get("name").stringValue(), p.path("required").asBoolean(false));
                    case "path" -> {
                        assertThat(p.path("required").asBoolean(false)).as("%s path parameters are required", e).isTrue();
                        documentedPath.add(p.get("name").stringValue());
                    }
                    default -> throw new AssertionError(e + " documents a parameter in " + p.path("in"));
                }
            }
            assertThat(documentedQuery).as("%s query parameters and whether they are required", e).isEqualTo(query);
            assertThat(documentedPath).as("%s path parameters", e).isEqualTo(path);
            assertThat(op.has("requestBody")).as("%s takes a body", e).isEqualTo(body);
        });
    }

    @Test
    void operationsAnswerTheSuccessStatusTheirHandlersSet() {
        documentedHandlers().forEach((e, handler) -> {
            ResponseStatus status = AnnotatedElementUtils.findMergedAnnotation(handler.getMethod(), ResponseStatus.class);
            String expected = Integer.toString(status == null ? 200 : status.code().value());
            var successes = doc.operation(e.method(), e.path()).path("responses").propertyNames().stream()
                    .filter(code -> code.startsWith("2")).toList();
            assertThat(successes).as("%s success statuses", e).containsExactly(expected);
        });
    }

    @Test
    void operationsNameTheRoleTheSecurityRulesDemand() {
        for (Endpoint e : documented()) {
            assertThat(doc.operation(e.method(), e.path()).path("x-required-role").asString(""))
                    .as("%s x-required-role (AdminApiAccessTest holds the rules to the same role)", e)
                    .isEqualTo(e.needs().value());
        }
    }

    @Test
    void answerSchemasListTheFieldsOfTheRecordsHandlersReturn() {
        documentedHandlers().forEach((e, handler) -> {
            Class<?> returned = handler.getMethod().getReturnType();
            if (!returned.isRecord()) {
                return; // void, a stream or bytes: nothing to compare field by field
            }
            var successes = doc.operation(e.method(), e.path()).path("responses").properties().stream()
                    .filter(r -> r.getKey().startsWith("2")).toList();
            sameFields(e + " answer", returned, doc.jsonSchema(successes.getFirst().getValue()));
        });
    }

    /** The record's components are the schema's properties, and so on down nested records and lists of them. */
    private void sameFields(String what, Class<?> record, JsonNode schema) {
        JsonNode object = objectOption(schema);
        assertThat(object.path("properties").propertyNames()).as("%s (%s) fields", what, record.getSimpleName())
                .containsExactlyInAnyOrderElementsOf(java.util.Arrays.stream(record.getRecordComponents())
                        .map(RecordComponent::getName).toList());
        assertThat(object.path("additionalProperties").asBoolean(true)).as("%s is closed", what).isFalse();
        for (RecordComponent c : record.getRecordComponents()) {
            JsonNode property = object.path("properties").get(c.getName());
            if (c.getType().isRecord()) {
                sameFields(what + "." + c.getName(), c.getType(), property);
            } else if (c.getType() == List.class && element(c.getGenericType()) instanceof Class<?> item
                    && item.isRecord()) {
                sameFields(what + "." + c.getName() + "[]", item, doc.resolve(objectOption(property).get("items")));
            }
        }
    }

    /** The object schema behind a reference or a {@code oneOf} of it and null. */
    private JsonNode objectOption(JsonNode schema) {
        schema = doc.resolve(schema);
        if (schema.has("oneOf")) {
            for (JsonNode option : schema.get("oneOf")) {
                if (!"null".equals(doc.resolve(option).path("type").asString(""))) {
                    return doc.resolve(option);
                }
            }
        }
        return schema;
    }

    private static Type element(Type list) {
        return list instanceof ParameterizedType p ? p.getActualTypeArguments()[0] : null;
    }

    private static void collectRefs(JsonNode node, List<String> refs) {
        if (node.isObject() && node.has("$ref")) {
            refs.add(node.get("$ref").stringValue());
        }
        for (JsonNode child : node) {
            collectRefs(child, refs);
        }
    }
}
