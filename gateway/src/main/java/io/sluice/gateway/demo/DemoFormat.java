package io.sluice.gateway.demo;

import com.fasterxml.jackson.core.JsonGenerator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufOutputStream;
import io.sluice.codec.json.Json;
import io.sluice.providers.openai.OpenAiEndpoint;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The demo model's answers in the OpenAI formats: the whole JSON body, and a stream as its opening events, one
 * event per piece, and closing events (with the usage-only chunk when the request asked for usage).
 */
final class DemoFormat {
    private interface Body {
        void write(JsonGenerator g) throws IOException;
    }

    private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);

    private final OpenAiEndpoint endpoint;
    private final DemoReply reply;
    private final boolean includeUsage;

    DemoFormat(OpenAiEndpoint endpoint, DemoReply reply, boolean includeUsage) {
        this.endpoint = endpoint;
        this.reply = reply;
        this.includeUsage = includeUsage;
    }

    /** The non-stream answer. */
    void whole(ByteBuf out) {
        json(out, g -> {
            switch (endpoint) {
                case CHAT_COMPLETIONS -> {
                    header(g, "chat.completion");
                    g.writeArrayFieldStart("choices");
                    g.writeStartObject();
                    g.writeNumberField("index", 0);
                    g.writeObjectFieldStart("message");
                    g.writeStringField("role", "assistant");
                    g.writeStringField("content", reply.text());
                    g.writeEndObject();
                    g.writeStringField("finish_reason", reply.finishReason());
                    g.writeEndObject();
                    g.writeEndArray();
                    usage(g);
                }
                case COMPLETIONS -> {
                    header(g, "text_completion");
                    g.writeArrayFieldStart("choices");
                    completionChoice(g, reply.text(), reply.finishReason());
                    g.writeEndArray();
                    usage(g);
                }
                case EMBEDDINGS -> embeddings(g);
                case RESPONSES -> response(g, "completed", true);
            }
        });
    }

    void streamStart(ByteBuf out) {
        switch (endpoint) {
            case CHAT_COMPLETIONS -> event(out, null, g -> chatChunk(g, "", true, null));
            case RESPONSES -> event(out, "response.created", g -> {
                g.writeStringField("type", "response.created");
                g.writeFieldName("response");
                g.writeStartObject();
                response(g, "in_progress", false);
                g.writeEndObject();
            });
            default -> {
            }
        }
    }

    void streamPiece(ByteBuf out, String piece) {
        switch (endpoint) {
            case CHAT_COMPLETIONS -> event(out, null, g -> chatChunk(g, piece, false, null));
            case COMPLETIONS -> event(out, null, g -> {
                header(g, "text_completion");
                g.writeArrayFieldStart("choices");
                completionChoice(g, piece, null);
                g.writeEndArray();
            });
            case RESPONSES -> event(out, "response.output_text.delta", g -> {
                g.writeStringField("type", "response.output_text.delta");
                g.writeStringField("item_id", "msg_" + reply.id());
                g.writeNumberField("output_index", 0);
                g.writeNumberField("content_index", 0);
                g.writeStringField("delta", piece);
            });
            default -> {
            }
        }
    }

    void streamEnd(ByteBuf out) {
        switch (endpoint) {
            case CHAT_COMPLETIONS -> {
                event(out, null, g -> chatChunk(g, null, false, reply.finishReason()));
                usageChunk(out, "chat.completion.chunk");
                out.writeBytes(DONE);
            }
            case COMPLETIONS -> {
                event(out, null, g -> {
                    header(g, "text_completion");
                    g.writeArrayFieldStart("choices");
                    completionChoice(g, "", reply.finishReason());
                    g.writeEndArray();
                });
                usageChunk(out, "text_completion");
                out.writeBytes(DONE);
            }
            case RESPONSES -> event(out, "response.completed", g -> {
                g.writeStringField("type", "response.completed");
                g.writeFieldName("response");
                g.writeStartObject();
                response(g, "completed", true);
                g.writeEndObject();
            });
            default -> {
            }
        }
    }

    private void usageChunk(ByteBuf out, String object) {
        if (includeUsage) {
            event(out, null, g -> {
                header(g, object);
                g.writeArrayFieldStart("choices");
                g.writeEndArray();
                usage(g);
            });
        }
    }

    private void header(JsonGenerator g, String object) throws IOException {
        g.writeStringField("id", (object.startsWith("chat") ? "chatcmpl-" : "cmpl-") + reply.id());
        g.writeStringField("object", object);
        g.writeNumberField("created", reply.created());
        g.writeStringField("model", reply.model());
    }

    private void chatChunk(JsonGenerator g, String content, boolean role, String finishReason) throws IOException {
        header(g, "chat.completion.chunk");
        g.writeArrayFieldStart("choices");
        g.writeStartObject();
        g.writeNumberField("index", 0);
        g.writeObjectFieldStart("delta");
        if (role) {
            g.writeStringField("role", "assistant");
        }
        if (content != null) {
            g.writeStringField("content", content);
        }
        g.writeEndObject();
        g.writeStringField("finish_reason", finishReason);
        g.writeEndObject();
        g.writeEndArray();
    }

    private static void completionChoice(JsonGenerator g, String text, String finishReason) throws IOException {
        g.writeStartObject();
        g.writeStringField("text", text);
        g.writeNumberField("index", 0);
        g.writeNullField("logprobs");
        g.writeStringField("finish_reason", finishReason);
        g.writeEndObject();
    }

    private void usage(JsonGenerator g) throws IOException {
        g.writeObjectFieldStart("usage");
        g.writeNumberField("prompt_tokens", reply.promptTokens());
        g.writeNumberField("completion_tokens", reply.completionTokens());
        g.writeNumberField("total_tokens", reply.totalTokens());
        g.writeEndObject();
    }

    private void embeddings(JsonGenerator g) throws IOException {
        g.writeStringField("object", "list");
        g.writeArrayFieldStart("data");
        g.writeStartObject();
        g.writeStringField("object", "embedding");
        g.writeNumberField("index", 0);
        g.writeArrayFieldStart("embedding");
        // A small deterministic vector: the same input always gets the same embedding.
        long seed = reply.promptTokens() * 31L + 7;
        for (int i = 0; i < 8; i++) {
            seed = seed * 6364136223846793005L + 1442695040888963407L;
            g.writeNumber((seed >>> 40) / (double) (1L << 24) - 0.5);
        }
        g.writeEndArray();
        g.writeEndObject();
        g.writeEndArray();
        g.writeStringField("model", reply.model());
        g.writeObjectFieldStart("usage");
        g.writeNumberField("prompt_tokens", reply.promptTokens());
        g.writeNumberField("total_tokens", reply.promptTokens());
        g.writeEndObject();
    }

    /** The fields of a Responses API response object. */
    private void response(JsonGenerator g, String status, boolean complete) throws IOException {
        g.writeStringField("id", "resp_" + reply.id());
        g.writeStringField("object", "response");
        g.writeNumberField("created_at", reply.created());
        g.writeStringField("status", status);
        g.writeStringField("model", reply.model());
        g.writeArrayFieldStart("output");
        if (complete) {
            g.writeStartObject();
            g.writeStringField("type", "message");
            g.writeStringField("id", "msg_" + reply.id());
            g.writeStringField("status", "completed");
            g.writeStringField("role", "assistant");
            g.writeArrayFieldStart("content");
            g.writeStartObject();
            g.writeStringField("type", "output_text");
            g.writeStringField("text", reply.text());
            g.writeArrayFieldStart("annotations");
            g.writeEndArray();
            g.writeEndObject();
            g.writeEndArray();
            g.writeEndObject();
        }
        g.writeEndArray();
        if (complete) {
            g.writeObjectFieldStart("usage");
            g.writeNumberField("input_tokens", reply.promptTokens());
            g.writeNumberField("output_tokens", reply.completionTokens());
            g.writeNumberField("total_tokens", reply.totalTokens());
            g.writeEndObject();
        } else {
            g.writeNullField("usage");
        }
    }

    /** One SSE event: an optional {@code event:} line, then the JSON object the body writes as {@code data:}. */
    private static void event(ByteBuf out, String name, Body body) {
        if (name != null) {
            out.writeCharSequence("event: " + name + "\n", StandardCharsets.US_ASCII);
        }
        out.writeCharSequence("data: ", StandardCharsets.US_ASCII);
        json(out, body);
        out.writeCharSequence("\n\n", StandardCharsets.US_ASCII);
    }

    private static void json(ByteBuf out, Body body) {
        final OutputStream stream = new ByteBufOutputStream(out);
        try (JsonGenerator g = Json.FACTORY.createGenerator(stream)) {
            g.writeStartObject();
            body.write(g);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
