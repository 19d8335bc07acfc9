package io.portcullis.gateway.governance;

import io.portcullis.gateway.support.Fixtures;

/** Pieces of recorded answers that the governance tests recombine into misbehaving ones. */
final class ScriptedBackendFixtures {

    private ScriptedBackendFixtures() {
    }

    /** The recorded Anthropic text stream up to and including its one text delta. */
    static String anthropicStreamHead() {
        String recorded = Fixtures.text("anthropic/messages-stream.text.sse");
        int end = recorded.indexOf("event: content_block_stop");
        return recorded.substring(0, end);
    }
}
