package io.portcullis.gateway.proxy;

import io.portcullis.gateway.GatewayProperties;
import io.portcullis.gateway.auth.ApiKeyAuthenticator;
import io.portcullis.gateway.auth.Caller;
import io.portcullis.gateway.backend.BackendRegistry;
import io.portcullis.gateway.backend.BackendRegistry.Route;
import io.portcullis.gateway.metrics.GatewayMetrics;
import io.portcullis.gateway.quota.Pricing;
import io.portcullis.gateway.quota.QuotaMetrics;
import io.portcullis.gateway.quota.RateLimitHeaders;
import io.portcullis.gateway.team.Team;
import io.portcullis.gateway.team.Teams;
import io.portcullis.gateway.web.ApiError;
import io.portcullis.gateway.web.ErrorWriter;
import io.portcullis.gateway.web.GatewayException;
import io.portcullis.gateway.web.RequestIdFilter;
import io.portcullis.policy.AccessPolicy;
import io.portcullis.policy.Decision;
import io.portcullis.policy.Limits;
import io.portcullis.policy.UsagePolicy;
import io.portcullis.policy.quota.QuotaEngine;
import io.portcullis.policy.quota.QuotaRequest;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.time.InstantSource;
import org.springframework.dao.DataAccessException;
import org.springframework.stereotype.Component;

/**
 * The request path of the client API, in one place:
 * <ol>
 *   <li>authenticate the key ({@link ApiKeyAuthenticator}) and find its team ({@link Teams});</li>
 *   <li>read and check the body, route the model ({@link BackendRegistry});</li>
 *   <li>decide: usage policy ({@link AccessPolicy}) then quotas ({@link QuotaEngine}), both pure,
 *       reserving the request's estimate;</li>
 *   <li>forward and relay the answer ({@link UpstreamForwarder});</li>
 *   <li>settle the reservation to the real usage, and meter: ledger and metrics
 *       ({@link Metering}), whatever happened above.</li>
 * </ol>
 */
@Component
class ProxyHandler {

    private final ApiKeyAuthenticator authenticator;
    private final Teams teams;
    private final BackendRegistry backends;
    private final AccessPolicy policy;
    private final QuotaEngine quotas;
    private final Pricing pricing;
    private final RateLimitHeaders rateLimitHeaders;
    private final QuotaMetrics quotaMetrics;
    private final UpstreamForwarder forwarder;
    private final Metering metering;
    private final InFlightRequests inFlight;
    private final GatewayMetrics metrics;
    private final InstantSource clock;
    private final int maxRequestBytes;
    private final long defaultMaxTokens;

    ProxyHandler(ApiKeyAuthenticator authenticator, Teams teams, BackendRegistry backends, AccessPolicy policy,
                 QuotaEngine quotas, Pricing pricing, RateLimitHeaders rateLimitHeaders, QuotaMetrics quotaMetrics,
                 UpstreamForwarder forwarder,
                 Metering metering, InFlightRequests inFlight, GatewayMetrics metrics, InstantSource clock,
                 GatewayProperties properties) {
        this.authenticator = authenticator;
        this.teams = teams;
        this.backends = backends;
        this.policy = policy;
        this.quotas = quotas;
        this.pricing = pricing;
        this.rateLimitHeaders = rateLimitHeaders;
        this.quotaMetrics = quotaMetrics;
        this.forwarder = forwarder;
        this.metering = metering;
        this.inFlight = inFlight;
        this.metrics = metrics;
        this.clock = clock;
        this.maxRequestBytes = (int) properties.maxRequestBytes().toBytes();
        this.defaultMaxTokens = properties.quota().defaultMaxTokens();
    }

    void handle(Endpoint endpoint, HttpServletRequest request, HttpServletResponse response) throws IOException {
        var exchange = new Exchange(endpoint, RequestIdFilter.of(request), System.nanoTime(), clock.instant());
        if (!inFlight.tryEnter()) {
            // before reading anything: shedding must cost far less than serving
            var overloaded = new GatewayException(ApiError.overloaded(), Duration.ofSeconds(1));
            exchange.failed(overloaded.error());
            ErrorWriter.write(response, overloaded);
            metering.complete(exchange);
            return;
        }
        Team team = null;
        try {
            Caller caller = authenticator.authenticate(request);
            exchange.caller = caller;
            team = teamOf(caller);
            var body = ClientRequest.parse(endpoint, readBody(request));
            exchange.model = body.model();
            exchange.streamed = body.stream();
            Route route = backends.route(body.model())
                    .orElseThrow(() -> ApiError.modelNotFound(body.model()).toException());
            exchange.modelServed = true;
            decide(exchange, caller, team, body, request.getRemoteAddr());
            rateLimitHeaders.write(response, caller, team);
            exchange.route = route;
            if (body.stream()) {
                metrics.streamOpened();
            }
            try {
                forwarder.forward(exchange, body, route, request, response);
            } finally {
                if (body.stream()) {
                    metrics.streamClosed();
                }
            }
        } catch (GatewayException e) {
            exchange.failed(e.error());
            if (exchange.caller != null && !response.isCommitted()) {
                rateLimitHeaders.write(response, exchange.caller, team);
            }
            ErrorWriter.write(response, e);
        } finally {
            settle(exchange);
            try {
                metering.complete(exchange);
            } finally {
                inFlight.exit();
            }
        }
    }

    /** Usage policy, then quotas; on success the exchange holds the reservation. */
    private void decide(Exchange exchange, Caller caller, Team team, ClientRequest body, String clientAddress) {
        var inspection = RequestInspector.inspect(exchange.endpoint, body, clientAddress, defaultMaxTokens);
        exchange.inspection = inspection;
        UsagePolicy teamPolicy = team == null ? UsagePolicy.OPEN : team.policy();
        Limits teamLimits = team == null ? Limits.NONE : team.limits();
        if (policy.checkRequest(caller.policy(), caller.limits(), teamPolicy, teamLimits, inspection.facts())
                instanceof Decision.Denied denied) {
            throw refuse(denied);
        }
        long cost = pricing.of(body.model()).costMicros(inspection.promptTokens(), 0, inspection.completionReserve());
        var admission = quotas.admit(new QuotaRequest(caller.scope(), caller.limits(), team == null ? null : team.scope(),
                teamLimits, inspection.reservedTokens(), cost), exchange.startedAt);
        if (admission.decision() instanceof Decision.Denied denied) {
            throw refuse(denied);
        }
        exchange.reservation = admission.reservation();
    }

    private GatewayException refuse(Decision.Denied denied) {
        quotaMetrics.rejected(denied.reason());
        return new GatewayException(ApiError.of(denied), denied.retryAfter());
    }

    /**
     * Settles the reservation to what the backend reported. A request cut short with no usage
     * reported (client gone mid-stream, backend broke off) is billed its reservation, so
     * abandoned streams are never free.
     */
    private void settle(Exchange exchange) {
        var usage = exchange.usage;
        String outcome = exchange.outcome();
        boolean cutShort = outcome.equals(Outcome.CLIENT_CLOSED.tag()) || outcome.equals(Outcome.UPSTREAM_BROKEN.tag())
                || (outcome.equals(Outcome.UPSTREAM_TIMEOUT.tag()) && exchange.status / 100 == 2);
        if (usage == Exchange.Usage.NONE && cutShort && exchange.inspection != null) {
            usage = new Exchange.Usage((int) Math.min(Integer.MAX_VALUE, exchange.inspection.promptTokens()),
                    (int) Math.min(Integer.MAX_VALUE, exchange.inspection.completionReserve()), 0);
            exchange.usage = usage;
        }
        if (exchange.model != null && usage != Exchange.Usage.NONE) {
            exchange.costMicros = pricing.of(exchange.model)
                    .costMicros(usage.promptTokens(), usage.cachedTokens(), usage.completionTokens());
        }
        if (exchange.reservation != null) {
            quotas.settle(exchange.reservation, (long) usage.promptTokens() + usage.completionTokens(),
                    exchange.costMicros, clock.instant());
        }
    }

    private Team teamOf(Caller caller) {
        if (caller.teamId() == null) {
            return null;
        }
        try {
            return teams.find(caller.teamId()).orElse(null);
        } catch (DataAccessException e) {
            throw ApiError.serviceUnavailable("The gateway cannot load this key's team right now; retry shortly")
                    .toException();
        }
    }

    /** Reads the body, refusing anything over {@code gateway.max-request-bytes} without buffering it. */
    private byte[] readBody(HttpServletRequest request) throws IOException {
        long declared = request.getContentLengthLong();
        if (declared > maxRequestBytes) {
            throw ApiError.requestTooLarge(maxRequestBytes).toException();
        }
        byte[] body;
        try {
            InputStream in = request.getInputStream();
            if (declared >= 0) {
                // the usual case: one array of the declared size, no growing and copying
                body = new byte[(int) declared];
                int n = in.readNBytes(body, 0, body.length);
                if (n < body.length) {
                    throw ApiError.invalidRequest("The request body ended before its declared Content-Length", null)
                            .toException();
                }
            } else {
                body = in.readNBytes(maxRequestBytes + 1);
            }
        } catch (IOException e) {
            // a body that stops arriving (server.tomcat.connection-timeout) or a client that leaves
            throw new ApiError(408, "The request body was not received in time", "invalid_request_error", null,
                    "request_timeout").toException();
        }
        if (body.length > maxRequestBytes) {
            throw ApiError.requestTooLarge(maxRequestBytes).toException();
        }
        return body;
    }
}
