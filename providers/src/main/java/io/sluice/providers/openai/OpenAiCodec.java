package io.sluice.providers.openai;

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

import java.util.LinkedHashMap;
import java.util.Map;

/** The OpenAI dialect: chat completions is the form every translation goes through, so its translation is a copy. */
public final class OpenAiCodec implements DialectCodec {
    public static final OpenAiCodec INSTANCE = new OpenAiCodec();

    private OpenAiCodec() {
    }

    @Override
    public Operation chat() {
        return OpenAiEndpoint.CHAT_COMPLETIONS;
    }

    @Override
    public RequestPlan plan(RequestFields fields, Operation operation, byte[] backendModel, boolean askForUsage,
                            int defaultMaxTokens) {
        return RequestEdits.plan(fields, operation, backendModel, askForUsage, defaultMaxTokens);
    }

    @Override
    public StreamWatcher watcher(Operation operation, boolean dropUsageOnlyEvents) {
        return new OpenAiStreamWatcher(operation.streamHasFinalEvent(), dropUsageOnlyEvents);
    }

    @Override
    public TranslatedRequest toOpenAi(ByteBuf body) throws MalformedRequestException {
        final Map<String, Object> request = JsonTree.readObject(body);
        final Object includeUsage = JsonTree.asObject(request.get("stream_options")).get("include_usage");
        return new TranslatedRequest(request, Boolean.TRUE.equals(request.get("stream")),
                Boolean.TRUE.equals(includeUsage));
    }

    @Override
    public byte[] fromOpenAi(TranslatedRequest request, String backendModel, boolean askForUsage,
                             int defaultMaxTokens) {
        final Map<String, Object> body = new LinkedHashMap<>(request.openAi());
        body.put("model", backendModel);
        if (Boolean.TRUE.equals(body.get("stream")) && askForUsage) {
            final Map<String, Object> options = new LinkedHashMap<>(JsonTree.asObject(body.get("stream_options")));
            options.put("include_usage", true);
            body.put("stream_options", options);
        }
        if (defaultMaxTokens > 0 && body.get("max_tokens") == null && body.get("max_completion_tokens") == null) {
            body.put("max_tokens", defaultMaxTokens);
        }
        return Json.render(g -> JsonTree.write(g, body));
    }

    @Override
    public StreamDecoder decoder() {
        return new OpenAiStreamDecoder();
    }

    @Override
    public StreamDelta decodeAnswer(byte[] json, int length) {
        return OpenAiStreamDecoder.read(json, length);
    }

    @Override
    public StreamEncoder encoder(Served served, boolean includeUsage) {
        return new OpenAiStreamEncoder(served.id(), served.model(), includeUsage);
    }

    @Override
    public StreamEncoder resume(Served served, boolean includeUsage, StreamPosition position) {
        final OpenAiStreamEncoder encoder = new OpenAiStreamEncoder(served.id(), served.model(), includeUsage);
        if (position.started()) {
            encoder.roleSent();
        }
        return encoder;
    }

    @Override
    public boolean renamed(byte[] data, int length, Served served, ByteBuf out) {
        return OpenAiChunkRename.write(data, length, served, out);
    }

    @Override
    public byte[] answer(Answer answer, Served served) {
        return OpenAiAnswers.write(answer, served.id(), served.model());
    }
}
