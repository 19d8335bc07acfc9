package io.portcullis.gateway.backend.demo;

import io.portcullis.gateway.backend.Backend;
import io.portcullis.gateway.backend.BackendRegistry;
import io.portcullis.gateway.backend.BackendType;
import java.net.URI;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * The demo model {@value EchoModel#MODEL}: what a gateway with no backend (none configured, none
 * managed) serves, so that a first start has something to call. It is one deployment of an
 * OpenAI-compatible backend named {@value #BACKEND}, answered in process by {@link EchoModel},
 * routed, governed and billed like any other: the key's policy and quotas apply, the ledger and
 * the metrics record it, it has no price (so it costs nothing). The first backend, configured or
 * managed, replaces it ({@link BackendRegistry#serveDemo}).
 *
 * <p><b>Why in process rather than over loopback.</b> The other way is an internal endpoint on the
 * gateway's own port that a synthetic {@code openai} deployment calls. It would exercise the HTTP
 * client too, but it puts an endpoint on the public port that must be hidden from clients (a
 * secret, a loopback check) and it breaks wherever the gateway is not plain HTTP on 127.0.0.1
 * ({@code server.address}, TLS, a context path). In process there is nothing to reach: the one
 * seam is in {@code proxy.Failover}, which asks the registry whether a deployment is answered in
 * process ({@link BackendRegistry#inProcess}, true only for this backend object, never for
 * configuration or the admin API), and otherwise calls it over HTTP. The answer is the bytes an
 * OpenAI-compatible server sends, so the dialect, the stream relay, the usage reading and the
 * Anthropic translation ({@code /v1/messages}) are the ones every backend goes through. Its base
 * URL is in the reserved {@code .invalid} domain: were it ever called over HTTP, the call would
 * find no host.
 */
@Component
public final class DemoModel {

    /** The demo backend's name: the {@code owned_by} of its model in {@code /v1/models}. */
    public static final String BACKEND = "portcullis-demo";
    /** Never resolves (RFC 2606); the demo is answered in process, not at an address. */
    static final URI BASE_URL = URI.create("http://in-process.invalid");

    private static final Logger log = LoggerFactory.getLogger(DemoModel.class);

    private final BackendRegistry registry;
    private boolean ready;
    private boolean announced;

    DemoModel(BackendRegistry registry, InstantSource clock) {
        this.registry = registry;
        registry.serveDemo(new Backend(BACKEND, BackendType.OPENAI, BASE_URL, null, List.of(EchoModel.MODEL),
                Map.of(), 1, 0), new EchoModel(clock));
        registry.onChange(this::changed);
    }

    /** Once started (managed backends loaded): says so when the demo is what is served. */
    @EventListener(ApplicationReadyEvent.class)
    synchronized void started() {
        ready = true;
        announce();
    }

    private synchronized void changed() {
        if (ready) {
            announce();
        }
    }

    /** Logs each change between serving the demo and serving real backends, once. */
    private void announce() {
        boolean serving = registry.servesDemo();
        if (serving == announced) {
            return;
        }
        announced = serving;
        if (serving) {
            log.warn("No backends configured: serving the demo model {}; configure gateway.backends to use real"
                    + " models (docs/backends.md)", EchoModel.MODEL);
        } else {
            log.info("Backends are configured now: the demo model {} is no longer served", EchoModel.MODEL);
        }
    }
}
