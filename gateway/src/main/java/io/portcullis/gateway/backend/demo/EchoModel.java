package io.portcullis.gateway.backend.demo;

import io.portcullis.gateway.backend.InProcessBackend;
import java.nio.charset.StandardCharsets;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The answers of the demo model {@value #MODEL}, in OpenAI's chat completion shape, as an
 * OpenAI-compatible server would give them to the gateway: deterministic, and counted by a rule
 * anyone can check by hand (docs/backends.md, "The demo model").
 *
 * <ul>
 *   <li>The answer is {@value #PREFIX} followed by the text of the last user message (its string
 *       content, or its text parts joined by a space), leading and trailing white space removed.</li>
 *   <li>A token is a word: a run of characters without white space. {@code prompt_tokens} counts
 *       the words of every message's text, {@code completion_tokens} those of the answer (times
 *       {@code n}), {@code total_tokens} both.</li>
 *   <li>{@code max_completion_tokens} or {@code max_tokens} (the smaller when both are set) cuts the
 *       answer after that many words, with {@code finish_reason: "length"}.</li>
 *   <li>Streamed, each word is one chunk (with the white space before it), after a first chunk
 *       carrying the role; then the finishing chunk, the usage chunk when
 *       {@code stream_options.include_usage} asks for it, and {@code [DONE]}.</li>
 *   <li>Only chat is answered: any other endpoint gets OpenAI's 400 error shape saying so.</li>
 * </ul>
 */
public final class EchoModel implements InProcessBackend {

    /** The public (and upstream) name of the demo model. */
    public static final String MODEL = "portcullis-echo";
    /** What every answer starts with. */
    public static final String PREFIX = "Echo: ";

    private static final JsonMapper MAPPER = JsonMapper.builder().build();
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final Pattern WORD = Pattern.compile("\\s*\\S+");
    private static final String ID = "chatcmpl-" + MODEL;

    private final InstantSource clock;

    public EchoModel(InstantSource clock) {
        this.clock = clock;
    }

    @Override
    public Answer answer(String path, byte[] body) {
        if (!path.endsWith("/chat/completions")) {
            return error(MODEL + " is the gateway's demo model and answers only chat (/v1/chat/completions,"
                    + " /v1/messages); configure gateway.backends to use real models");
        }
        JsonNode request;
        try {
            request = MAPPER.readTree(body);
        } catch (JacksonException e) {
            return error("The request body is not JSON");
        }
        if (!(request instanceof ObjectNode chat) || !chat.path("messages").isArray()) {
            return error("'messages' must be an array");
        }
        String model = chat.path("model").asString(MODEL);
        List<String> words = words(PREFIX + lastUserText(chat.path("messages")).strip());
        long limit = outputLimit(chat);
        boolean cut = words.size() > limit;
        List<String> said = cut ? words.subList(0, (int) limit) : words;
        int choices = Math.max(1, chat.path("n").asInt(1));
        long prompt = 0;
        for (JsonNode message : chat.path("messages")) {
            prompt += words(text(message.get("content"))).size();
        }
        ObjectNode usage = JSON.objectNode()
                .put("prompt_tokens", prompt)
                .put("completion_tokens", (long) said.size() * choices)
                .put("total_tokens", prompt + (long) said.size() * choices);
        String finish = cut ? "length" : "stop";
        long created = clock.instant().getEpochSecond();
        if (chat.path("stream").asBoolean(false)) {
            boolean withUsage = chat.path("stream_options").path("include_usage").asBoolean(false);
            return new Answer(200, "text/event-stream",
                    stream(model, created, said, choices, finish, withUsage ? usage : null));
        }
        ObjectNode answer = JSON.objectNode().put("id", ID).put("object", "chat.completion").put("created", created)
                .put("model", model);
        ArrayNode list = answer.putArray("choices");
        for (int i = 0; i < choices; i++) {
            ObjectNode choice = list.addObject().put("index", i);
            choice.putObject("message").put("role", "assistant").put("content", String.join("", said));
            choice.put("finish_reason", finish);
        }
        answer.set("usage", usage);
        return new Answer(200, "application/json", MAPPER.writeValueAsBytes(answer));
    }

    private static byte[] stream(String model, long created, List<String> said, int choices, String finish,
                                 ObjectNode usage) {
        var out = new StringBuilder();
        for (int i = 0; i < choices; i++) {
            event(out, chunk(model, created, i, JSON.objectNode().put("role", "assistant").put("content", ""), null));
            for (String word : said) {
                event(out, chunk(model, created, i, JSON.objectNode().put("content", word), null));
            }
            event(out, chunk(model, created, i, JSON.objectNode(), finish));
        }
        if (usage != null) {
            ObjectNode last = JSON.objectNode().put("id", ID).put("object", "chat.completion.chunk")
                    .put("created", created).put("model", model);
            last.putArray("choices");
            last.set("usage", usage);
            event(out, last);
        }
        out.append("data: [DONE]\n\n");
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static ObjectNode chunk(String model, long created, int index, ObjectNode delta, String finish) {
        ObjectNode chunk = JSON.objectNode().put("id", ID).put("object", "chat.completion.chunk")
                .put("created", created).put("model", model);
        ObjectNode choice = chunk.putArray("choices").addObject().put("index", index);
        choice.set("delta", delta);
        choice.put("finish_reason", finish);
        return chunk;
    }

    private static void event(StringBuilder out, ObjectNode data) {
        out.append("data: ").append(MAPPER.writeValueAsString(data)).append("\n\n");
    }

    /** The text of the last message whose role is {@code user}; empty when there is none. */
    private static String lastUserText(JsonNode messages) {
        String text = "";
        for (JsonNode message : messages) {
            if ("user".equals(message.path("role").asString(""))) {
                text = text(message.get("content"));
            }
        }
        return text;
    }

    /** A content's text: the string itself, or the {@code text} of its parts joined by a space. */
    private static String text(JsonNode content) {
        if (content == null || content.isNull()) {
            return "";
        }
        if (content.isString()) {
            return content.stringValue();
        }
        List<String> parts = new ArrayList<>();
        if (content.isArray()) {
            for (JsonNode part : content) {
                if (part.path("text").isString()) {
                    parts.add(part.path("text").stringValue());
                }
            }
        }
        return String.join(" ", parts);
    }

    /** The words of a text, each with the white space before it, so that they join back to the text. */
    static List<String> words(String text) {
        List<String> words = new ArrayList<>();
        Matcher word = WORD.matcher(text);
        while (word.find()) {
            words.add(word.group());
        }
        return words;
    }

    /** The smaller of the output limits set, or no limit. */
    private static long outputLimit(ObjectNode chat) {
        long limit = Long.MAX_VALUE;
        for (String field : List.of("max_completion_tokens", "max_tokens")) {
            if (chat.path(field).canConvertToLong() && chat.path(field).longValue() > 0) {
                limit = Math.min(limit, chat.path(field).longValue());
            }
        }
        return limit;
    }

    private static Answer error(String message) {
        ObjectNode body = JSON.objectNode();
        body.putObject("error").put("message", message).put("type", "invalid_request_error").put("param", "model")
                .putNull("code");
        return new Answer(400, "application/json", MAPPER.writeValueAsBytes(body));
    }
}
