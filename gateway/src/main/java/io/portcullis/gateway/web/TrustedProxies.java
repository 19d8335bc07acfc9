package io.portcullis.gateway.web;

import io.portcullis.policy.Cidr;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.Environment;
import org.springframework.core.env.MapPropertySource;

/**
 * Who may say who the client is: {@code gateway.trusted-proxies}, a list of IPv4/IPv6 networks
 * (default none). Only a peer inside one of them may name the client in {@code X-Forwarded-For}
 * (and the scheme in {@code X-Forwarded-Proto}); the client is then the right-most address in
 * that header that is not itself inside one of them. Anyone else's forwarding headers are ignored,
 * and {@code Forwarded} (RFC 7239) is never read.
 *
 * <p>Spring Boot would otherwise decide by itself: with {@code server.forward-headers-strategy}
 * unset it turns Tomcat's {@code RemoteIpValve} on when it detects Kubernetes, trusting every
 * private-range peer, so any in-cluster caller could choose the address that API key
 * {@code allowedCidrs} and the failed-authentication throttle see. This post-processor therefore
 * always sets the strategy ({@code none} without trusted proxies, {@code native} with them) and the
 * valve's proxy lists (Tomcat matches them as CIDRs, without regular expressions), above every
 * other property source, and refuses to start when those settings were also given by hand.
 */
public final class TrustedProxies implements EnvironmentPostProcessor, Ordered {

    /** The one property operators set. */
    public static final String PROPERTY = "gateway.trusted-proxies";
    static final String STRATEGY = "server.forward-headers-strategy";
    static final String INTERNAL_PROXIES = "server.tomcat.remoteip.internal-proxies";
    static final String TRUSTED_PROXIES = "server.tomcat.remoteip.trusted-proxies";
    static final String SOURCE = "portcullisTrustedProxies";

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        Map<String, Object> derived = settings(networks(entries(environment)));
        for (var setting : derived.entrySet()) {
            String given = environment.getProperty(setting.getKey());
            if (given != null && !given.equalsIgnoreCase(setting.getValue().toString())) {
                throw new IllegalStateException(setting.getKey() + " is derived from " + PROPERTY
                        + "; remove it and list the proxies allowed to name the client in " + PROPERTY);
            }
        }
        environment.getPropertySources().addFirst(new MapPropertySource(SOURCE, derived));
    }

    /** After the configuration files are read, so they may set {@code gateway.trusted-proxies}. */
    @Override
    public int getOrder() {
        return Ordered.LOWEST_PRECEDENCE;
    }

    /**
     * The trusted networks, read and checked as Tomcat's settings are derived from them, for a
     * server that applies the rule itself (the data plane's front door).
     */
    public static List<Cidr> of(Environment environment) {
        return networks(entries(environment)).stream().map(Cidr::parse).toList();
    }

    private static List<String> entries(Environment environment) {
        return Binder.get(environment).bind(PROPERTY, Bindable.listOf(String.class)).orElse(List.of());
    }

    /**
     * The networks in Tomcat's netmask notation, each with its prefix length spelled out (a bare
     * address is one host): Tomcat treats a list without any {@code /} as a regular expression.
     *
     * @throws IllegalArgumentException naming the property and the entry when one is not a network
     */
    static List<String> networks(List<String> entries) {
        var out = new ArrayList<String>();
        for (String raw : entries) {
            String entry = raw == null ? "" : raw.strip();
            if (entry.isEmpty()) {
                continue;
            }
            try {
                Cidr.parse(entry);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(PROPERTY + ": '" + entry
                        + "' is not an IP network such as 10.0.0.0/8 or 2001:db8::/32");
            }
            out.add(entry.indexOf('/') >= 0 ? entry : entry + (entry.indexOf(':') >= 0 ? "/128" : "/32"));
        }
        return List.copyOf(out);
    }

    /** The server settings that follow from the trusted networks. */
    static Map<String, Object> settings(List<String> networks) {
        var settings = new LinkedHashMap<String, Object>();
        settings.put(STRATEGY, networks.isEmpty() ? "none" : "native");
        // proxies are "internal" (skipped while walking X-Forwarded-For); "trusted" ones would be
        // recorded in X-Forwarded-By, which nothing reads, so that list stays empty
        settings.put(INTERNAL_PROXIES, String.join(",", networks));
        settings.put(TRUSTED_PROXIES, "");
        return settings;
    }
}
