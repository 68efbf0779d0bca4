package io.sluice.gateway.front;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.sluice.codec.json.Json;
import io.sluice.gateway.admission.PromptTokens;
import io.sluice.gateway.http.AnthropicErrors;
import io.sluice.gateway.http.ErrorKind;
import io.sluice.providers.ClientCodec;
import io.sluice.providers.Operation;
import io.sluice.providers.ProviderError;
import io.sluice.providers.anthropic.AnthropicCodec;
import io.sluice.providers.anthropic.AnthropicEndpoint;

/** The Anthropic Messages API's front: {@code /v1/messages} and {@code /v1/messages/count_tokens}. */
public final class AnthropicFront implements Front {
    public static final AnthropicFront MESSAGES = new AnthropicFront(AnthropicEndpoint.MESSAGES);
    public static final AnthropicFront COUNT_TOKENS = new AnthropicFront(AnthropicEndpoint.COUNT_TOKENS);

    private final AnthropicEndpoint endpoint;

    private AnthropicFront(AnthropicEndpoint endpoint) {
        this.endpoint = endpoint;
    }

    @Override
    public ClientCodec codec() {
        return AnthropicCodec.INSTANCE;
    }

    @Override
    public Operation operation() {
        return endpoint;
    }

    @Override
    public ByteBuf error(ByteBufAllocator alloc, ErrorKind kind, String message, String param,
                        String requestId) {
        return AnthropicErrors.body(alloc, AnthropicErrors.type(kind.status().code()), message);
    }

    /** The backend's type when it is Anthropic's own (it answered in this dialect), else the status's. */
    @Override
    public ByteBuf backendError(ByteBufAllocator alloc, ProviderError error, int status, String requestId) {
        final String type = AnthropicErrors.isType(error.type()) ? error.type() : AnthropicErrors.type(status);
        return AnthropicErrors.body(alloc, type, error.message());
    }

    @Override
    public ByteBuf streamError(ByteBufAllocator alloc, ErrorKind kind, String message, String requestId) {
        return AnthropicErrors.streamEvent(alloc, AnthropicErrors.type(kind.status().code()), message);
    }

    @Override
    public String answerId(String requestId) {
        return "msg_" + requestId;
    }

    /**
     * Counting tokens for a backend of another dialect, which has no such operation: the jtokkit estimate of the
     * whole request body with the model's encoding (its JSON syntax included, so a slight overestimate).
     */
    @Override
    public byte[] localAnswer(ByteBuf body, String model) {
        if (endpoint != AnthropicEndpoint.COUNT_TOKENS) {
            return null;
        }
        final long tokens = PromptTokens.forModel(model).count(body, body.readerIndex(), body.readableBytes());
        return Json.render(g -> {
            g.writeStartObject();
            g.writeNumberField("input_tokens", tokens);
            g.writeEndObject();
        });
    }
}
