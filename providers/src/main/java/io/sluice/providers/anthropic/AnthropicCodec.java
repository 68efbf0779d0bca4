package io.sluice.providers.anthropic;

import io.netty.buffer.ByteBuf;
import io.sluice.codec.json.Json;
import io.sluice.codec.json.JsonTree;
import io.sluice.codec.json.MalformedRequestException;
import io.sluice.codec.json.RequestFields;
import io.sluice.providers.Answer;
import io.sluice.providers.DialectCodec;
import io.sluice.providers.Operation;
import io.sluice.providers.RequestEdits;
import io.sluice.providers.RequestPlan;
import io.sluice.providers.Served;
import io.sluice.providers.StreamDecoder;
import io.sluice.providers.StreamDelta;
import io.sluice.providers.StreamEncoder;
import io.sluice.providers.StreamPosition;
import io.sluice.providers.StreamWatcher;
import io.sluice.providers.TranslatedRequest;

import java.util.Map;

/** The Anthropic Messages dialect. */
public final class AnthropicCodec implements DialectCodec {
    public static final AnthropicCodec INSTANCE = new AnthropicCodec();

    private AnthropicCodec() {
    }

    @Override
    public Operation chat() {
        return AnthropicEndpoint.MESSAGES;
    }

    /** Anthropic streams always report usage: there is nothing to ask for, and nothing to leave out. */
    @Override
    public RequestPlan plan(RequestFields fields, Operation operation, byte[] backendModel, boolean askForUsage,
                            int defaultMaxTokens) {
        return RequestEdits.plan(fields, operation, backendModel, false, defaultMaxTokens);
    }

    @Override
    public StreamWatcher watcher(Operation operation, boolean dropUsageOnlyEvents) {
        return new AnthropicStreamWatcher();
    }

    /** Its streams always carry usage, so the client is taken to have asked for it. */
    @Override
    public TranslatedRequest toOpenAi(ByteBuf body) throws MalformedRequestException {
        final Map<String, Object> request = AnthropicRequests.toOpenAi(JsonTree.readObject(body));
        return new TranslatedRequest(request, Boolean.TRUE.equals(request.get("stream")), true);
    }

    @Override
    public byte[] fromOpenAi(TranslatedRequest request, String backendModel, boolean askForUsage,
                             int defaultMaxTokens) {
        final Map<String, Object> body = AnthropicRequests.fromOpenAi(request.openAi(), backendModel,
                defaultMaxTokens);
        return Json.render(g -> JsonTree.write(g, body));
    }

    @Override
    public StreamDecoder decoder() {
        return new AnthropicStreamDecoder();
    }

    @Override
    public StreamDelta decodeAnswer(byte[] json, int length) {
        return AnthropicAnswers.read(json, length);
    }

    @Override
    public StreamEncoder encoder(Served served, boolean includeUsage) {
        return new AnthropicStreamEncoder(served.id(), served.model());
    }

    @Override
    public StreamEncoder resume(Served served, boolean includeUsage, StreamPosition position) {
        final AnthropicStreamEncoder encoder = new AnthropicStreamEncoder(served.id(), served.model());
        encoder.resume(position);
        return encoder;
    }

    @Override
    public byte[] answer(Answer answer, Served served) {
        return AnthropicAnswers.write(answer, served.id(), served.model());
    }
}
