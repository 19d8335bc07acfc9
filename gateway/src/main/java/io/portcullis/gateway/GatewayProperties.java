package io.portcullis.gateway;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.math.BigDecimal;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.Set;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Everything the gateway reads from {@code gateway.*}. Validated when bound: a bad value stops
 * the start with a message naming the property, rather than failing on the first request.
 *
 * @param backends        model backends; each serves a list of public model names
 * @param maxRequestBytes largest request body accepted on /v1 (413 above it)
 * @param embeddedPostgres where the embedded database keeps its data when no URL is given
 * @param admin           admin API bootstrap
 * @param keys            API key hashing and caching
 * @param usage           the usage ledger's queue and batching
 * @param upstream        the shared HTTP client used to reach backends
 * @param quota           how budgets are counted
 * @param pricing         price per model name, in US dollars per million tokens
 */
@ConfigurationProperties(GatewayProperties.PREFIX)
public record GatewayProperties(
        @DefaultValue List<Backend> backends,
        @DefaultValue("10MB") DataSize maxRequestBytes,
        @DefaultValue EmbeddedPostgres embeddedPostgres,
        @DefaultValue Admin admin,
        @DefaultValue Keys keys,
        @DefaultValue Usage usage,
        @DefaultValue Upstream upstream,
        @DefaultValue Quota quota,
        @DefaultValue Map<String, Price> pricing) {

    public static final String PREFIX = "gateway";

    public GatewayProperties {
        Set<String> names = new java.util.HashSet<>();
        Set<String> models = new java.util.HashSet<>();
        for (Backend b : backends) {
            if (!names.add(b.name())) {
                throw new IllegalArgumentException("gateway.backends: duplicate backend name '" + b.name() + "'");
            }
            for (String m : b.models()) {
                if (!models.add(m)) {
                    throw new IllegalArgumentException("gateway.backends: model '" + m
                            + "' is served by more than one backend");
                }
            }
        }
        if (maxRequestBytes.toBytes() <= 0 || maxRequestBytes.toBytes() > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("gateway.max-request-bytes must be between 1B and 2GB");
        }
    }

    /** The kinds of backend protocol the gateway speaks. */
    public enum BackendType {
        /** Any OpenAI-compatible server: vLLM, llama.cpp, Ollama's /v1, OpenAI itself. */
        OPENAI;

        /** The lower-case name used in configuration and metrics. */
        public String tag() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * One model backend.
     *
     * @param name    unique name, used in metrics and the ledger
     * @param type    protocol spoken by the backend
     * @param baseUrl base URL ending before the endpoint path, e.g. {@code http://host:8000/v1}
     * @param apiKey  sent upstream as a bearer token when set; never logged
     * @param models  public model names this backend serves
     */
    public record Backend(String name, @DefaultValue("openai") BackendType type, URI baseUrl, String apiKey,
                          @DefaultValue List<String> models) {
        public Backend {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("gateway.backends[].name is required");
            }
            if (baseUrl == null || baseUrl.getScheme() == null
                    || !(baseUrl.getScheme().equals("http") || baseUrl.getScheme().equals("https"))) {
                throw new IllegalArgumentException("gateway.backends[" + name + "].base-url must be an http(s) URL");
            }
            if (models.isEmpty()) {
                throw new IllegalArgumentException("gateway.backends[" + name + "].models must list at least one model");
            }
            models = List.copyOf(models);
            apiKey = apiKey == null || apiKey.isBlank() ? null : apiKey;
        }

        @Override
        public String toString() {
            // never print the upstream key
            return "Backend[name=" + name + ", type=" + type + ", baseUrl=" + baseUrl + ", models=" + models + "]";
        }
    }

    /**
     * @param dataDir   where the embedded PostgreSQL keeps its files, so data survives a restart
     * @param ephemeral when true, a fresh temporary directory is used and deleted on shutdown (tests)
     */
    public record EmbeddedPostgres(@DefaultValue("./data/postgres") Path dataDir,
                                   @DefaultValue("false") boolean ephemeral) {
    }

    /**
     * @param bootstrapToken admin bearer token from {@code GATEWAY_ADMIN_TOKEN}; when empty on a first
     *                       start, one is generated, stored hashed and printed once
     */
    public record Admin(String bootstrapToken) {
        @Override
        public String toString() {
            return "Admin[bootstrapToken=" + (bootstrapToken == null ? "unset" : "***") + "]";
        }
    }

    /**
     * @param pepper       server-side secret mixed into every key hash ({@code GATEWAY_KEYS_PEPPER}); when
     *                     empty, one is generated and kept in the database (fine for a laptop, not for
     *                     production: see docs/architecture.md)
     * @param cacheTtl     how long a looked-up key is trusted without asking the database again;
     *                     revocations reach every replica sooner through LISTEN/NOTIFY
     * @param cacheMaxSize most keys held in each replica's cache
     * @param maxFailuresPerMinute failed authentications allowed per client address and minute
     *                     (per replica) before the address is refused with 429
     */
    public record Keys(String pepper, @DefaultValue("5m") Duration cacheTtl,
                       @DefaultValue("100000") long cacheMaxSize,
                       @DefaultValue("30") int maxFailuresPerMinute) {
        @Override
        public String toString() {
            return "Keys[pepper=" + (pepper == null ? "unset" : "***") + ", cacheTtl=" + cacheTtl + "]";
        }
    }

    /**
     * @param queueCapacity   records held in memory while waiting for the database
     * @param batchSize       most records written in one statement
     * @param flushInterval   longest a record waits for its batch to fill
     * @param shutdownTimeout how long shutdown keeps trying to write what is queued
     * @param partitionsAhead how many days of raw-ledger partitions exist ahead of today
     * @param retention       raw rows older than this are dropped, a whole day's partition at a
     *                        time (rollups are kept); zero keeps raw rows forever
     */
    public record Usage(@DefaultValue("100000") int queueCapacity, @DefaultValue("1000") int batchSize,
                        @DefaultValue("100ms") Duration flushInterval,
                        @DefaultValue("30s") Duration shutdownTimeout,
                        @DefaultValue("7") int partitionsAhead,
                        @DefaultValue("0d") Duration retention) {
        public Usage {
            if (queueCapacity < 1 || batchSize < 1) {
                throw new IllegalArgumentException("gateway.usage.queue-capacity and batch-size must be positive");
            }
            if (partitionsAhead < 1 || partitionsAhead > 366) {
                throw new IllegalArgumentException("gateway.usage.partitions-ahead must be between 1 and 366");
            }
            if (retention.isNegative() || (!retention.isZero() && retention.toDays() < 2)) {
                throw new IllegalArgumentException("gateway.usage.retention must be 0 (keep) or at least 2 days");
            }
        }
    }

    /**
     * @param connectTimeout  time allowed to open a connection to a backend
     * @param responseTimeout time allowed until the backend's response headers arrive (504 after)
     */
    public record Upstream(@DefaultValue("5s") Duration connectTimeout,
                           @DefaultValue("300s") Duration responseTimeout) {
    }

    /**
     * @param timeZone         the calendar that day and month budgets follow
     * @param defaultMaxTokens output tokens reserved for a request that sets no {@code max_tokens}
     */
    public record Quota(@DefaultValue("UTC") ZoneId timeZone, @DefaultValue("1024") long defaultMaxTokens) {
        public Quota {
            if (defaultMaxTokens < 1) {
                throw new IllegalArgumentException("gateway.quota.default-max-tokens must be positive");
            }
        }
    }

    /**
     * A model's price (exact decimals, US dollars per million tokens).
     *
     * @param cachedInputPerMillion price of cached prompt tokens; defaults to the input price
     */
    public record Price(BigDecimal inputPerMillion, BigDecimal outputPerMillion, BigDecimal cachedInputPerMillion) {
        public Price {
            if (inputPerMillion == null || outputPerMillion == null) {
                throw new IllegalArgumentException("gateway.pricing.<model> needs input-per-million and output-per-million");
            }
        }
    }
}
