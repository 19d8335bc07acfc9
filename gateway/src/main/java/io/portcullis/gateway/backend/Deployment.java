package io.portcullis.gateway.backend;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * One backend serving one public model: the unit that is balanced, retried, and guarded by a
 * circuit breaker. Its {@link #id()} ({@code backend/model}) is built from configuration only, so
 * it is safe as a metric tag. A value: equal when backend, model and upstream model are equal.
 *
 * <p>A class rather than a record only to hold the URLs it has built ({@link #url(String, String)}):
 * building and checking one was per-request work, yet an endpoint path of a deployment gives
 * the same URL every time (docs/performance.md, "Per-request work off the hot path").
 */
public final class Deployment {

    /**
     * At most this many URLs are kept per deployment: more than its endpoints and dialect paths
     * (about fifteen), so callers passing ever-new paths (a stored response's id) cannot grow it.
     */
    static final int MAX_CACHED_URLS = 64;

    /**
     * Plain segments: letters, digits and {@code _ - . :} (Gemini's {@code models/m:generateContent}),
     * never starting with a dot, so none is {@code .} or {@code ..}.
     */
    private static final Pattern ENDPOINT_PATH = Pattern.compile("(/[A-Za-z0-9_:-][A-Za-z0-9._:-]*)+");
    /** A query of plain name=value pairs; percent-escapes stay escaped. */
    private static final Pattern ENDPOINT_QUERY = Pattern.compile("[A-Za-z0-9_.~%+-]+(=[A-Za-z0-9_.~%+-]*)?"
            + "(&[A-Za-z0-9_.~%+-]+(=[A-Za-z0-9_.~%+-]*)?)*");

    private final Backend backend;
    private final String model;
    private final String upstreamModel;
    /** Built once: it tags metrics and health on every attempt. */
    private final String id;
    /**
     * Checked URLs without a query, by path, and with one, by {@code path?query}. Two maps, since
     * the lookup comes before the checks: in one, the unchecked path {@code /chat?x=1} would find
     * the URL kept for {@code /chat} with {@code x=1}. In the second map a key kept has exactly
     * one {@code ?} (neither a checked path nor a checked query has one), so only that pair finds it.
     */
    private final ConcurrentHashMap<String, URI> urls = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, URI> urlsWithQuery = new ConcurrentHashMap<>();

    /**
     * @param backend       the backend, with its protocol, address, key, weight and priority
     * @param model         the public model name clients use
     * @param upstreamModel the name sent to the backend
     */
    public Deployment(Backend backend, String model, String upstreamModel) {
        this.backend = backend;
        this.model = model;
        this.upstreamModel = upstreamModel;
        this.id = backend.name() + "/" + model;
    }

    public Backend backend() {
        return backend;
    }

    public String model() {
        return model;
    }

    public String upstreamModel() {
        return upstreamModel;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Deployment that && backend.equals(that.backend) && Objects.equals(model, that.model)
                && Objects.equals(upstreamModel, that.upstreamModel);
    }

    /**
     * Equal deployments have equal names and models, so hashing those two is enough, and far
     * cheaper than the default over the whole backend (its model lists and aliases): deployments
     * are hashed several times per request while routing.
     */
    @Override
    public int hashCode() {
        return 31 * backend.name().hashCode() + model.hashCode();
    }

    public String id() {
        return id;
    }

    public int weight() {
        return backend.weight();
    }

    public int priority() {
        return backend.priority();
    }

    /**
     * The backend's URL for an endpoint path below its API root ({@code /chat/completions}): the
     * base URL's scheme, host, port and path, then the endpoint's segments. The base URL was
     * normalised and checked by {@link io.portcullis.gateway.BaseUrl} (no query, fragment, user
     * info or climbing segments) and the endpoint path is checked here, so nothing in either can
     * choose another host or path. Ollama is often configured by its bare address
     * ({@code http://host:11434}); its OpenAI-compatible API lives under {@code /v1}.
     *
     * @throws IllegalArgumentException when {@code path} is not plain segments (a programming error)
     */
    public URI url(String path) {
        return url(path, null);
    }

    /**
     * @param query plain {@code name=value} pairs joined by {@code &} (no leading {@code ?}), or null
     * @throws IllegalArgumentException when {@code path} is not plain segments or {@code query} not
     *                                  plain pairs (a programming error)
     */
    public URI url(String path, String query) {
        ConcurrentHashMap<String, URI> kept = query == null ? urls : urlsWithQuery;
        String key = query == null ? path : path + '?' + query;
        URI known = kept.get(key);
        if (known != null) {
            return known;
        }
        URI built = build(path, query);
        if (cachedUrls() < MAX_CACHED_URLS) {
            kept.putIfAbsent(key, built);
        }
        return built;
    }

    /** Checks the path and query and builds the URL: what {@link #url(String, String)} did on every call before. */
    private URI build(String path, String query) {
        if (!ENDPOINT_PATH.matcher(path).matches() || (query != null && !ENDPOINT_QUERY.matcher(query).matches())) {
            throw new IllegalArgumentException("not an endpoint path: " + path + (query == null ? "" : "?" + query));
        }
        URI base = backend.baseUrl();
        String basePath = base.getRawPath() == null ? "" : base.getRawPath();
        if (basePath.endsWith("/")) {
            basePath = basePath.substring(0, basePath.length() - 1);
        }
        if (backend.type() == BackendType.OLLAMA && basePath.isEmpty()) {
            basePath = "/v1";
        }
        try {
            return new URI(base.getScheme(), null, base.getHost(), base.getPort(), null, null, null)
                    .resolve(basePath + path + (query == null ? "" : "?" + query));
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("backend '" + backend.name() + "' has an unusable base URL", e);
        }
    }

    /** How many URLs this deployment holds (at most {@link #MAX_CACHED_URLS}). */
    int cachedUrls() {
        return urls.size() + urlsWithQuery.size();
    }

    public boolean renamesModel() {
        return !model.equals(upstreamModel);
    }

    @Override
    public String toString() {
        return "Deployment[backend=" + backend + ", model=" + model + ", upstreamModel=" + upstreamModel + "]";
    }
}
