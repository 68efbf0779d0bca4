package io.sluice.gateway.admission;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingType;
import com.knuddels.jtokkit.api.ModelType;
import io.netty.buffer.ByteBuf;

import java.nio.charset.StandardCharsets;

/**
 * Estimates how many tokens a prompt holds, for reserving against tokens-per-minute limits: jtokkit's count with the
 * model's encoding (o200k_base or cl100k_base for the OpenAI names jtokkit knows; cl100k_base for any other model, a
 * fair guess for Llama-family tokenizers) over
 * the first {@value #COUNTED_CHARS} characters, scaled by length for the rest. The bound keeps the count well under
 * a millisecond on the event loop however long the prompt; the estimate is settled against the backend's own count
 * when the response ends. Thread-safe.
 */
public final class PromptTokens {
    private static final int COUNTED_CHARS = 16 * 1024;
    private static final EncodingRegistry REGISTRY = Encodings.newLazyEncodingRegistry();

    private final Encoding encoding;

    private PromptTokens(Encoding encoding) {
        this.encoding = encoding;
    }

    /**
     * The counter for a backend model. Its encoding is loaded the first time one needs it (a few milliseconds): off
     * the event loops, or after {@link #loadEncodings()}.
     */
    public static PromptTokens forModel(String backendModel) {
        final EncodingType type = ModelType.fromName(backendModel).map(ModelType::getEncodingType)
                .filter(t -> t == EncodingType.O200K_BASE).orElse(EncodingType.CL100K_BASE);
        final Encoding encoding = REGISTRY.getEncoding(type);
        encoding.countTokens("warm up");
        return new PromptTokens(encoding);
    }

    /** Loads every encoding {@link #forModel} may pick, so that later calls, on an event loop too, only look up. */
    public static void loadEncodings() {
        REGISTRY.getEncoding(EncodingType.CL100K_BASE);
        REGISTRY.getEncoding(EncodingType.O200K_BASE);
    }

    /** The tokens of {@code text}. */
    public long count(CharSequence text) {
        if (text.length() <= COUNTED_CHARS) {
            return encoding.countTokens(text.toString());
        }
        final long counted = encoding.countTokens(text.subSequence(0, COUNTED_CHARS).toString());
        return scaled(counted, COUNTED_CHARS, text.length());
    }

    /**
     * The tokens of the UTF-8 JSON in {@code length} bytes of {@code body} from {@code from}, its syntax included and
     * its escapes read: a client that writes {@code \u65e5} (Python's default) asks for as many tokens as one that
     * writes the character itself.
     */
    public long count(ByteBuf body, int from, int length) {
        final int read = Math.min(length, COUNTED_CHARS);
        final long counted = encoding.countTokens(unescaped(body.toString(from, read, StandardCharsets.UTF_8)));
        return read == length ? counted : scaled(counted, read, length);
    }

    /** {@code json} with its string escapes read; one the sample's end cut short stays as written. */
    static String unescaped(String json) {
        int at = json.indexOf('\\');
        if (at < 0) {
            return json;
        }
        final StringBuilder out = new StringBuilder(json.length()).append(json, 0, at);
        while (at < json.length()) {
            final char c = json.charAt(at);
            if (c != '\\' || at + 1 == json.length()) {
                out.append(c);
                at++;
                continue;
            }
            final char escaped = json.charAt(at + 1);
            if (escaped == 'u') {
                final boolean whole = at + 6 <= json.length() && isHex(json, at + 2);
                out.append(whole ? (char) Integer.parseInt(json, at + 2, at + 6, 16) : c);
                at += whole ? 6 : 1;
                continue;
            }
            out.append(switch (escaped) {
                case 'n' -> '\n';
                case 't' -> '\t';
                case 'r' -> '\r';
                case 'b' -> '\b';
                case 'f' -> '\f';
                default -> escaped;
            });
            at += 2;
        }
        return out.toString();
    }

    private static boolean isHex(String text, int from) {
        for (int i = from; i < from + 4; i++) {
            if (Character.digit(text.charAt(i), 16) < 0) {
                return false;
            }
        }
        return true;
    }

    private static long scaled(long counted, long sample, long whole) {
        return (long) Math.ceil((double) counted * whole / sample);
    }
}
