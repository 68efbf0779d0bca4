package io.sluice.providers.anthropic;

import io.sluice.codec.json.JsonTree;
import io.sluice.codec.json.MalformedRequestException;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Translates a Messages request to the OpenAI chat form and back, field by field. What one side has and the other
 * cannot say is left out rather than guessed: Anthropic's thinking blocks sent back in a conversation, documents
 * and server tools; OpenAI's {@code n}, {@code logprobs} and {@code response_format}. Stateless; the maps it is
 * given are read, never changed.
 */
final class AnthropicRequests {
    /** Anthropic requires {@code max_tokens}; this is used when neither the request nor the config gives one. */
    static final int REQUIRED_MAX_TOKENS = 4096;

    private AnthropicRequests() {
    }

    /** A Messages request in the OpenAI chat form. */
    static Map<String, Object> toOpenAi(Map<String, Object> request) throws MalformedRequestException {
        final Map<String, Object> out = new LinkedHashMap<>();
        copy(request, "model", out, "model");
        final List<Object> messages = new ArrayList<>();
        final String system = text(request.get("system"));
        if (!system.isEmpty()) {
            messages.add(message("system", system));
        }
        if (!(request.get("messages") instanceof List<?> list)) {
            throw new MalformedRequestException("messages: a list of messages is required.",
                    MalformedRequestException.Fault.TYPE, "messages");
        }
        for (Object element : list) {
            final Map<String, Object> message = JsonTree.asObject(element);
            if ("assistant".equals(message.get("role"))) {
                messages.add(assistantToOpenAi(message.get("content")));
            } else {
                userToOpenAi(message.get("content"), messages);
            }
        }
        out.put("messages", messages);
        copy(request, "max_tokens", out, "max_tokens");
        copy(request, "stop_sequences", out, "stop");
        copy(request, "temperature", out, "temperature");
        copy(request, "top_p", out, "top_p");
        // Not OpenAI's own, but vLLM, TGI, Ollama and OpenRouter take it.
        copy(request, "top_k", out, "top_k");
        copy(request, "stream", out, "stream");
        final Object user = JsonTree.asObject(request.get("metadata")).get("user_id");
        if (user instanceof String) {
            out.put("user", user);
        }
        toolsToOpenAi(request, out);
        final Map<String, Object> thinking = JsonTree.asObject(request.get("thinking"));
        if ("enabled".equals(thinking.get("type"))) {
            final long budget = thinking.get("budget_tokens") instanceof Number n ? n.longValue() : 0;
            out.put("reasoning_effort", budget <= 2048 ? "low" : budget <= 16384 ? "medium" : "high");
        }
        return out;
    }

    private static Map<String, Object> assistantToOpenAi(Object content) {
        final Map<String, Object> out = new LinkedHashMap<>();
        out.put("role", "assistant");
        final StringBuilder text = new StringBuilder();
        final List<Object> calls = new ArrayList<>();
        for (Map<String, Object> block : blocks(content)) {
            final Object type = block.get("type");
            if ("text".equals(type)) {
                text.append(JsonTree.string(block.get("text")));
            } else if ("tool_use".equals(type)) {
                final Map<String, Object> function = new LinkedHashMap<>();
                function.put("name", JsonTree.string(block.get("name")));
                function.put("arguments", JsonTree.text(block.get("input") == null ? object() : block.get("input")));
                final Map<String, Object> call = new LinkedHashMap<>();
                call.put("id", JsonTree.string(block.get("id")));
                call.put("type", "function");
                call.put("function", function);
                calls.add(call);
            }
        }
        out.put("content", text.isEmpty() && !calls.isEmpty() ? null : text.toString());
        if (!calls.isEmpty()) {
            out.put("tool_calls", calls);
        }
        return out;
    }

    /**
     * A user turn: its tool results first, each as a {@code tool} message (OpenAI wants them right after the
     * assistant's calls), then the rest as one user message.
     */
    private static void userToOpenAi(Object content, List<Object> messages) {
        if (content instanceof String text) {
            messages.add(message("user", text));
            return;
        }
        final List<Object> parts = new ArrayList<>();
        for (Map<String, Object> block : blocks(content)) {
            final Object type = block.get("type");
            if ("tool_result".equals(type)) {
                final Map<String, Object> result = new LinkedHashMap<>();
                result.put("role", "tool");
                result.put("tool_call_id", JsonTree.string(block.get("tool_use_id")));
                final String output = text(block.get("content"));
                result.put("content", Boolean.TRUE.equals(block.get("is_error")) ? "Error: " + output : output);
                messages.add(result);
            } else if ("text".equals(type)) {
                final Map<String, Object> part = new LinkedHashMap<>();
                part.put("type", "text");
                part.put("text", JsonTree.string(block.get("text")));
                parts.add(part);
            } else if ("image".equals(type)) {
                final Map<String, Object> source = JsonTree.asObject(block.get("source"));
                final String url = "url".equals(source.get("type")) ? JsonTree.string(source.get("url"))
                        : "data:" + JsonTree.string(source.get("media_type")) + ";base64,"
                                + JsonTree.string(source.get("data"));
                final Map<String, Object> part = new LinkedHashMap<>();
                part.put("type", "image_url");
                part.put("image_url", object("url", url));
                parts.add(part);
            }
        }
        if (parts.size() == 1 && "text".equals(JsonTree.asObject(parts.get(0)).get("type"))) {
            messages.add(message("user", JsonTree.asObject(parts.get(0)).get("text")));
        } else if (!parts.isEmpty()) {
            messages.add(message("user", parts));
        }
    }

    private static void toolsToOpenAi(Map<String, Object> request, Map<String, Object> out) {
        final List<Object> tools = new ArrayList<>();
        for (Object element : JsonTree.asArray(request.get("tools"))) {
            final Map<String, Object> tool = JsonTree.asObject(element);
            // Anthropic-defined tools (web search, code execution, bash, text editor, computer) carry a type and no
            // schema: a backend of another dialect has nothing to call them by.
            if (tool.get("type") != null && !"custom".equals(tool.get("type"))) {
                continue;
            }
            final Map<String, Object> function = new LinkedHashMap<>();
            function.put("name", JsonTree.string(tool.get("name")));
            copy(tool, "description", function, "description");
            function.put("parameters", tool.get("input_schema") == null ? object("type", "object")
                    : tool.get("input_schema"));
            tools.add(object("type", "function", "function", function));
        }
        if (!tools.isEmpty()) {
            out.put("tools", tools);
        }
        final Map<String, Object> choice = JsonTree.asObject(request.get("tool_choice"));
        switch (String.valueOf(choice.get("type"))) {
            case "auto" -> out.put("tool_choice", "auto");
            case "any" -> out.put("tool_choice", "required");
            case "none" -> out.put("tool_choice", "none");
            case "tool" -> out.put("tool_choice", object("type", "function",
                    "function", object("name", JsonTree.string(choice.get("name")))));
            default -> {
            }
        }
        if (Boolean.TRUE.equals(choice.get("disable_parallel_tool_use")) && !tools.isEmpty()) {
            out.put("parallel_tool_calls", false);
        }
    }

    /** An OpenAI chat request as a Messages request for {@code backendModel}. */
    static Map<String, Object> fromOpenAi(Map<String, Object> request, String backendModel, int defaultMaxTokens) {
        final Map<String, Object> out = new LinkedHashMap<>();
        out.put("model", backendModel);
        final StringBuilder system = new StringBuilder();
        final List<Map<String, Object>> messages = new ArrayList<>();
        for (Object element : JsonTree.asArray(request.get("messages"))) {
            final Map<String, Object> message = JsonTree.asObject(element);
            final Object role = message.get("role");
            if ("system".equals(role) || "developer".equals(role)) {
                system.append(system.isEmpty() ? "" : "\n\n").append(text(message.get("content")));
            } else if ("assistant".equals(role)) {
                append(messages, "assistant", assistantFromOpenAi(message));
            } else if ("tool".equals(role)) {
                final Map<String, Object> result = new LinkedHashMap<>();
                result.put("type", "tool_result");
                result.put("tool_use_id", JsonTree.string(message.get("tool_call_id")));
                result.put("content", text(message.get("content")));
                append(messages, "user", List.of(result));
            } else {
                append(messages, "user", userFromOpenAi(message.get("content")));
            }
        }
        final long asked = firstNumber(request, "max_completion_tokens", "max_tokens");
        long maxTokens = asked > 0 ? asked : defaultMaxTokens > 0 ? defaultMaxTokens : REQUIRED_MAX_TOKENS;
        // Thinking in a tool loop needs the signed thinking block that began the assistant's turn, which a
        // conversation from another dialect cannot give back: Anthropic refuses the request without it.
        final long budget = inToolLoop(messages) ? 0 : thinkingBudget(request.get("reasoning_effort"));
        if (budget > 0) {
            // The budget is part of max_tokens, which must be larger.
            maxTokens = Math.max(maxTokens, budget + 1024);
            out.put("thinking", object("type", "enabled", "budget_tokens", budget));
        }
        out.put("max_tokens", maxTokens);
        if (!system.isEmpty()) {
            out.put("system", system.toString());
        }
        out.put("messages", messages);
        final Object stop = request.get("stop");
        if (stop instanceof String one) {
            out.put("stop_sequences", List.of(one));
        } else if (stop instanceof List<?>) {
            out.put("stop_sequences", stop);
        }
        if (budget > 0) {
            // With thinking on, Anthropic refuses a temperature or top_k, a top_p under 0.95, a forced tool.
            if (request.get("top_p") instanceof Number topP) {
                out.put("top_p", Math.max(topP.doubleValue(), 0.95));
            }
        } else {
            if (request.get("temperature") instanceof Number temperature
                    && Double.isFinite(temperature.doubleValue())) {
                // OpenAI's scale goes to 2, Anthropic's to 1.
                out.put("temperature", BigDecimal.valueOf(temperature.doubleValue()).min(BigDecimal.ONE));
            }
            copy(request, "top_p", out, "top_p");
            copy(request, "top_k", out, "top_k");
        }
        copy(request, "stream", out, "stream");
        if (request.get("user") instanceof String user) {
            out.put("metadata", object("user_id", user));
        }
        toolsFromOpenAi(request, out, budget > 0);
        return out;
    }

    private static List<Object> assistantFromOpenAi(Map<String, Object> message) {
        final List<Object> blocks = new ArrayList<>();
        final String text = text(message.get("content"));
        if (!text.isEmpty()) {
            blocks.add(textBlock(text));
        }
        for (Object element : JsonTree.asArray(message.get("tool_calls"))) {
            final Map<String, Object> call = JsonTree.asObject(element);
            final Map<String, Object> function = JsonTree.asObject(call.get("function"));
            final Object input = JsonTree.parseOrText(JsonTree.string(function.get("arguments")));
            final Map<String, Object> block = new LinkedHashMap<>();
            block.put("type", "tool_use");
            block.put("id", JsonTree.string(call.get("id")));
            block.put("name", JsonTree.string(function.get("name")));
            block.put("input", input instanceof Map<?, ?> ? input : object());
            blocks.add(block);
        }
        return blocks;
    }

    private static List<Object> userFromOpenAi(Object content) {
        if (content instanceof String text) {
            return text.isEmpty() ? List.of() : List.of(textBlock(text));
        }
        final List<Object> blocks = new ArrayList<>();
        for (Object element : JsonTree.asArray(content)) {
            final Map<String, Object> part = JsonTree.asObject(element);
            if ("text".equals(part.get("type")) && !JsonTree.string(part.get("text")).isEmpty()) {
                blocks.add(textBlock(JsonTree.string(part.get("text"))));
            } else if ("image_url".equals(part.get("type"))) {
                blocks.add(imageBlock(JsonTree.string(JsonTree.asObject(part.get("image_url")).get("url"))));
            }
        }
        return blocks;
    }

    /** An image by URL, or a {@code data:} URL's bytes as base64 with their media type. */
    private static Map<String, Object> imageBlock(String url) {
        final Map<String, Object> source = new LinkedHashMap<>();
        final int comma = url.indexOf(',');
        if (url.startsWith("data:") && comma > 0 && url.substring(0, comma).endsWith(";base64")) {
            source.put("type", "base64");
            source.put("media_type", url.substring(5, comma - ";base64".length()));
            source.put("data", url.substring(comma + 1));
        } else {
            source.put("type", "url");
            source.put("url", url);
        }
        return object("type", "image", "source", source);
    }

    /** @param thinking whether thinking is on, with which only {@code auto} and {@code none} are accepted */
    private static void toolsFromOpenAi(Map<String, Object> request, Map<String, Object> out, boolean thinking) {
        final List<Object> tools = new ArrayList<>();
        for (Object element : JsonTree.asArray(request.get("tools"))) {
            final Map<String, Object> function = JsonTree.asObject(JsonTree.asObject(element).get("function"));
            final Map<String, Object> tool = new LinkedHashMap<>();
            tool.put("name", JsonTree.string(function.get("name")));
            copy(function, "description", tool, "description");
            tool.put("input_schema", function.get("parameters") == null ? object("type", "object")
                    : function.get("parameters"));
            tools.add(tool);
        }
        if (tools.isEmpty()) {
            return;
        }
        out.put("tools", tools);
        final Object choice = request.get("tool_choice");
        final Map<String, Object> anthropic = new LinkedHashMap<>();
        if ("none".equals(choice)) {
            anthropic.put("type", "none");
        } else if (thinking) {
            anthropic.put("type", "auto");
        } else if ("required".equals(choice)) {
            anthropic.put("type", "any");
        } else if (choice instanceof Map<?, ?>) {
            anthropic.put("type", "tool");
            final Map<String, Object> function = JsonTree.asObject(JsonTree.asObject(choice).get("function"));
            anthropic.put("name", JsonTree.string(function.get("name")));
        } else {
            anthropic.put("type", "auto");
        }
        if (Boolean.FALSE.equals(request.get("parallel_tool_calls"))) {
            anthropic.put("disable_parallel_tool_use", true);
        }
        out.put("tool_choice", anthropic);
    }

    /** Adds blocks to the last message when it has the same role (Anthropic wants turns to alternate). */
    private static void append(List<Map<String, Object>> messages, String role, List<Object> blocks) {
        if (blocks.isEmpty()) {
            return;
        }
        final Map<String, Object> last = messages.isEmpty() ? null : messages.get(messages.size() - 1);
        if (last != null && role.equals(last.get("role"))) {
            JsonTree.asArray(last.get("content")).addAll(blocks);
            return;
        }
        final Map<String, Object> message = new LinkedHashMap<>();
        message.put("role", role);
        message.put("content", new ArrayList<>(blocks));
        messages.add(message);
    }

    /** Whether the last assistant turn called tools (their results follow, and the model goes on from them). */
    private static boolean inToolLoop(List<Map<String, Object>> messages) {
        for (int i = messages.size() - 1; i >= 0; i--) {
            if ("assistant".equals(messages.get(i).get("role"))) {
                return JsonTree.asArray(messages.get(i).get("content")).stream()
                        .anyMatch(block -> "tool_use".equals(JsonTree.asObject(block).get("type")));
            }
        }
        return false;
    }

    private static long thinkingBudget(Object effort) {
        return switch (String.valueOf(effort)) {
            case "minimal", "low" -> 1024;
            case "medium" -> 4096;
            case "high" -> 16384;
            default -> 0;
        };
    }

    private static long firstNumber(Map<String, Object> request, String... names) {
        for (String name : names) {
            if (request.get(name) instanceof Number number) {
                return number.longValue();
            }
        }
        return -1;
    }

    private static Map<String, Object> message(String role, Object content) {
        final Map<String, Object> message = new LinkedHashMap<>();
        message.put("role", role);
        message.put("content", content);
        return message;
    }

    private static Map<String, Object> textBlock(String text) {
        return object("type", "text", "text", text);
    }

    /** A string, or the texts of a list of text blocks or parts, a line apart; anything else is empty. */
    private static String text(Object value) {
        if (value instanceof String text) {
            return text;
        }
        final StringBuilder joined = new StringBuilder();
        for (Object element : JsonTree.asArray(value)) {
            final Object text = JsonTree.asObject(element).get("text");
            if (text instanceof String piece) {
                joined.append(joined.isEmpty() ? "" : "\n").append(piece);
            }
        }
        return joined.toString();
    }

    private static List<Map<String, Object>> blocks(Object content) {
        if (content instanceof String text) {
            return List.of(object("type", "text", "text", text));
        }
        final List<Map<String, Object>> blocks = new ArrayList<>();
        for (Object element : JsonTree.asArray(content)) {
            blocks.add(JsonTree.asObject(element));
        }
        return blocks;
    }

    /** An object of the given names and values, in that order (the order a reader of the body sees). */
    private static Map<String, Object> object(Object... namesAndValues) {
        final Map<String, Object> object = new LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            object.put((String) namesAndValues[i], namesAndValues[i + 1]);
        }
        return object;
    }

    private static void copy(Map<String, Object> from, String name, Map<String, Object> to, String as) {
        if (from.containsKey(name) && from.get(name) != null) {
            to.put(as, from.get(name));
        }
    }
}
