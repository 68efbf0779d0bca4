package io.sluice.gateway.ws;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.google.protobuf.InvalidProtocolBufferException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.sluice.codec.json.Json;
import io.sluice.codec.proto.ProtoJson;
import io.sluice.proto.WebSocketMessage;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Locale;

/**
 * How a socket's messages travel: JSON in text frames or Protobuf in binary frames, chosen once by
 * {@code ?format=} at the handshake. Both carry the same {@link WebSocketMessage}.
 */
enum WsFormat {
    JSON,
    PROTOBUF;

    /** The format a {@code format} query value names (JSON when absent), or null for an unknown one. */
    static WsFormat named(String value) {
        if (value == null || value.isEmpty()) {
            return JSON;
        }
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "json" -> JSON;
            case "protobuf", "proto" -> PROTOBUF;
            default -> null;
        };
    }

    /** Whether a data frame is of this format's type (text for JSON, binary for Protobuf). */
    boolean carries(WebSocketFrame frame) {
        return this == JSON ? frame instanceof TextWebSocketFrame : frame instanceof BinaryWebSocketFrame;
    }

    WebSocketFrame encode(ByteBufAllocator alloc, WebSocketMessage message) throws IOException {
        final ByteBuf buf = alloc.buffer(this == JSON ? 128 : message.getSerializedSize());
        try (OutputStream out = new ByteBufOutputStream(buf)) {
            if (this == JSON) {
                try (JsonGenerator g = Json.FACTORY.createGenerator(out)) {
                    ProtoJson.write(message, g);
                }
                return new TextWebSocketFrame(buf);
            }
            message.writeTo(out);
            return new BinaryWebSocketFrame(buf);
        } catch (IOException | RuntimeException e) {
            buf.release();
            throw e;
        }
    }

    /**
     * The message in a data frame of this format; the frame stays the caller's. A refusal's message is told to the
     * client as it is, so it never quotes the frame (Jackson's own messages would).
     */
    WebSocketMessage decode(WebSocketFrame frame) throws IOException {
        final InputStream in = new ByteBufInputStream(frame.content().duplicate());
        if (this == PROTOBUF) {
            return WebSocketMessage.parseFrom(in);
        }
        final WebSocketMessage.Builder builder = WebSocketMessage.newBuilder();
        try (JsonParser p = Json.FACTORY.createParser(in)) {
            ProtoJson.read(p, builder);
            if (p.nextToken() != null) {
                throw new IOException("the message has content after its JSON object");
            }
        } catch (JsonProcessingException e) {
            throw new IOException("the message is not valid JSON: " + Json.describe(e));
        }
        return builder.build();
    }

    /**
     * The request id of a message that could not be read, as far as it can be made out, so the error can name
     * it; empty when it cannot.
     */
    String requestIdOf(WebSocketFrame frame, IOException failure) {
        if (this == PROTOBUF) {
            if (failure instanceof InvalidProtocolBufferException invalid
                    && invalid.getUnfinishedMessage() instanceof WebSocketMessage partial) {
                return partial.hasRequest() ? partial.getRequest().getRequestId()
                        : partial.hasCancel() ? partial.getCancel().getRequestId() : "";
            }
            return "";
        }
        final InputStream in = new ByteBufInputStream(frame.content().duplicate());
        try (JsonParser p = Json.FACTORY.createParser(in)) {
            JsonToken token;
            while ((token = p.nextToken()) != null) {
                if (token == JsonToken.FIELD_NAME
                        && (p.currentName().equals("request_id") || p.currentName().equals("requestId"))
                        && p.nextToken() == JsonToken.VALUE_STRING) {
                    return p.getText();
                }
            }
        } catch (IOException e) {
            // Read as far as the JSON went; the id was not in that part.
        }
        return "";
    }
}
