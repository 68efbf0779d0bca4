package io.sluice.gateway.routing;

import com.fasterxml.jackson.core.JsonGenerator;
import io.sluice.codec.json.Json;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Maps public model names to routes, and renders the model list once, at start-up. Immutable; shared by all
 * event loops.
 */
public final class Router {
    private final Map<String, ModelRoute> routes = new LinkedHashMap<>();
    private final byte[] modelList;

    public Router(List<Provider> providers) {
        for (Provider provider : providers) {
            provider.models().forEach((publicName, backendName) -> routes.put(publicName, new ModelRoute(
                    publicName, backendName, publicName.equals(backendName) ? null : Json.quotedUtf8(backendName),
                    provider)));
        }
        this.modelList = renderModelList(Instant.now().getEpochSecond());
    }

    /** The longest part of a model name an error repeats: a client may send a megabyte of it. */
    private static final int MAX_ECHOED_MODEL = 256;

    /** What a client that asked for an unknown model is told, with the name cut to a sane length. */
    public static String notFound(String model) {
        final String shown = model.length() <= MAX_ECHOED_MODEL ? model : model.substring(0, MAX_ECHOED_MODEL) + "…";
        return "The model `" + shown + "` does not exist or you do not have access to it.";
    }

    /** The route for a public model name, or null when no provider serves it. */
    public ModelRoute route(String model) {
        return routes.get(model);
    }

    public List<String> publicModels() {
        return List.copyOf(routes.keySet());
    }

    /** The body of {@code GET /v1/models}, in the OpenAI list format. */
    public byte[] modelList() {
        return modelList;
    }

    private byte[] renderModelList(long created) {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator g = Json.FACTORY.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("object", "list");
            g.writeArrayFieldStart("data");
            for (ModelRoute route : routes.values()) {
                g.writeStartObject();
                g.writeStringField("id", route.publicModel());
                g.writeStringField("object", "model");
                g.writeNumberField("created", created);
                g.writeStringField("owned_by", route.provider().id());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
