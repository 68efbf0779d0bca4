package io.sluice.codec.json;

import io.netty.buffer.ByteBuf;
import io.netty.util.ByteProcessor;
import io.netty.util.internal.PlatformDependent;
import io.sluice.codec.ByteSearch;
import io.sluice.codec.CaptureBuffer;

import java.nio.charset.StandardCharsets;

/**
 * Copies the object value of one named top-level field out of a JSON document that passes by in pieces, such as
 * {@code "usage":{...}} at the end of a chat completion.
 *
 * <p>It tracks only depth and string state, with absolute reads, so the document flows on to the client untouched
 * and nothing but the captured value is kept. Keys are compared as raw bytes, so a key written
 * with escapes is not recognised. A value that is not an object, or is larger than the capture's limit, yields
 * nothing. One instance per document; not thread-safe.
 */
public final class TopLevelObjectCapture implements ByteProcessor {
    private enum Phase { SEARCH, AFTER_KEY, BEFORE_VALUE, CAPTURING, DONE }

    private final byte[] key;
    private final CaptureBuffer capture;
    private Phase phase = Phase.SEARCH;
    private int depth;
    private boolean inString;
    private boolean escaped;
    private boolean expectKey;
    private int keyMatch = -1;

    public TopLevelObjectCapture(String key, CaptureBuffer capture) {
        this.key = key.getBytes(StandardCharsets.UTF_8);
        this.capture = capture;
        capture.reset();
    }

    /**
     * Feeds the bytes {@code [from, to)} of {@code buf}. Where its memory can be read directly (the pooled socket
     * reads a relay sees), three kinds of bytes skip the state machine: those of a nested value that is not captured
     * (an answer's {@code choices}, with its text), through which only strings and brackets are followed; those of
     * the value being captured, followed the same way and then copied at once; and those of a top-level string that
     * is neither compared with the key nor captured, passed over to its closing quote or a backslash. In all three, a
     * string's bytes are passed over eight at a time. Elsewhere each byte goes through {@link #process}.
     */
    public void feed(ByteBuf buf, int from, int to) {
        if (phase == Phase.DONE || from >= to) {
            return;
        }
        final long address = ByteSearch.memoryOf(buf, from, to);
        if (address == 0) {
            buf.forEachByte(from, to - from, this);
            return;
        }
        int i = from;
        while (i < to) {
            if (depth > 1 && phase == Phase.SEARCH) {
                i = passNested(address, i, to);
            } else if (depth > 1 && phase == Phase.CAPTURING) {
                final int end = passNested(address, i, to);
                if (!capture.append(buf, i, end - i)) {
                    finish(false);
                    return;
                }
                if (depth == 1) {
                    finish(true);
                    return;
                }
                i = end;
            } else {
                if (inPlainString()) {
                    i = ByteSearch.indexOfEither(address, i, to, (byte) '"', (byte) '\\');
                    if (i < 0) {
                        return;
                    }
                }
                if (!process(PlatformDependent.getByte(address + i))) {
                    return;
                }
                i++;
            }
        }
    }

    /**
     * Follows the strings and brackets of a nested value from {@code i}, in locals rather than fields, and returns
     * the index past the bracket that closes it (depth back at 1), or {@code to}. Its key compares and captures are
     * not needed, since only a top-level key is looked for.
     */
    private int passNested(long address, int i, int to) {
        int nesting = depth;
        boolean string = inString;
        boolean escape = escaped;
        while (i < to) {
            if (string && !escape) {
                // Up to its closing quote or a backslash, a string's bytes change nothing: skipped a word at a time.
                i = ByteSearch.indexOfEither(address, i, to, (byte) '"', (byte) '\\');
                if (i < 0) {
                    i = to;
                    break;
                }
            }
            final byte b = PlatformDependent.getByte(address + i++);
            if (string) {
                if (escape) {
                    escape = false;
                } else if (b == '\\') {
                    escape = true;
                } else if (b == '"') {
                    string = false;
                }
            } else if (b == '"') {
                string = true;
            } else if (b == '{' || b == '[') {
                nesting++;
            } else if ((b == '}' || b == ']') && --nesting == 1) {
                break;
            }
        }
        depth = nesting;
        inString = string;
        escaped = escape;
        return i;
    }

    /** Inside a string, past any escape, whose bytes are neither compared with the key nor captured. */
    private boolean inPlainString() {
        return inString && !escaped && keyMatch < 0 && phase != Phase.CAPTURING;
    }

    /** Whether the whole value was captured; its bytes are then in the capture buffer. */
    public boolean captured() {
        return phase == Phase.DONE && !capture.isEmpty();
    }

    @Override
    public boolean process(byte b) {
        if (phase == Phase.BEFORE_VALUE && !isSpace(b)) {
            if (b != '{') {
                return finish(false);
            }
            phase = Phase.CAPTURING;
        }
        if (phase == Phase.CAPTURING && !capture.append(b)) {
            return finish(false);
        }
        if (inString) {
            inString(b);
            return true;
        }
        switch (b) {
            case '"' -> {
                inString = true;
                if (depth == 1 && expectKey && phase == Phase.SEARCH) {
                    keyMatch = 0;
                }
                expectKey = false;
            }
            case '{', '[' -> {
                depth++;
                expectKey = depth == 1 && b == '{';
            }
            case '}', ']' -> {
                depth--;
                if (phase == Phase.CAPTURING && depth == 1) {
                    return finish(true);
                }
            }
            case ',' -> expectKey = depth == 1;
            case ':' -> {
                if (phase == Phase.AFTER_KEY) {
                    phase = Phase.BEFORE_VALUE;
                }
            }
            default -> {
                if (phase == Phase.AFTER_KEY && !isSpace(b)) {
                    phase = Phase.SEARCH;
                }
            }
        }
        return true;
    }

    private void inString(byte b) {
        if (escaped) {
            escaped = false;
            keyMatch = -1;
        } else if (b == '\\') {
            escaped = true;
            keyMatch = -1;
        } else if (b == '"') {
            inString = false;
            if (keyMatch == key.length) {
                phase = Phase.AFTER_KEY;
            }
            keyMatch = -1;
        } else if (keyMatch >= 0) {
            keyMatch = keyMatch < key.length && key[keyMatch] == b ? keyMatch + 1 : -1;
        }
    }

    private boolean finish(boolean success) {
        if (!success) {
            capture.reset();
        }
        phase = Phase.DONE;
        return false;
    }

    private static boolean isSpace(byte b) {
        return b == ' ' || b == '\t' || b == '\n' || b == '\r';
    }
}
