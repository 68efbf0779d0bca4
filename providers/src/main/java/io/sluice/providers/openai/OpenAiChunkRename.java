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
        // The spans of the two values, in the order the chunk has them (the parser reads it in order).
        final int[] starts = new int[2];
        final int[] ends = new int[2];
        final String[] values = new String[2];
        int spans = 0;
        boolean named = false;
        try (JsonParser p = Json.FACTORY.createParser(data, 0, length)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return false;
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                final String name = p.currentName();
                final boolean id = name.equals("id");
                if (p.nextToken() == JsonToken.VALUE_STRING && (id || name.equals("model"))) {
                    if (spans == 2) {
                        return false;
                    }
                    starts[spans] = (int) p.currentTokenLocation().getByteOffset();
                    p.finishToken();
                    ends[spans] = (int) p.currentLocation().getByteOffset();
                    values[spans++] = id ? served.id() : served.model();
                    named |= id;
                } else {
                    p.skipChildren();
                }
            }
        } catch (IOException e) {
            return false;
        }
        if (!named) {
            return false;
        }
        out.writeCharSequence("data: ", StandardCharsets.US_ASCII);
        int at = 0;
        for (int i = 0; i < spans; i++) {
            out.writeBytes(data, at, starts[i] - at);
            out.writeByte('"').writeBytes(JsonStringEncoder.getInstance().quoteAsUTF8(values[i])).writeByte('"');
            at = ends[i];
        }
        out.writeBytes(data, at, length - at);
        out.writeByte('\n').writeByte('\n');
        return true;
    }
}
