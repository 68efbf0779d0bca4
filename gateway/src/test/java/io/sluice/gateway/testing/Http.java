package io.sluice.gateway.testing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The JDK's HTTP client for tests that need a real client and the decoded body: HTTP/1.1 unless a
 * {@link Protocol} is given, and then every response is checked to have used that protocol.
 */
public final class Http {
    private Http() {
    }

    public static HttpClient client() {
        return Protocol.HTTP_1_1.client();
    }

    public static HttpResponse<byte[]> post(URI uri, String json, String... headers)
            throws IOException, InterruptedException {
        return post(Protocol.HTTP_1_1, uri, json, headers);
    }

    public static HttpResponse<byte[]> post(Protocol protocol, URI uri, String json, String... headers)
            throws IOException, InterruptedException {
        final HttpResponse<byte[]> response = protocol.client().send(postRequest(uri, json, headers),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(protocol.version(), response.version(), "the exchange used " + protocol);
        return response;
    }

    public static HttpRequest postRequest(URI uri, String json, String... headers) {
        final HttpRequest.Builder builder = HttpRequest.newBuilder(uri)
                .timeout(Duration.ofSeconds(30))
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json));
        if (headers.length > 0) {
            builder.headers(headers);
        }
        return builder.build();
    }

    public static HttpResponse<String> get(URI uri) throws IOException, InterruptedException {
        return get(Protocol.HTTP_1_1, uri);
    }

    public static HttpResponse<String> get(Protocol protocol, URI uri) throws IOException, InterruptedException {
        final HttpResponse<String> response = protocol.client().send(HttpRequest.newBuilder(uri)
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(protocol.version(), response.version(), "the exchange used " + protocol);
        return response;
    }

    public static String text(HttpResponse<byte[]> response) {
        return new String(response.body(), StandardCharsets.UTF_8);
    }
}
