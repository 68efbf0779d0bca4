package io.sluice.gateway.routing;

/**
 * Where requests for one public model name go.
 *
 * @param backendModelJson the backend's model name as a JSON string token to splice in, or null when the backend
 *                         uses the public name
 */
public record ModelRoute(String publicModel, String backendModel, byte[] backendModelJson, Provider provider) {
}
