package io.sluice.providers;

/**
 * What a client is told about an answer Sluice writes itself: its id, the model name the client asked for, and the
 * provider that served it.
 */
public record Served(String id, String model, String provider) {
}
