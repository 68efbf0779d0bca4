package io.sluice.gateway.routing;

import io.sluice.codec.json.Json;

/**
 * One place a route's requests can go: a provider, and the model name its backend knows (different backends may
 * name one model differently). The {@code Route → Target} seam of DESIGN.md §2b. Immutable; shared by all event
 * loops.
 */
public final class Target {
    private final Provider provider;
    private final String backendModel;
    private final byte[] backendModelJson;

    public Target(Provider provider, String backendModel) {
        this.provider = provider;
        this.backendModel = backendModel;
        this.backendModelJson = Json.quotedUtf8(backendModel);
    }

    public Provider provider() {
        return provider;
    }

    public String backendModel() {
        return backendModel;
    }

    /**
     * The backend's model name as a JSON string token to splice over the model a client sent as {@code requested},
     * or null when the body already names it so.
     */
    public byte[] modelEdit(String requested) {
        return backendModel.equals(requested) ? null : backendModelJson;
    }

    @Override
    public String toString() {
        return provider.id() + "/" + backendModel;
    }
}
