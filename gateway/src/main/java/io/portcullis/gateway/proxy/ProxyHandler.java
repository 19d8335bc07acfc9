package io.portcullis.gateway.proxy;

import io.portcullis.gateway.alert.BudgetAlerts;
import io.portcullis.gateway.auth.ApiKeyAuthenticator;
import io.portcullis.gateway.auth.Caller;
import io.portcullis.gateway.backend.BackendRegistry;
import io.portcullis.gateway.backend.BackendRegistry.Route;
import io.portcullis.gateway.metrics.GatewayMetrics;
import io.portcullis.gateway.quota.Pricing;
import io.portcullis.gateway.quota.QuotaMetrics;
import io.portcullis.gateway.quota.QuotaProperties;
import io.portcullis.gateway.team.Team;
import io.portcullis.gateway.team.Teams;
import io.portcullis.gateway.usage.BilledBy;
import io.portcullis.gateway.web.ApiError;
import io.portcullis.gateway.web.ClientExchange;
import io.portcullis.gateway.web.GatewayException;
import io.portcullis.gateway.web.PresentedKey;
import io.portcullis.policy.AccessPolicy;
import io.portcullis.policy.Decision;
import io.portcullis.policy.Limits;
import io.portcullis.policy.UsagePolicy;
import io.portcullis.policy.quota.QuotaEngine;
import io.portcullis.policy.quota.QuotaRequest;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.stereotype.Component;

/**
 * The request path of the client API, in one place:
 * <ol>
 *   <li>authenticate the key ({@link ApiKeyAuthenticator}) and find its team ({@link Teams});</li>
 *   <li>read the body within its key's slots, the memory budget and the deadline
 *       ({@link BodyReader}; an upload's files spooled to disk by {@link UploadReader}), check it,
 *       route the model ({@link BackendRegistry});</li>
 *   <li>decide: usage policy ({@link AccessPolicy}) then quotas ({@link QuotaEngine}), both pure,
 *       reserving the request's estimate;</li>
 *   <li>forward and relay the answer ({@link UpstreamForwarder});</li>
 *   <li>settle the reservation to the real usage, and meter: ledger and metrics
 *       ({@link Metering}), whatever happened above.</li>
 * </ol>
 * Each request is one trace span, with the decision, attempts and ledger write below it
 * ({@link RequestTracing}).
 */
@Component
class ProxyHandler {

    private static final Logger log = LoggerFactory.getLogger(ProxyHandler.class);

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
    private final BodyReader bodies;
    private final UploadReader uploads;
    private final BodyBudget bodyBudget;
    private final ResponsesAccess responses;
    private final RequestTracing tracing;
    private final GatewayMetrics metrics;
    private final InstantSource clock;
    private final long defaultMaxTokens;
    private final BudgetAlerts budgetAlerts;

    ProxyHandler(ApiKeyAuthenticator authenticator, Teams teams, BackendRegistry backends, AccessPolicy policy,
                 QuotaEngine quotas, Pricing pricing, RateLimitHeaders rateLimitHeaders, QuotaMetrics quotaMetrics,
                 UpstreamForwarder forwarder,
                 Metering metering, InFlightRequests inFlight, BodyReader bodies, BodyBudget bodyBudget,
                 GatewayMetrics metrics, InstantSource clock, QuotaProperties quota,
                 ResponsesAccess responses, RequestTracing tracing, BudgetAlerts budgetAlerts,
                 UploadReader uploads) {
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
        this.bodies = bodies;
        this.uploads = uploads;
        this.bodyBudget = bodyBudget;
        this.responses = responses;
        this.tracing = tracing;
        this.metrics = metrics;
        this.clock = clock;
        this.defaultMaxTokens = quota.defaultMaxTokens();
        this.budgetAlerts = budgetAlerts;
    }

    void handle(Endpoint endpoint, ClientExchange client) throws IOException {
        var exchange = new Exchange(endpoint, client.requestId(), System.nanoTime(), clock.instant());
        exchange.trace = tracing.start(endpoint, exchange.requestId, client);
        if (!inFlight.tryEnter(client.waitedNanos())) {
            refuseOverloaded(exchange, client);
            return;
        }
        // the body's memory is held until the request ends, its last use (forwarding) included
        var bodyMemory = bodyBudget.lease();
        try {
            serve(exchange, client, bodyMemory);
        } finally {
            bodyMemory.close();
            if (exchange.upload != null) {
                exchange.upload.close(); // the spooled files, once the last attempt is over
            }
            inFlight.exit();
        }
    }

    /**
     * Answers 503 {@code overloaded} to a request the server refused as it arrived, before handing
     * it to a thread ({@code QueueingDelay.shedsOnArrival}): called on the server's event loop, so
     * it reads nothing, looks nothing up and never blocks; the request is counted and logged as
     * any shed request is.
     */
    void shedOnArrival(Endpoint endpoint, ClientExchange client) throws IOException {
        var exchange = new Exchange(endpoint, client.requestId(), System.nanoTime(), clock.instant());
        exchange.trace = tracing.start(endpoint, exchange.requestId, client);
        inFlight.shedOnArrival();
        refuseOverloaded(exchange, client);
    }

    /** Before reading anything: shedding must cost far less than serving. */
    private void refuseOverloaded(Exchange exchange, ClientExchange client) throws IOException {
        var overloaded = new GatewayException(ApiError.overloaded(), Duration.ofSeconds(1));
        exchange.refused(overloaded.error());
        try {
            ErrorShape.of(exchange.endpoint).write(client, overloaded);
        } finally {
            metering.complete(exchange);
        }
    }

    private void serve(Exchange exchange, ClientExchange client, BodyBudget.Lease bodyMemory) throws IOException {
        Team team = null;
        try {
            Caller caller = authenticator.authenticate(PresentedKey.of(client));
            exchange.caller = caller;
            team = teamOf(caller);
            var body = exchange.endpoint.multipart()
                    ? ClientRequest.ofUpload(exchange.endpoint, exchange.upload = uploads.read(client, caller, bodyMemory))
                    : ClientRequest.parse(exchange.endpoint, bodies.read(client, caller, bodyMemory));
            exchange.model = body.model();
            exchange.streamed = body.stream();
            Route route = backends.route(body.model())
                    .orElseThrow(() -> ApiError.modelNotFound(body.model()).toException());
            exchange.modelServed = true;
            if (body.responses() != null) {
                route = responses.admit(exchange, caller, body.responses(), route);
            }
            try (var decision = exchange.trace.step("decision")) {
                try {
                    decide(exchange, caller, team, body, client.remoteAddress());
                    decision.result(0, null);
                } catch (GatewayException refused) {
                    decision.result(refused.error().status(), refused.error().code());
                    throw refused;
                }
            }
            rateLimitHeaders.write(client, caller, team);
            exchange.route = route;
            if (body.stream()) {
                metrics.streamOpened();
            }
            try {
                forwarder.forward(exchange, body, route, client);
            } finally {
                if (body.stream()) {
                    metrics.streamClosed();
                }
            }
        } catch (GatewayException e) {
            exchange.refused(e.error());
            if (exchange.caller != null && !client.committed()) {
                rateLimitHeaders.write(client, exchange.caller, team);
            }
            ErrorShape.of(exchange.endpoint).write(client, e);
        } catch (IOException e) {
            // writing to a client that has gone: the answer had started
            if (exchange.ending == null) {
                exchange.cutShort(exchange.status, Outcome.CLIENT_CLOSED);
            }
            throw e;
        } catch (RuntimeException e) {
            // A bug, not the client's or the backend's doing: still billed if the backend worked.
            log.error("Unhandled error on {} (request {})", exchange.endpoint.path(), exchange.requestId, e);
            exchange.crashed(e);
            if (!client.committed()) {
                ErrorShape.of(exchange.endpoint).write(client, ApiError.internal());
            }
        } finally {
            if (exchange.ending == null) {
                // every path above sets one; a gap here must still bill what the backend did
                exchange.crashed(new IllegalStateException("request ended without an ending"));
            }
            try {
                settle(exchange, team);
            } finally {
                metering.complete(exchange);
            }
        }
    }

    /**
     * Usage policy, then quotas; on success the exchange holds the reservation. A policy refusal
     * still counts against the key's request rate, so refused requests cannot be repeated for free.
     */
    private void decide(Exchange exchange, Caller caller, Team team, ClientRequest body, String clientAddress) {
        UsagePolicy teamPolicy = team == null ? UsagePolicy.OPEN : team.policy();
        Limits teamLimits = team == null ? Limits.NONE : team.limits();
        exchange.outputCap = outputCap(caller.limits(), teamLimits);
        long reserveWithout = exchange.outputCap > 0 ? Math.min(defaultMaxTokens, exchange.outputCap) : defaultMaxTokens;
        var inspection = RequestInspector.inspect(exchange.endpoint, body, clientAddress, reserveWithout);
        exchange.inspection = inspection;
        String teamScope = team == null ? null : team.scope();
        if (policy.checkRequest(caller.policy(), caller.limits(), teamPolicy, teamLimits, inspection.facts())
                instanceof Decision.Denied denied) {
            var counted = quotas.admit(new QuotaRequest(caller.scope(), caller.limits(), teamScope, teamLimits, 0, 0),
                    exchange.startedAt);
            if (counted.decision() instanceof Decision.Denied rate) {
                throw refuse(rate);
            }
            quotas.settle(counted.reservation(), 0, 0, clock.instant());
            throw refuse(denied);
        }
        exchange.price = pricing.of(body.model());
        long cost = exchange.price.costMicros(inspection.promptTokens(), 0, inspection.completionReserve(),
                inspection.unitsEstimate());
        var admission = quotas.admit(new QuotaRequest(caller.scope(), caller.limits(), teamScope,
                teamLimits, inspection.reservedTokens(), cost), exchange.startedAt);
        if (admission.decision() instanceof Decision.Denied denied) {
            budgetAlerts.refused(admission.refusedBy(), caller, team, exchange.startedAt);
            throw refuse(denied);
        }
        exchange.reservation = admission.reservation();
    }

    /** The smaller of two {@code maxTokensPerRequest} limits, or -1 when neither is set. */
    private static long outputCap(Limits key, Limits team) {
        Long a = key.maxTokensPerRequest();
        Long b = team.maxTokensPerRequest();
        if (a == null && b == null) {
            return -1;
        }
        return Math.min(a == null ? Long.MAX_VALUE : a, b == null ? Long.MAX_VALUE : b);
    }

    private GatewayException refuse(Decision.Denied denied) {
        quotaMetrics.rejected(denied.reason());
        return new GatewayException(ApiError.of(denied), denied.retryAfter());
    }

    /**
     * Bills the request from how it ended ({@link Settlement}) and settles its reservation to that:
     * an answer without usage figures, or cut short, is never free (docs/quotas.md, "Billing").
     */
    private void settle(Exchange exchange, Team team) {
        var inspection = exchange.inspection;
        var bill = inspection == null ? Settlement.bill(exchange.ending, 0, 0)
                : Settlement.bill(exchange.ending, inspection.promptTokens(), inspection.completionReserve(),
                        inspection.unitsEstimate());
        exchange.billed = bill.usage();
        exchange.billedBy = bill.billedBy();
        try {
            if (exchange.model != null && bill.billedBy() != BilledBy.NONE) {
                // the price looked up when the request was decided; a request billed without one never got there
                var price = exchange.price != null ? exchange.price : pricing.of(exchange.model);
                exchange.costMicros = price.costMicros(bill.usage().promptTokens(),
                        bill.usage().cachedTokens(), bill.usage().completionTokens(), bill.usage().units());
            }
        } finally {
            // whatever pricing did, the reservation (and its concurrency slot) is settled
            if (exchange.reservation != null) {
                Instant now = clock.instant();
                quotas.settle(exchange.reservation, bill.usage().totalTokens(), exchange.costMicros, now);
                budgetAlerts.settled(exchange.caller, team, now);
            }
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
}
