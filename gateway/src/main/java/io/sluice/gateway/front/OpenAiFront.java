package io.sluice.gateway.front;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.sluice.gateway.http.ErrorKind;
import io.sluice.gateway.http.OpenAiErrors;
import io.sluice.providers.ClientCodec;
import io.sluice.providers.Operation;
import io.sluice.providers.ProviderError;
import io.sluice.providers.openai.OpenAiCodec;
import io.sluice.providers.openai.OpenAiEndpoint;

import java.util.EnumMap;
import java.util.Map;

/** The OpenAI API's front: one per operation. */
public final class OpenAiFront implements Front {
    private static final Map<OpenAiEndpoint, OpenAiFront> FRONTS = new EnumMap<>(OpenAiEndpoint.class);

    static {
        for (OpenAiEndpoint endpoint : OpenAiEndpoint.values()) {
            FRONTS.put(endpoint, new OpenAiFront(endpoint));
        }
    }

    private final OpenAiEndpoint endpoint;

    private OpenAiFront(OpenAiEndpoint endpoint) {
        this.endpoint = endpoint;
    }

    public static OpenAiFront of(OpenAiEndpoint endpoint) {
        return FRONTS.get(endpoint);
    }

    @Override
    public ClientCodec codec() {
        return OpenAiCodec.INSTANCE;
    }

    @Override
    public Operation operation() {
        return endpoint;
    }

    @Override
    public ByteBuf error(ByteBufAllocator alloc, ErrorKind kind, String message, String param,
                        String requestId) {
        return OpenAiErrors.body(alloc, kind, message, param);
    }

    @Override
    public ByteBuf backendError(ByteBufAllocator alloc, ProviderError error, int status, String requestId) {
        return OpenAiErrors.body(alloc, error);
    }

    @Override
    public ByteBuf streamError(ByteBufAllocator alloc, ErrorKind kind, String message, String requestId) {
        return OpenAiErrors.streamEvent(alloc, kind, message);
    }

    @Override
    public String answerId(String requestId) {
        return "chatcmpl-" + requestId;
    }
}
