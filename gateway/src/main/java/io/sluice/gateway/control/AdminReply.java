package io.sluice.gateway.control;

import io.sluice.codec.json.Json;
import io.sluice.gateway.config.ConfigException;

import java.nio.charset.StandardCharsets;

/** One answer of the admin API: a status and a body, JSON unless said otherwise. */
public record AdminReply(int status, String contentType, byte[] body) {
    static final String JSON = "application/json";

    static AdminReply json(int status, byte[] body) {
        return new AdminReply(status, JSON, body);
    }

    static AdminReply yaml(String text) {
        return new AdminReply(200, "application/yaml; charset=utf-8", text.getBytes(StandardCharsets.UTF_8));
    }

    static AdminReply noContent() {
        return new AdminReply(204, JSON, new byte[0]);
    }

    /** An error in the OpenAI format, as every other error of Sluice. */
    public static AdminReply error(int status, String code, String message) {
        return json(status, Json.render(g -> {
            g.writeStartObject();
            g.writeObjectFieldStart("error");
            g.writeStringField("message", message);
            g.writeStringField("type", status == 401 ? "authentication_error" : "invalid_request_error");
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
