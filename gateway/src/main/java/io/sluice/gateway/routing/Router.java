package io.sluice.gateway.routing;

import com.fasterxml.jackson.core.JsonGenerator;
import io.sluice.codec.json.Json;
import io.sluice.gateway.config.SluiceConfig;
import io.sluice.providers.ListedModel;

import java.io.IOException;
import java.time.Instant;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Maps requested model names to routes, for every front: the configured routes, and each provider's
 * {@code models} map as one-target routes. A configured prefix before a name is accepted and ignored, and a
 * request that names no model takes the default one. Renders the model list once, when its snapshot is made.
 * Immutable, part of a {@link io.sluice.gateway.snapshot.GatewaySnapshot}; shared by all event loops.
 */
public final class Router {
    private final Map<String, Route> routes = new LinkedHashMap<>();
    private final List<Provider> providers;
    private final String prefix;
    private final Route defaultRoute;
    private final int defaultMaxTokens;
    private final int holdBodyBytes;
    private final SluiceConfig.Retry retry;
    /** The providers whose backends' own model lists are served too. */
    private final List<Provider> listing;
    private final long created;
    private final byte[] modelList;

    /** @param providers the providers of {@code config}, by id */
    public Router(SluiceConfig config, Map<String, Provider> providers) {
        final SluiceConfig.Routing routing = config.routing();
        this.providers = List.copyOf(providers.values());
        for (SluiceConfig.Provider provider : config.providers()) {
            provider.models().forEach((publicName, backendName) -> routes.put(publicName, new Route(publicName,
                    List.of(new Target(providers.get(provider.id()), backendName)), routing.retry(),
                    SluiceConfig.Deadlines.NONE)));
        }
        for (SluiceConfig.Route route : config.routes()) {
            routes.put(route.model(), new Route(route.model(), route.targets().stream()
                    .map(t -> new Target(providers.get(t.provider()), t.model())).toList(), route.retry(),
                    route.deadlines()));
        }
        this.prefix = routing.modelPrefix() == null ? null : routing.modelPrefix() + "/";
        this.defaultRoute = routing.defaultModel() == null ? null : routes.get(routing.defaultModel());
        this.defaultMaxTokens = routing.defaultMaxTokens();
        this.holdBodyBytes = routing.holdBodyBytes();
        this.retry = routing.retry();
        this.listing = this.providers.stream().filter(p -> p.listUpstream() != null).toList();
        this.created = Instant.now().getEpochSecond();
        this.modelList = renderModelList(null);
    }

    /** The longest part of a model name an error repeats: a client may send a megabyte of it. */
    private static final int MAX_ECHOED_MODEL = 256;

    /** What a client that asked for an unknown model is told, with the name cut to a sane length. */
    public static String notFound(String model) {
        final String shown = model.length() <= MAX_ECHOED_MODEL ? model : model.substring(0, MAX_ECHOED_MODEL) + "…";
        return "The model `" + shown + "` does not exist or you do not have access to it.";
    }

    /**
     * The route for a requested model name (after the configured prefix, if it has it), the default route when
     * {@code model} is null or empty, or null when nothing serves it.
     */
    public Route route(String model) {
        if (model == null || model.isEmpty()) {
            return defaultRoute;
        }
        Route route = routes.get(model);
        if (route == null && prefix != null && model.startsWith(prefix)) {
            route = routes.get(model.substring(prefix.length()));
        }
        return route != null ? route : listed(model);
    }

    /** A one-target route to the first listing provider whose backend lists {@code model}, or null. */
    private Route listed(String model) {
        for (Provider provider : listing) {
            if (provider.upstreamModels().containsKey(model)) {
                return new Route(model, List.of(new Target(provider, model)), retry, SluiceConfig.Deadlines.NONE);
            }
        }
        return null;
    }

    /** Every provider, in config order. */
    public List<Provider> providers() {
        return providers;
    }

    /** The {@code max_tokens} a request that gives none is sent with, or 0 to send it as it is. */
    public int defaultMaxTokens() {
        return defaultMaxTokens;
    }

    /** How many bytes of an answer that is not an event stream are read before its head is handed on. */
    public int holdBodyBytes() {
        return holdBodyBytes;
    }

    /** Every route, in config order. */
    public List<Route> routes() {
        return List.copyOf(routes.values());
    }

    public List<String> publicModels() {
        return List.copyOf(routes.keySet());
    }

    /**
     * The body of {@code GET /v1/models}, in the OpenAI list format: the configured models, then those the listing
     * providers' backends list.
     */
    public byte[] modelList() {
        return listing.isEmpty() ? modelList : renderModelList(null);
    }

    /** The body of {@code GET /v1/models/{id}} for a public model, or null when no route serves it. */
    public byte[] model(String id) {
        final Route route = routes.containsKey(id) ? routes.get(id) : listed(id);
        return route == null ? null : Json.render(g -> writeModel(g, route.publicModel(),
                route.primary().provider().id()));
    }

    /** The model list of a key that may use only {@code allowed}. */
    public byte[] modelList(Collection<String> allowed) {
        return renderModelList(allowed);
    }

    /**
     * The body of {@code GET /llm/models} (seed 001): {@code [{"id","provider","max_tokens"}]} for every public model
     * (of {@code names} only, unless null), the provider being its first target's and {@code max_tokens} the context
     * length the backend's own list gave (left out when it gave none: never a guess).
     */
    public byte[] llmModelList(Collection<String> names) {
        return Json.render(g -> {
            g.writeStartArray();
            eachModel(names, (id, provider, backendModel) -> writeLlmModel(g, id, provider, backendModel));
            g.writeEndArray();
        });
    }

    private static void writeLlmModel(JsonGenerator g, String id, Provider provider, String backendModel)
            throws IOException {
        g.writeStartObject();
        g.writeStringField("id", id);
        g.writeStringField("provider", provider.id());
        final ListedModel listed = provider.upstreamModels().get(backendModel);
        if (listed != null && listed.contextLength() > 0) {
            g.writeNumberField("max_tokens", listed.contextLength());
        }
        g.writeEndObject();
    }

    private void writeModel(JsonGenerator g, String id, String provider) throws IOException {
        g.writeStartObject();
        g.writeStringField("id", id);
        g.writeStringField("object", "model");
        g.writeNumberField("created", created);
        g.writeStringField("owned_by", provider);
        g.writeEndObject();
    }

    /** The list, of every model or of {@code names} only (null: every one). */
    private byte[] renderModelList(Collection<String> names) {
        return Json.render(g -> {
            g.writeStartObject();
            g.writeStringField("object", "list");
            g.writeArrayFieldStart("data");
            eachModel(names, (id, provider, backendModel) -> writeModel(g, id, provider.id()));
            g.writeEndArray();
            g.writeEndObject();
        });
    }

    /** What is written of one public model, served by {@code provider} under {@code backendModel}. */
    private interface ModelWriter {
        void write(String id, Provider provider, String backendModel) throws IOException;
    }

    /**
     * Each public model once (of {@code names} only, unless null): the routes' in config order, by their first
     * target, then the models the listing providers' backends list.
     */
    private void eachModel(Collection<String> names, ModelWriter writer) throws IOException {
        final Set<String> written = new HashSet<>();
        for (Route route : routes.values()) {
            if ((names == null || names.contains(route.publicModel())) && written.add(route.publicModel())) {
                writer.write(route.publicModel(), route.primary().provider(), route.primary().backendModel());
            }
        }
        for (Provider provider : listing) {
            for (String id : provider.upstreamModels().keySet()) {
                if ((names == null || names.contains(id)) && written.add(id)) {
                    writer.write(id, provider, id);
                }
            }
        }
    }
}
