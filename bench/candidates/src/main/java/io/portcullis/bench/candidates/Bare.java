package io.portcullis.bench.candidates;

/**
 * What every candidate shares, so that they differ only in their server and client: the command
 * line, the bound on a request body, and how a request is routed. A request whose body asks for a
 * stream goes to the slow SSE backend (the idle-streams measurement), every other one to the nginx
 * fake; the path is always {@code /v1/chat/completions}.
 */
final class Bare {

    /** Request and whole-answer bodies larger than this are refused (413) or failed (502). */
    static final int MAX_BODY = 1 << 20;
    static final String PATH = "/v1/chat/completions";
    static final String JSON = "application/json";

    final int port;
    final int backendPort;
    final int streamPort;

    private Bare(int port, int backendPort, int streamPort) {
        this.port = port;
        this.backendPort = backendPort;
        this.streamPort = streamPort;
    }

    /** {@code PORT BACKEND_PORT STREAM_PORT}; every candidate binds 127.0.0.1 only. */
    static Bare parse(String[] args) {
        if (args.length != 3) {
            System.err.println("usage: PORT BACKEND_PORT STREAM_PORT");
            System.exit(2);
        }
        return new Bare(Integer.parseInt(args[0]), Integer.parseInt(args[1]), Integer.parseInt(args[2]));
    }

    /** The port the request goes to: the SSE backend when the body says {@code "stream":true}. */
    int upstreamPort(byte[] body, int length) {
        return isStream(body, length) ? streamPort : backendPort;
    }

    String upstreamUri(byte[] body, int length) {
        return "http://127.0.0.1:" + upstreamPort(body, length) + PATH;
    }

    /**
     * A byte search, not a JSON parse: the candidates are compared on transport, and a parse would
     * cost the same in each. Accepts {@code "stream":true} with optional spaces after the colon.
     */
    static boolean isStream(byte[] body, int length) {
        byte[] key = {'"', 's', 't', 'r', 'e', 'a', 'm', '"', ':'};
        outer:
        for (int i = 0; i + key.length < length; i++) {
            for (int k = 0; k < key.length; k++) {
                if (body[i + k] != key[k]) {
                    continue outer;
                }
            }
            int j = i + key.length;
            while (j < length && body[j] == ' ') {
                j++;
            }
            return j + 4 <= length && body[j] == 't' && body[j + 1] == 'r' && body[j + 2] == 'u' && body[j + 3] == 'e';
        }
        return false;
    }

    static boolean isEventStream(String contentType) {
        return contentType != null && contentType.startsWith("text/event-stream");
    }

    void started(String name) {
        System.out.println(name + " proxy on 127.0.0.1:" + port + " -> nginx :" + backendPort + ", streams :" + streamPort);
    }
}
