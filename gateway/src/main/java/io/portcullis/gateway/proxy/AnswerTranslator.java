package io.portcullis.gateway.proxy;

import tools.jackson.databind.JsonNode;

/**
 * Rewrites one whole backend answer into the client's protocol (a dialect's half of
 * {@link BackendDialect#answerTranslator}). Records the usage it finds on the exchange.
 */
@FunctionalInterface
interface AnswerTranslator {

    /**
     * @param status the backend's status
     * @param json   the answer parsed: an object for a 2xx (anything else never reaches here), any
     *               JSON or null (not JSON) for an error status
     * @param raw    the answer's bytes, to pass on unchanged when no rewriting is needed
     * @return the client's status and body
     * @throws io.portcullis.gateway.web.GatewayException when the answer cannot be given to the client
     */
    Translated translate(int status, JsonNode json, byte[] raw);

    /** What the client gets. */
    record Translated(int status, byte[] body) {
    }
}
