package io.sluice.gateway.usage;

import com.fasterxml.jackson.core.JsonGenerator;
import io.sluice.codec.json.Json;

import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Requests, errors and tokens since start, by model, by provider and by key id (never a key), for the admin API's
 * stats. A usage sink: fed on the usage thread, read by the admin API's; both under its lock, which no event loop
 * ever takes.
 */
public final class UsageStats implements UsageSink {
    /** The running totals of one model, provider or key. */
    private static final class Totals {
        long requests;
        long errors;
        long promptTokens;
        long completionTokens;

        void add(UsageRecord r) {
            requests++;
            errors += r.status() >= 400 ? 1 : 0;
            promptTokens += r.promptTokens();
            completionTokens += r.completionTokens();
        }
    }

    private final Instant since = Instant.now();
    private final Totals all = new Totals();
    private final Map<String, Totals> byModel = new TreeMap<>();
    private final Map<String, Totals> byProvider = new TreeMap<>();
    private final Map<String, Totals> byKey = new TreeMap<>();

    @Override
    public synchronized void accept(List<UsageRecord> batch) {
        for (UsageRecord r : batch) {
            all.add(r);
            byModel.computeIfAbsent(r.model(), k -> new Totals()).add(r);
            byProvider.computeIfAbsent(r.provider(), k -> new Totals()).add(r);
            if (r.keyId() != null) {
                byKey.computeIfAbsent(r.keyId(), k -> new Totals()).add(r);
            }
        }
    }

    /** {@code {"since", "requests", "errors", "prompt_tokens", "completion_tokens", "by_model", ...}}. */
    public synchronized byte[] render() {
        return Json.render(g -> {
            g.writeStartObject();
            g.writeStringField("since", since.toString());
            fields(g, all);
            group(g, "by_model", byModel);
            group(g, "by_provider", byProvider);
            group(g, "by_key", byKey);
            g.writeEndObject();
        });
    }

    private static void group(JsonGenerator g, String name, Map<String, Totals> group) throws IOException {
        g.writeObjectFieldStart(name);
        for (Map.Entry<String, Totals> entry : group.entrySet()) {
            g.writeObjectFieldStart(entry.getKey());
            fields(g, entry.getValue());
            g.writeEndObject();
        }
        g.writeEndObject();
    }

    private static void fields(JsonGenerator g, Totals t) throws IOException {
        g.writeNumberField("requests", t.requests);
        g.writeNumberField("errors", t.errors);
        g.writeNumberField("prompt_tokens", t.promptTokens);
        g.writeNumberField("completion_tokens", t.completionTokens);
        g.writeNumberField("total_tokens", t.promptTokens + t.completionTokens);
    }
}
