package io.portcullis.gateway.proxy;

import io.portcullis.gateway.auth.Caller;
import io.portcullis.gateway.backend.BackendRegistry.Route;
import io.portcullis.gateway.responses.ResponseOwnership;
import io.portcullis.gateway.responses.StoredResponse;
import io.portcullis.gateway.web.ApiError;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.stereotype.Component;

/**
 * Stored responses on {@code POST /v1/responses}: a {@code previous_response_id} must name one of
 * the caller's own responses (anything else is the same 404 as an unknown id, so ids cannot be
 * probed), and the request then goes to the backend that stored it; an answer the backend stores
 * is recorded as the caller's before the client sees its id ({@link ResponseOwnership}).
 */
@Component
class ResponsesAccess {

    private static final Logger log = LoggerFactory.getLogger(ResponsesAccess.class);

    private final ResponseOwnership ownership;

    ResponsesAccess(ResponseOwnership ownership) {
        this.ownership = ownership;
    }

    /**
     * Checks the request's {@code previous_response_id} and narrows the route to the backend
     * holding it; sets up the recording of the answer's id.
     *
     * @return the route to forward on
     */
    Route admit(Exchange exchange, Caller caller, ResponsesRequest request, Route route) {
        Route narrowed = route;
        if (request.previousResponseId() != null) {
            StoredResponse previous = owned(caller, request.previousResponseId()).orElseThrow(() ->
                    notFound(request.previousResponseId()).withParam("previous_response_id").toException());
            narrowed = route.on(previous.backend()).orElseThrow(() -> ApiError.invalidRequest("The response '"
                    + previous.id() + "' was created on a backend that does not serve the model '" + route.model()
                    + "'", "previous_response_id").toException());
        }
        if (request.store()) {
            exchange.onResponseCreated = id -> record(exchange, caller, id);
        }
        return narrowed;
    }

    /** The caller's own stored response by id; another key's is as absent as an unknown one. */
    Optional<StoredResponse> owned(Caller caller, String id) {
        if (!ResponseOwnership.ID.matcher(id).matches()) {
            return Optional.empty();
        }
        try {
            return ownership.find(id).filter(stored -> stored.ownedBy(caller.keyId()));
        } catch (DataAccessException e) {
            throw ApiError.serviceUnavailable("The gateway cannot check who owns this response right now; retry"
                    + " shortly").toException();
        }
    }

    /** The contract's 404 for a response the caller may not reach (api-contract.md, section 2). */
    static ApiError notFound(String id) {
        String shown = ResponseOwnership.ID.matcher(id).matches() ? "'" + id + "'" : "(malformed id)";
        return ApiError.notFound("No response with id " + shown + " was created by this API key");
    }

    private void record(Exchange exchange, Caller caller, String id) {
        String backend = exchange.deployment == null ? null : exchange.deployment.backend().name();
        try {
            if (backend == null || !ownership.record(id, caller.keyId(), backend, exchange.model)) {
                // a malformed id, or one already recorded for another key: nobody new may reach it
                log.warn("Response id from backend '{}' not recorded for key {} (malformed or already owned)",
                        backend, caller.keyId());
            }
        } catch (DataAccessException e) {
            // The answer is still worth relaying; its stored copy is then reachable by no key (404).
            log.error("Could not record the owner of a stored response (backend '{}', key {})", backend,
                    caller.keyId(), e);
        }
    }
}
