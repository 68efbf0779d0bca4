package io.sluice.gateway.server;

import io.netty.handler.codec.http.HttpMethod;
import io.sluice.gateway.front.AnthropicFront;
import io.sluice.gateway.front.Front;
import io.sluice.gateway.front.OpenAiFront;
import io.sluice.gateway.front.UniformFront;
import io.sluice.providers.openai.OpenAiEndpoint;

/** Which handling a request method and path get; unknown paths are 404, known paths with another method 405. */
final class RequestRoutes {
    enum Kind {
        HEALTH, HEALTH_DETAILED, MODELS, MODEL, LLM_MODELS, METRICS, PROXY, WEBSOCKET, ADMIN, ANTHROPIC, NOT_FOUND,
        METHOD_NOT_ALLOWED
    }

    /**
     * @param front the client dialect and operation of {@link Kind#PROXY}; on other kinds, the API whose format a
     *              404 or 405 on its paths, or a refusal of a malformed head, is answered in, or null for OpenAI's
     * @param allow the methods the path takes ({@code "GET, HEAD"}), for the {@code Allow} header of a 405
     */
    record Match(Kind kind, Front front, String allow) {
    }

    private static final String OPENAI_PREFIX = "/v1";
    /** {@code GET /v1/models/{id}}: the OpenAI SDKs' {@code models.retrieve}. */
    static final String MODELS_PREFIX = "/v1/models/";
    /** The Anthropic Messages API; its callers get their errors in its format, on paths it does not have too. */
    private static final String ANTHROPIC_MESSAGES = "/v1/messages";
    private static final String ANTHROPIC_COUNT_TOKENS = "/v1/messages/count_tokens";
    /** The uniform API; a path below it that does not exist is answered in its format. */
    private static final String UNIFORM_PREFIX = "/llm/";

    private RequestRoutes() {
    }

    static Match match(HttpMethod method, String path) {
        if (path.equals("/health")) {
            return expect(HttpMethod.GET, method, Kind.HEALTH, null);
        }
        if (path.equals("/health/detailed")) {
            return expect(HttpMethod.GET, method, Kind.HEALTH_DETAILED, null);
        }
        if (path.equals("/metrics")) {
            return expect(HttpMethod.GET, method, Kind.METRICS, null);
        }
        if (path.equals("/ws")) {
            // A handshake only: no HEAD, whose answer could not be the handshake's.
            return method.equals(HttpMethod.GET) ? new Match(Kind.WEBSOCKET, null, "GET")
                    : new Match(Kind.METHOD_NOT_ALLOWED, null, "GET");
        }
        if (path.equals("/v1/models") || path.equals("/v1/llm/models")) {
            return expect(HttpMethod.GET, method, Kind.MODELS, null);
        }
        if (path.startsWith(MODELS_PREFIX) && path.length() > MODELS_PREFIX.length()) {
            return expect(HttpMethod.GET, method, Kind.MODEL, null);
        }
        if (path.equals("/llm/models")) {
            return expect(HttpMethod.GET, method, Kind.LLM_MODELS, UniformFront.CHAT);
        }
        if (path.equals("/llm/chat")) {
            return expect(HttpMethod.POST, method, Kind.PROXY, UniformFront.CHAT);
        }
        if (path.equals("/llm/stream")) {
            return expect(HttpMethod.POST, method, Kind.PROXY, UniformFront.STREAM);
        }
        if (path.equals("/llm/completions")) {
            return expect(HttpMethod.POST, method, Kind.PROXY, UniformFront.COMPLETIONS);
        }
        if (path.startsWith(UNIFORM_PREFIX)) {
            return new Match(Kind.NOT_FOUND, UniformFront.CHAT, null);
        }
        if (path.equals(ANTHROPIC_MESSAGES)) {
            return expect(HttpMethod.POST, method, Kind.PROXY, AnthropicFront.MESSAGES);
        }
        if (path.equals(ANTHROPIC_COUNT_TOKENS)) {
            return expect(HttpMethod.POST, method, Kind.PROXY, AnthropicFront.COUNT_TOKENS);
        }
        if (path.startsWith(ANTHROPIC_MESSAGES + "/")) {
            return new Match(Kind.ANTHROPIC, AnthropicFront.MESSAGES, "POST");
        }
        if (path.startsWith(OPENAI_PREFIX)) {
            final OpenAiEndpoint endpoint = OpenAiEndpoint.forPath(path.substring(OPENAI_PREFIX.length()));
            if (endpoint != null) {
                return expect(HttpMethod.POST, method, Kind.PROXY, OpenAiFront.of(endpoint));
            }
        }
        return new Match(Kind.NOT_FOUND, null, null);
    }

    /**
     * {@code kind} when {@code method} is the one the path takes, else a 405. A path read with GET takes HEAD too
     * (RFC 9110 §9.3.2: a load balancer's health check may use it); the request handler sends the GET's head alone.
     */
    private static Match expect(HttpMethod allowed, HttpMethod method, Kind kind, Front front) {
        final boolean get = allowed.equals(HttpMethod.GET);
        final String allow = get ? "GET, HEAD" : allowed.name();
        return method.equals(allowed) || get && method.equals(HttpMethod.HEAD) ? new Match(kind, front, allow)
                : new Match(Kind.METHOD_NOT_ALLOWED, front, allow);
    }
}
