package io.portcullis.gateway.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.support.GatewayClient;
import io.portcullis.gateway.support.GatewayIntegrationTest;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;

/**
 * Every endpoint mapped under {@code /admin/api}, found from Spring MVC's own mappings (so a new
 * endpoint is checked the day it is added), refuses callers without credentials and callers
 * whose role is too small, and lets the right role through. A developer is refused (403) everywhere
 * but {@code GET /admin/api/me} and their self-service under {@code /admin/api/me/}, where every
 * staff role is refused in turn.
 */
class AdminApiAccessTest extends GatewayIntegrationTest {

    @Autowired
    @Qualifier("requestMappingHandlerMapping")
    RequestMappingHandlerMapping mappings;

    /** One method on one path template. */
    record Endpoint(String method, String path) implements Comparable<Endpoint> {
        /** The role this endpoint needs, by the rule the console documents. */
        AdminRole needs() {
            if (path.startsWith("/admin/api/me/")) {
                return AdminRole.DEVELOPER; // self-service: staff roles do not include it
            }
            if (path.startsWith("/admin/api/accounts") || path.startsWith("/admin/api/tokens")) {
                return AdminRole.ADMIN;
            }
            if (path.startsWith("/admin/api/backends") && !method.equals("GET")) {
                return AdminRole.ADMIN; // where every team's prompts go: not an operator's call
            }
            if (path.startsWith("/admin/api/alerts") && !method.equals("GET")) {
                return AdminRole.ADMIN; // where facts about every team are sent; viewers see URLs without their path
            }
            return method.equals("GET") ? AdminRole.VIEWER : AdminRole.OPERATOR;
        }

        /** Whether a developer may call it: their own self-service, and who-am-I. Nothing else. */
        boolean admitsDeveloper() {
            return needs() == AdminRole.DEVELOPER || path.equals("/admin/api/me") && method.equals("GET");
        }

        /** The path with every template variable filled with an id that exists nowhere. */
        String concrete() {
            return path.replaceAll("\\{[^}]+}", "00000000-0000-0000-0000-00000000abcd");
        }

        @Override
        public int compareTo(Endpoint o) {
            return (path + " " + method).compareTo(o.path + " " + o.method);
        }
    }

    Set<Endpoint> adminEndpoints() {
        var endpoints = new TreeSet<Endpoint>();
        mappings.getHandlerMethods().forEach((info, handler) -> {
            var methods = info.getMethodsCondition().getMethods();
            List<String> names = new ArrayList<>();
            if (methods.isEmpty()) {
                for (RequestMethod m : List.of(RequestMethod.GET, RequestMethod.POST, RequestMethod.PATCH,
                        RequestMethod.PUT, RequestMethod.DELETE)) {
                    names.add(m.name());
                }
            } else {
                methods.forEach(m -> names.add(m.name()));
            }
            for (String pattern : info.getPatternValues()) {
                if (pattern.startsWith("/admin/api")) {
                    names.forEach(m -> endpoints.add(new Endpoint(m, pattern)));
                }
            }
        });
        return endpoints;
    }

    @Test
    void findsTheAdminEndpointsItChecks() {
        assertThat(adminEndpoints()).contains(new Endpoint("GET", "/admin/api/keys"),
                new Endpoint("DELETE", "/admin/api/keys/{id}"), new Endpoint("POST", "/admin/api/accounts"),
                new Endpoint("GET", "/admin/api/audit/verify"), new Endpoint("POST", "/admin/api/tokens"),
                new Endpoint("GET", "/admin/api/backends"), new Endpoint("POST", "/admin/api/backends"),
                new Endpoint("PUT", "/admin/api/backends/{name}"), new Endpoint("DELETE", "/admin/api/backends/{name}"),
                new Endpoint("GET", "/admin/api/openapi.json"), new Endpoint("GET", "/admin/api/pricing"),
                new Endpoint("GET", "/admin/api/requests"), new Endpoint("POST", "/admin/api/me/keys"),
                new Endpoint("DELETE", "/admin/api/me/keys/{id}"), new Endpoint("GET", "/admin/api/me/usage"),
                new Endpoint("GET", "/admin/api/alerts/webhooks"), new Endpoint("POST", "/admin/api/alerts/webhooks"),
                new Endpoint("DELETE", "/admin/api/alerts/webhooks/{id}"),
                new Endpoint("GET", "/admin/api/alerts/deliveries"));
    }

    @Test
    void aDeveloperIsAdmittedOnlyToWhoAmIAndSelfService() {
        var admitted = adminEndpoints().stream().filter(Endpoint::admitsDeveloper).map(Endpoint::toString).toList();
        assertThat(admitted).allMatch(e -> e.contains("/admin/api/me")).hasSizeGreaterThan(4);
        String developer = AdminIdentities.token(client, "developer");
        var me = AdminIdentities.call(client, "GET", "/admin/api/me", developer, null);
        assertThat(me.statusCode()).isEqualTo(200);
        assertThat(GatewayClient.json(me).get("role").stringValue()).isEqualTo("developer");
    }

    @Test
    void everyAdminEndpointRefusesCallsWithoutCredentials() {
        for (Endpoint e : adminEndpoints()) {
            var none = AdminIdentities.call(client, e.method(), e.concrete(), null, "{}");
            assertThat(none.statusCode()).as("%s without credentials", e).isEqualTo(401);
            assertThat(none.body()).as("%s body", e).contains("\"code\":\"invalid_api_key\"");
            var wrong = AdminIdentities.call(client, e.method(), e.concrete(), "gwadm-not-a-real-token", "{}");
            assertThat(wrong.statusCode()).as("%s with an unknown token", e).isEqualTo(401);
        }
    }

    @Test
    void everyAdminEndpointRefusesRolesBelowTheOneItNeedsAndAdmitsThatRole() {
        String viewer = AdminIdentities.token(client, "viewer");
        String operator = AdminIdentities.token(client, "operator");
        String admin = AdminIdentities.token(client, "admin");
        String developer = AdminIdentities.token(client, "developer");
        for (Endpoint e : adminEndpoints()) {
            AdminRole needs = e.needs();
            List<String> tooSmall = new ArrayList<>(switch (needs) {
                case ADMIN -> List.of(viewer, operator);
                case OPERATOR -> List.of(viewer);
                case VIEWER -> List.of();
                case DEVELOPER -> List.of(viewer, operator, admin); // staff hold no developer's keys
            });
            if (!e.admitsDeveloper()) {
                tooSmall.add(developer);
            }
            for (String token : tooSmall) {
                var refused = AdminIdentities.call(client, e.method(), e.concrete(), token, "{}");
                assertThat(refused.statusCode()).as("%s with a role below %s", e, needs).isEqualTo(403);
                assertThat(refused.body()).as("%s body", e).contains("\"code\":\"forbidden\"");
            }
            String enough = switch (needs) {
                case ADMIN -> admin;
                case OPERATOR -> operator;
                case VIEWER -> viewer;
                case DEVELOPER -> developer;
            };
            var admitted = AdminIdentities.call(client, e.method(), e.concrete(), enough, "{}");
            assertThat(admitted.statusCode()).as("%s with role %s", e, needs).isNotIn(401, 403)
                    .isLessThan(500);
        }
    }
}
