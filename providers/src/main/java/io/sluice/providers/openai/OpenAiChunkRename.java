package io.sluice.providers.openai;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import io.netty.buffer.ByteBuf;
import io.sluice.codec.json.Json;
import io.sluice.providers.Served;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Writes a chat completion chunk as the backend sent it, byte for byte, but for the values of its top-level
 * {@code id} and {@code model}, which become another answer's: how a stream continued on a second backend keeps the
 * first one's name while every other field (its {@code created}, {@code system_fingerprint}, whatever the server
 * adds) stays the continuation's own. The two values are found by their token offsets (jackson-core's streaming
 * parser), and only they are written anew. Stateless.
 */
final class OpenAiChunkRename {
    private OpenAiChunkRename() {
    }

    /**
     * Writes {@code data: <chunk renamed>} and the blank line to {@code out}.
     *
     * @return false, writing nothing, when the data is not a JSON object with a string {@code id}
     */
    static boolean write(byte[] data, int length, Served served, ByteBuf out) {
        int idStart = -1;
        int idEnd = -1;
        int modelStart = -1;
        int modelEnd = -1;
        try (JsonParser p = Json.FACTORY.createParser(data, 0, length)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return false;
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                final String name = p.currentName();
                final JsonToken value = p.nextToken();
                if (value == JsonToken.VALUE_STRING && (name.equals("id") || name.equals("model"))) {
                    final int start = (int) p.currentTokenLocation().getByteOffset();
                    p.getText();
                    final int end = (int) p.currentLocation().getByteOffset();
                    if (name.equals("id")) {
                        idStart = start;
                        idEnd = end;
                    } else {
                        modelStart = start;
                        modelEnd = end;
                    }
                } else {
                    p.skipChildren();
                }
            }
        } catch (IOException e) {
            return false;
        }
        if (idStart < 0) {
            return false;
        }
        out.writeCharSequence("data: ", StandardCharsets.US_ASCII);
        if (modelStart < 0 || modelStart > idStart) {
            // id first (as every server writes it), then model if there is one.
            out.writeBytes(data, 0, idStart);
            quoted(out, served.id());
            if (modelStart < 0) {
                out.writeBytes(data, idEnd, length - idEnd);
            } else {
                out.writeBytes(data, idEnd, modelStart - idEnd);
                quoted(out, served.model());
                out.writeBytes(data, modelEnd, length - modelEnd);
            }
        } else {
            out.writeBytes(data, 0, modelStart);
            quoted(out, served.model());
            out.writeBytes(data, modelEnd, idStart - modelEnd);
            quoted(out, served.id());
            out.writeBytes(data, idEnd, length - idEnd);
        }
        out.writeByte('\n').writeByte('\n');
        return true;
    }

    private static void quoted(ByteBuf out, String value) {
        out.writeByte('"').writeBytes(JsonStringEncoder.getInstance().quoteAsUTF8(value)).writeByte('"');
    }
}
