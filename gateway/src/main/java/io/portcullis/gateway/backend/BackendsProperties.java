package io.portcullis.gateway.backend;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code gateway.backends[]}: the model backends of the configuration, each checked as it binds
 * ({@link Backend}). The list sits directly under {@code gateway}, so this record binds at
 * {@value #PREFIX} and reads only {@code backends}.
 *
 * @param backends model backends; each serves a list of public model names
 */
@ConfigurationProperties(BackendsProperties.PREFIX)
public record BackendsProperties(@DefaultValue List<Backend> backends) {

    public static final String PREFIX = "gateway";

    public BackendsProperties {
        // A model may be served by several backends (that is what routing and failover are for);
        // only the backend names, which identify deployments in metrics and the ledger, must be unique.
        Set<String> names = new HashSet<>();
        for (Backend b : backends) {
            if (!names.add(b.name())) {
                throw new IllegalArgumentException("gateway.backends: duplicate backend name '" + b.name() + "'");
            }
        }
        backends = List.copyOf(backends);
    }
}
