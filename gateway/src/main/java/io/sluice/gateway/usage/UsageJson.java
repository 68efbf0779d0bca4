package io.sluice.gateway.usage;

import com.fasterxml.jackson.core.JsonGenerator;
import io.sluice.codec.json.Json;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;

/** Writes a usage record as one JSON object with the field names of the usage contract (DESIGN.md §3). */
public final class UsageJson {
    private UsageJson() {
    }

    public static String toJson(UsageRecord r) {
        final StringWriter out = new StringWriter(512);
        try (JsonGenerator g = Json.FACTORY.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("request_id", r.requestId());
            g.writeStringField("trace_id", r.traceId());
            g.writeStringField("key_id", r.keyId());
            g.writeStringField("user_id", r.userId());
            g.writeStringField("model", r.model());
            g.writeStringField("backend_model", r.backendModel());
            g.writeStringField("provider", r.provider());
            g.writeStringField("backend_url", r.backendUrl());
            g.writeStringField("endpoint", r.endpoint());
            g.writeBooleanField("is_stream", r.stream());
            g.writeNumberField("status", r.status());
            g.writeNumberField("prompt_tokens", r.promptTokens());
            g.writeNumberField("completion_tokens", r.completionTokens());
            g.writeNumberField("total_tokens", r.totalTokens());
            g.writeNumberField("cached_tokens", r.cachedTokens());
            g.writeNumberField("reasoning_tokens", r.reasoningTokens());
            g.writeStringField("usage_source", r.usageSource());
            g.writeNumberField("ttft_ms", r.ttftMs());
            g.writeNumberField("duration_ms", r.durationMs());
            g.writeStringField("timestamp", r.timestamp().toString());
            g.writeArrayFieldStart("attempts");
            for (UsageRecord.Attempt attempt : r.attempts()) {
                g.writeStartObject();
                g.writeStringField("provider", attempt.provider());
                g.writeStringField("backend_model", attempt.backendModel());
                g.writeStringField("backend_url", attempt.backendUrl());
                g.writeStringField("outcome", attempt.outcome());
                if (attempt.leg() != null) {
                    g.writeNumberField("prompt_tokens", attempt.leg().promptTokens());
                    g.writeNumberField("completion_tokens", attempt.leg().completionTokens());
                    g.writeStringField("usage_source", attempt.leg().usageSource());
                }
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }
}
