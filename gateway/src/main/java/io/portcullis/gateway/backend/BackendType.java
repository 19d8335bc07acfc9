package io.portcullis.gateway.backend;

import java.util.Locale;

/** The kinds of backend protocol the gateway speaks. */
public enum BackendType {
    /** Any OpenAI-compatible server: vLLM, llama.cpp, OpenAI itself. */
    OPENAI,
    /** Anthropic's Messages API: chat requests are translated both ways (docs/backends.md). */
    ANTHROPIC,
    /** Ollama's OpenAI-compatible endpoint, with its quirks handled (docs/backends.md). */
    OLLAMA,
    /** Google's Gemini API: chat and embeddings are translated both ways (docs/backends.md). */
    GEMINI;

    /** The lower-case name used in configuration and metrics. */
    public String tag() {
        return name().toLowerCase(Locale.ROOT);
    }
}
