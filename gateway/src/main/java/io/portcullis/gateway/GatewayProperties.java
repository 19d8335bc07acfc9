package io.portcullis.gateway;

import io.portcullis.gateway.backend.BackendType;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.math.BigDecimal;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.ConstructorBinding;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Everything the gateway reads from {@code gateway.*}. Validated when bound: a bad value stops
 * the start with a message naming the property, rather than failing on the first request.
 *
 * @param backends        model backends; each serves a list of public model names
 * @param maxRequestBytes largest request body accepted on /v1 (413 above it)
 * @param maxConcurrentRequests client-API requests handled at once, streams included; one more is
 *                        refused at once with 503 {@code overloaded} and {@code Retry-After}, so a
 *                        burst beyond what the replica can serve pushes back on its callers (and the
 *                        load balancer) instead of piling up until memory runs out. By default one
 *                        per {@value #HEAP_PER_REQUEST_KIB} KiB of maximum heap, between
 *                        {@value #MIN_DERIVED_CONCURRENCY} and {@value #MAX_DERIVED_CONCURRENCY}
 *                        (3,072 at {@code -Xmx768m}): an open stream holds about 125 KiB of heap,
 *                        so the limit leaves half the heap for everything else
 * @param embeddedPostgres where the embedded database keeps its data when no URL is given
 * @param admin           admin API bootstrap
 * @param keys            API key hashing and caching
 * @param usage           the usage ledger's queue and batching
 * @param upstream        the shared HTTP client used to reach backends
 * @param quota           how budgets are counted
 * @param pricing         price per model name, in US dollars per million tokens
 * @param resilience      retries and circuit breakers in front of the backends
 */
@ConfigurationProperties(GatewayProperties.PREFIX)
public record GatewayProperties(
        @DefaultValue List<Backend> backends,
        @DefaultValue("10MB") DataSize maxRequestBytes,
        Integer maxConcurrentRequests,
        @DefaultValue EmbeddedPostgres embeddedPostgres,
        @DefaultValue Admin admin,
        @DefaultValue Keys keys,
        @DefaultValue Usage usage,
        @DefaultValue Upstream upstream,
        @DefaultValue Quota quota,
        @DefaultValue Map<String, Price> pricing,
        @DefaultValue Resilience resilience) {

    public static final String PREFIX = "gateway";

    /** Heap budgeted per request in flight when {@code gateway.max-concurrent-requests} is not set. */
    public static final int HEAP_PER_REQUEST_KIB = 256;
    public static final int MIN_DERIVED_CONCURRENCY = 64;
    public static final int MAX_DERIVED_CONCURRENCY = 10_000;

    public GatewayProperties {
        // A model may be served by several backends (that is what routing and failover are for);
        // only the backend names, which identify deployments in metrics and the ledger, must be unique.
        Set<String> names = new java.util.HashSet<>();
        for (Backend b : backends) {
            if (!names.add(b.name())) {
                throw new IllegalArgumentException("gateway.backends: duplicate backend name '" + b.name() + "'");
            }
        }
        if (maxRequestBytes.toBytes() <= 0 || maxRequestBytes.toBytes() > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("gateway.max-request-bytes must be between 1B and 2GB");
        }
        if (maxConcurrentRequests == null) {
            maxConcurrentRequests = concurrencyForHeap(Runtime.getRuntime().maxMemory());
        } else if (maxConcurrentRequests < 1) {
            throw new IllegalArgumentException("gateway.max-concurrent-requests must be at least 1");
        }
    }

    /** The default concurrency limit for a JVM whose heap may grow to {@code maxHeapBytes}. */
    public static int concurrencyForHeap(long maxHeapBytes) {
        long byHeap = maxHeapBytes / (HEAP_PER_REQUEST_KIB * 1024L);
        return (int) Math.clamp(byHeap, MIN_DERIVED_CONCURRENCY, MAX_DERIVED_CONCURRENCY);
    }

    /**
     * One model backend. Each public model it serves is a <em>deployment</em>: requests for a model
     * are balanced by weight over its deployments of the best priority that is healthy, and fail
     * over to the next priority.
     *
     * @param name     unique name, used in metrics and the ledger
     * @param type     protocol spoken by the backend
     * @param baseUrl  base URL ending before the endpoint path, e.g. {@code http://host:8000/v1}
     * @param apiKey   sent upstream (bearer token, {@code x-api-key} for Anthropic, {@code x-goog-api-key} for
     *                 Gemini) when set; never logged
     * @param models   public model names this backend serves under the same name upstream
     * @param aliases  public model name → the name the backend knows it by (e.g.
     *                 {@code gpt-4o-mini: llama3.2:3b}); keys with dots need brackets in YAML
     * @param weight   share of the traffic among deployments of the same priority (1 to 1000)
     * @param priority 0 is tried first; higher numbers only when every lower one is down
     * @param anthropicBeta {@code anthropic-beta} names a client may turn on at this (Anthropic)
     *                 backend; others are not sent, since betas may cost more than the gateway
     *                 meters. Empty: none
     */
    public record Backend(String name, @DefaultValue("openai") BackendType type, URI baseUrl, String apiKey,
                          @DefaultValue List<String> models, @DefaultValue Map<String, String> aliases,
                          @DefaultValue("1") int weight, @DefaultValue("0") int priority,
                          @DefaultValue List<String> anthropicBeta) {
        private static final Pattern BETA_NAME = Pattern.compile("[A-Za-z0-9._-]{1,100}");
        /** A Gemini model resource name, safe as a path segment. */
        private static final Pattern GEMINI_MODEL = Pattern.compile("((models|tunedModels)/)?[A-Za-z0-9][A-Za-z0-9._-]{0,199}");

        private static List<String> upstreamNames(List<String> models, Map<String, String> aliases) {
            var names = new java.util.ArrayList<String>(models);
            names.addAll(aliases.values());
            return names;
        }

        /** Binding uses the canonical constructor; the shorter one below is for code (no betas). */
        @ConstructorBinding
        public Backend {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("gateway.backends[].name is required");
            }
            // Strict URL rules (BaseUrl); configured backends are trusted operator config and are
            // not held to gateway.upstream.allowed-hosts, which binds managed backends only.
            baseUrl = BaseUrl.parse(baseUrl == null ? null : baseUrl.toString(),
                    "gateway.backends[" + name + "].base-url");
            if (models.isEmpty() && aliases.isEmpty()) {
                throw new IllegalArgumentException("gateway.backends[" + name
                        + "].models (or aliases) must name at least one model");
            }
            Set<String> seen = new java.util.HashSet<>();
            for (String m : models) {
                if (!seen.add(m)) {
                    throw new IllegalArgumentException("gateway.backends[" + name + "]: model '" + m + "' listed twice");
                }
            }
            for (var alias : aliases.entrySet()) {
                if (!seen.add(alias.getKey())) {
                    throw new IllegalArgumentException("gateway.backends[" + name + "]: model '" + alias.getKey()
                            + "' is both in models and aliases");
                }
                if (alias.getValue() == null || alias.getValue().isBlank()) {
                    throw new IllegalArgumentException("gateway.backends[" + name + "].aliases." + alias.getKey()
                            + " must name the upstream model");
                }
            }
            if (weight < 1 || weight > 1000) {
                throw new IllegalArgumentException("gateway.backends[" + name + "].weight must be between 1 and 1000");
            }
            if (priority < 0) {
                throw new IllegalArgumentException("gateway.backends[" + name + "].priority must be 0 or more");
            }
            anthropicBeta = anthropicBeta == null ? List.of() : List.copyOf(anthropicBeta);
            for (String beta : anthropicBeta) {
                if (beta == null || !BETA_NAME.matcher(beta).matches()) {
                    throw new IllegalArgumentException("gateway.backends[" + name + "].anthropic-beta values must be "
                            + "names of letters, digits, '-', '_' and '.' (at most 100)");
                }
            }
            if (!anthropicBeta.isEmpty() && type != BackendType.ANTHROPIC) {
                throw new IllegalArgumentException("gateway.backends[" + name
                        + "].anthropic-beta applies only to type anthropic");
            }
            if (type == BackendType.GEMINI) {
                // the upstream name becomes a URL path segment (models/{m}:generateContent)
                for (String upstream : upstreamNames(models, aliases)) {
                    if (!GEMINI_MODEL.matcher(upstream).matches()) {
                        throw new IllegalArgumentException("gateway.backends[" + name + "]: '" + upstream
                                + "' is not a Gemini model name (letters, digits, '-', '_' and '.', optionally "
                                + "after models/ or tunedModels/)");
                    }
                }
            }
            models = List.copyOf(models);
            aliases = Map.copyOf(aliases);
            apiKey = apiKey == null || apiKey.isBlank() ? null : apiKey;
        }

        /** A backend that allows no {@code anthropic-beta}. */
        public Backend(String name, BackendType type, URI baseUrl, String apiKey, List<String> models,
                       Map<String, String> aliases, int weight, int priority) {
            this(name, type, baseUrl, apiKey, models, aliases, weight, priority, List.of());
        }

        /** Every public model this backend serves, with the name to send upstream, in configuration order. */
        public Map<String, String> upstreamModels() {
            var all = new java.util.LinkedHashMap<String, String>();
            models.forEach(m -> all.put(m, m));
            new java.util.TreeMap<>(aliases).forEach(all::put);
            return all;
        }

        @Override
        public String toString() {
            // never print the upstream key
            return "Backend[name=" + name + ", type=" + type + ", baseUrl=" + baseUrl + ", models=" + models
                    + ", aliases=" + aliases + ", weight=" + weight + ", priority=" + priority
                    + ", anthropicBeta=" + anthropicBeta + "]";
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
     * @param bootstrapToken admin bearer token from {@code GATEWAY_ADMIN_TOKEN}, at least
     *                       {@value #BOOTSTRAP_TOKEN_MIN_BYTES} bytes; when empty on a first start,
     *                       one is generated, stored hashed and printed once
     */
    public record Admin(String bootstrapToken) {
        /** A shorter bootstrap token could be guessed; it is refused at start. */
        public static final int BOOTSTRAP_TOKEN_MIN_BYTES = 32;

        public Admin {
            if (bootstrapToken != null && !bootstrapToken.isBlank()
                    && bootstrapToken.getBytes(java.nio.charset.StandardCharsets.UTF_8).length < BOOTSTRAP_TOKEN_MIN_BYTES) {
                throw new IllegalArgumentException("gateway.admin.bootstrap-token (GATEWAY_ADMIN_TOKEN) must be at least "
                        + BOOTSTRAP_TOKEN_MIN_BYTES + " bytes; generate one with: openssl rand -base64 32");
            }
        }

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
     * @param maxFailuresPerMinute failed authentications allowed per minute (per replica) from one client
     *                     address, and on one key id, before further failures are answered 429 (a key
     *                     that verifies still passes: see auth/AuthFailureLimiter)
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
     * @param hourlyRetention hourly rollups older than this are deleted (daily rollups are kept
     *                        forever); zero keeps them. At least 35 days, since {@code /v1/me} reads
     *                        the month so far from them
     */
    public record Usage(@DefaultValue("100000") int queueCapacity, @DefaultValue("1000") int batchSize,
                        @DefaultValue("100ms") Duration flushInterval,
                        @DefaultValue("30s") Duration shutdownTimeout,
                        @DefaultValue("7") int partitionsAhead,
                        @DefaultValue("0d") Duration retention,
                        @DefaultValue("0d") Duration hourlyRetention) {
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
            if (hourlyRetention.isNegative() || (!hourlyRetention.isZero() && hourlyRetention.toDays() < 35)) {
                throw new IllegalArgumentException(
                        "gateway.usage.hourly-retention must be 0 (keep) or at least 35 days (/v1/me reads the month from it)");
            }
        }
    }

    /**
     * @param connectTimeout  time allowed to open a connection to a backend (then the next deployment is tried)
     * @param responseTimeout time allowed until the backend's response headers arrive, the "first byte" (504 after)
     * @param idleTimeout     longest gap allowed between two reads of a backend's answer, streams included;
     *                        a stalled backend is cut off after it rather than holding the client forever
     * @param maxConnections  most connections open to any one backend address, and in all; a call that finds
     *                        none free waits up to the connect timeout, then fails with 503. Each open stream
     *                        holds one.
     * @param encryptionKey   base64 AES key (16, 24 or 32 bytes) sealing the upstream API keys of backends
     *                        managed through the admin API ({@code GATEWAY_UPSTREAM_ENCRYPTION_KEY}); the
     *                        same on every replica. Without it, managed backends cannot carry an API key.
     * @param allowedHosts    where backends managed through the admin API may point: exact host names,
     *                        {@code *.example.com}, IP addresses or CIDR ranges, each optionally with
     *                        {@code :port} ({@code [v6]:port} for IPv6); empty: any host. Loopback,
     *                        link-local (cloud metadata), unspecified addresses and the gateway's own
     *                        ports are refused unless a pattern names them (backend.UpstreamDestinations).
     *                        Configured backends are not held to it.
     */
    public record Upstream(@DefaultValue("5s") Duration connectTimeout,
                           @DefaultValue("300s") Duration responseTimeout,
                           @DefaultValue("120s") Duration idleTimeout,
                           @DefaultValue("20000") int maxConnections,
                           String encryptionKey,
                           @DefaultValue List<String> allowedHosts) {
        public Upstream {
            if (connectTimeout.isNegative() || connectTimeout.isZero() || responseTimeout.isNegative()
                    || responseTimeout.isZero() || idleTimeout.isNegative() || idleTimeout.isZero()) {
                throw new IllegalArgumentException("gateway.upstream timeouts must be positive");
            }
            if (maxConnections < 1) {
                throw new IllegalArgumentException("gateway.upstream.max-connections must be at least 1");
            }
            allowedHosts = List.copyOf(allowedHosts);
        }

        @Override
        public String toString() {
            return "Upstream[connectTimeout=" + connectTimeout + ", responseTimeout=" + responseTimeout
                    + ", idleTimeout=" + idleTimeout + ", maxConnections=" + maxConnections + ", encryptionKey=" + (encryptionKey == null ? "unset" : "***")
                    + ", allowedHosts=" + allowedHosts + "]";
        }
    }

    /**
     * @param retry          retries of one client request, before anything has been sent to the client
     * @param circuitBreaker one circuit breaker per deployment (backend + model)
     */
    public record Resilience(@DefaultValue Retry retry, @DefaultValue CircuitBreaker circuitBreaker) {
    }

    /**
     * Retries on connection errors, 429 and 5xx, with exponential backoff and jitter. Each retry
     * prefers a deployment not tried yet. The client request is reserved and billed once whatever
     * the number of attempts.
     *
     * @param maxAttempts    attempts per client request, the first included (1 = no retry)
     * @param initialBackoff wait before the first retry
     * @param multiplier     growth of the wait between retries
     * @param jitter         randomization factor of each wait (0 to 1): 0.5 means ±50 %
     * @param maxBackoff     longest wait between two attempts
     */
    public record Retry(@DefaultValue("3") int maxAttempts, @DefaultValue("200ms") Duration initialBackoff,
                        @DefaultValue("2.0") double multiplier, @DefaultValue("0.5") double jitter,
                        @DefaultValue("5s") Duration maxBackoff) {
        public Retry {
            if (maxAttempts < 1 || maxAttempts > 10) {
                throw new IllegalArgumentException("gateway.resilience.retry.max-attempts must be between 1 and 10");
            }
            if (initialBackoff.isNegative() || initialBackoff.isZero() || multiplier < 1 || jitter < 0 || jitter >= 1
                    || maxBackoff.compareTo(initialBackoff) < 0) {
                throw new IllegalArgumentException("gateway.resilience.retry: backoff must be positive, multiplier >= 1, "
                        + "0 <= jitter < 1 and max-backoff >= initial-backoff");
            }
        }
    }

    /**
     * @param failureRateThreshold percentage of failed calls (5xx, connection errors, timeouts) that opens the circuit
     * @param slidingWindow        calls remembered per deployment
     * @param minimumCalls         calls needed before the failure rate counts
     * @param openDuration         how long an open circuit refuses calls before letting probes through (half-open)
     * @param halfOpenCalls        probe calls allowed while half-open
     */
    public record CircuitBreaker(@DefaultValue("50") int failureRateThreshold, @DefaultValue("20") int slidingWindow,
                                 @DefaultValue("10") int minimumCalls, @DefaultValue("30s") Duration openDuration,
                                 @DefaultValue("2") int halfOpenCalls) {
        public CircuitBreaker {
            if (failureRateThreshold < 1 || failureRateThreshold > 100 || slidingWindow < 1 || minimumCalls < 1
                    || halfOpenCalls < 1 || openDuration.isNegative() || openDuration.isZero()) {
                throw new IllegalArgumentException("gateway.resilience.circuit-breaker: threshold 1-100, positive sizes "
                        + "and open-duration");
            }
        }
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
