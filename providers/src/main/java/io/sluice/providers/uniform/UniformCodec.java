package io.sluice.providers.uniform;

import io.netty.buffer.ByteBuf;
import io.sluice.codec.json.JsonTree;
import io.sluice.codec.json.MalformedRequestException;
import io.sluice.providers.Answer;
import io.sluice.providers.ClientCodec;
import io.sluice.providers.Served;
import io.sluice.providers.StreamEncoder;
import io.sluice.providers.TranslatedRequest;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The client side of the uniform API. A request is OpenAI's chat form (seed 001 §5.1: {@code model},
 * {@code messages}, {@code temperature} and the other options, passed on as given), or, in its place, a
 * {@code prompt} (with an optional {@code system}) that becomes the conversation, on any of its operations; the
 * operation, not the body, says whether the answer streams. Immutable; one per operation and format.
 */
public final class UniformCodec implements ClientCodec {
    public static final UniformCodec CHAT = new UniformCodec(false, UniformFormat.SSE);
    public static final UniformCodec STREAM = new UniformCodec(true, UniformFormat.SSE);
    public static final UniformCodec STREAM_NDJSON = new UniformCodec(true, UniformFormat.NDJSON);

    private final boolean stream;
    private final UniformFormat format;

    private UniformCodec(boolean stream, UniformFormat format) {
        this.stream = stream;
        this.format = format;
    }

    public UniformFormat format() {
        return format;
    }

    @Override
    public TranslatedRequest toOpenAi(ByteBuf body) throws MalformedRequestException {
        final Map<String, Object> request = new LinkedHashMap<>(JsonTree.readObject(body));
        final Object prompt = request.remove("prompt");
        final Object system = request.remove("system");
        if (request.get("messages") instanceof List<?>) {
            if (prompt != null || system != null) {
                throw new MalformedRequestException("Give messages, or prompt (and system), not both.",
                        MalformedRequestException.Fault.TYPE, "prompt");
            }
        } else {
            if (!(prompt instanceof String text)) {
                throw new MalformedRequestException("messages (a list of {role, content}) or prompt (a string) is "
                        + "required.", MalformedRequestException.Fault.TYPE, prompt == null ? "messages" : "prompt");
            }
            final List<Object> messages = new ArrayList<>(2);
            if (system instanceof String instructions) {
                messages.add(message("system", instructions));
            }
            messages.add(message("user", text));
            request.put("messages", messages);
        }
        request.put("stream", stream);
        request.remove("stream_options");
        return new TranslatedRequest(request, stream, true);
    }

    @Override
    public StreamEncoder encoder(Served served, boolean includeUsage) {
        return new UniformStreamEncoder(format, served);
    }

    @Override
    public byte[] answer(Answer answer, Served served) {
        return UniformAnswers.write(answer, served);
    }

    private static Map<String, Object> message(String role, String content) {
        final Map<String, Object> message = new LinkedHashMap<>();
        message.put("role", role);
        message.put("content", content);
        return message;
    }
}
