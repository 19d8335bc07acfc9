package io.portcullis.gateway.admin;

import java.util.ArrayList;
import java.util.List;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.security.oauth2.client.registration.ClientRegistration;
import org.springframework.security.oauth2.client.registration.ClientRegistrationRepository;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** {@code GET /admin/login/options} (public): the single sign-on buttons the login page shows. */
@RestController
class ConsoleLoginOptionsController {

    private final ObjectProvider<ClientRegistrationRepository> registrations;

    ConsoleLoginOptionsController(ObjectProvider<ClientRegistrationRepository> registrations) {
        this.registrations = registrations;
    }

    record Sso(String id, String name, String url) {
    }

    record Options(List<Sso> sso) {
    }

    @GetMapping("/admin/login/options")
    Options options() {
        var sso = new ArrayList<Sso>();
        if (registrations.getIfAvailable() instanceof Iterable<?> all) {
            for (Object o : all) {
                if (o instanceof ClientRegistration r) {
                    sso.add(new Sso(r.getRegistrationId(), r.getClientName(),
                            SecurityConfiguration.SSO_AUTHORIZATION + "/" + r.getRegistrationId()));
                }
            }
        }
        return new Options(sso);
    }
}
