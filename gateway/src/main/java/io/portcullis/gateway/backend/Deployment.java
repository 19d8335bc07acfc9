package io.portcullis.gateway.backend;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.regex.Pattern;

/**
 * One backend serving one public model: the unit that is balanced, retried, and guarded by a
 * circuit breaker. Its {@link #id()} ({@code backend/model}) is built from configuration only, so
 * it is safe as a metric tag.
 *
 * @param backend       the backend, with its protocol, address, key, weight and priority
 * @param model         the public model name clients use
 * @param upstreamModel the name sent to the backend
 */
public record Deployment(Backend backend, String model, String upstreamModel) {

    /** Plain segments only: an endpoint path never carries a query, a fragment or a climbing segment. */
    /**
     * Plain segments: letters, digits and {@code _ - . :} (Gemini's {@code models/m:generateContent}),
     * never starting with a dot, so none is {@code .} or {@code ..}.
     */
    private static final Pattern ENDPOINT_PATH = Pattern.compile("(/[A-Za-z0-9_:-][A-Za-z0-9._:-]*)+");
    /** A query of plain name=value pairs; percent-escapes stay escaped. */
    private static final Pattern ENDPOINT_QUERY = Pattern.compile("[A-Za-z0-9_.~%+-]+(=[A-Za-z0-9_.~%+-]*)?"
            + "(&[A-Za-z0-9_.~%+-]+(=[A-Za-z0-9_.~%+-]*)?)*");

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
        return backend.name() + "/" + model;
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

    public boolean renamesModel() {
        return !model.equals(upstreamModel);
    }
}
