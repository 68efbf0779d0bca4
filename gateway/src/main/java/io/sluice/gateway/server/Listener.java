package io.sluice.gateway.server;

import io.sluice.gateway.control.AdminApi;

/**
 * What one listening socket serves: the model APIs, the admin API, or both (the main port serves the admin API
 * unless it has a port of its own). Health is served everywhere.
 *
 * @param admin     the admin API, or null when this socket does not serve it
 * @param modelApis whether it serves the model APIs, the model list, the WebSocket and the metrics
 */
public record Listener(AdminApi admin, boolean modelApis) {
}
