package io.sluice.gateway.control;

import io.sluice.codec.json.Json;
import io.sluice.gateway.config.ConfigException;

import java.nio.charset.StandardCharsets;

/**
 * One answer of the admin API: a status and a body, JSON unless said otherwise.
 *
 * @param allow the methods the path takes, for a 405's {@code Allow} header; null on any other answer
 */
public record AdminReply(int status, String contentType, byte[] body, String allow) {
    static final String JSON = "application/json";

    static AdminReply json(int status, byte[] body) {
        return new AdminReply(status, JSON, body, null);
    }

    static AdminReply yaml(String text) {
        return new AdminReply(200, "application/yaml; charset=utf-8", text.getBytes(StandardCharsets.UTF_8), null);
    }

    static AdminReply noContent() {
        return new AdminReply(204, JSON, new byte[0], null);
    }

    /** A 405: {@code method} is not one of {@code allowed} ({@code "GET, PUT"}) on this path. */
    static AdminReply notAllowed(String method, String allowed) {
        final AdminReply error = error(405, "method_not_allowed", method + " is not allowed here (" + allowed + ").");
        return new AdminReply(405, JSON, error.body(), allowed);
    }

    /** An error in the OpenAI format, as every other error of Sluice. */
    public static AdminReply error(int status, String code, String message) {
        return json(status, Json.render(g -> {
            g.writeStartObject();
            g.writeObjectFieldStart("error");
            g.writeStringField("message", message);
            g.writeStringField("type", status >= 500 ? "server_error" : "invalid_request_error");
            g.writeNullField("param");
            g.writeStringField("code", code);
            g.writeEndObject();
            g.writeEndObject();
        }));
    }

    /** A config that does not check: 400 naming the field, with nothing written. */
    static AdminReply invalid(ConfigException e) {
        return error(400, "invalid_config", e.getMessage());
    }
}
