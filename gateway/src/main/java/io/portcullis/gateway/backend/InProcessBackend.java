package io.portcullis.gateway.backend;

/**
 * A backend that answers inside the gateway, without a network call: today only the demo model
 * ({@link io.portcullis.gateway.backend.demo.DemoModel}). It is given what an HTTP backend of its
 * type would be sent, and answers what such a backend would send back, so everything on either
 * side of the call (dialect, stream relay, usage, billing) is the request path every backend
 * takes. Which deployments are answered in process is the {@link BackendRegistry}'s to say
 * ({@link BackendRegistry#inProcess}); no configuration or admin call can make one.
 */
public interface InProcessBackend {

    /**
     * The answer to one call.
     *
     * @param path the endpoint path the call goes to ({@code /chat/completions})
     * @param body the upstream request body, as the backend's dialect built it
     */
    Answer answer(String path, byte[] body);

    /** Status, content type and the whole body, as an HTTP backend would have answered. */
    record Answer(int status, String contentType, byte[] body) {
    }
}
