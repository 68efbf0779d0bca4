package io.sluice.gateway.testing;

import io.netty.handler.codec.http.HttpHeaders;

import java.nio.charset.StandardCharsets;

/** A request as the scripted backend received it. */
public record RecordedRequest(String method, String uri, HttpHeaders headers, byte[] body, int connection) {
    public String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }
}
