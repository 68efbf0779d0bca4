package io.sluice.gateway.demo;

import java.util.ArrayList;
import java.util.List;

/**
 * The demo model's idea of tokens: a run of letters or digits is one token, and so is every other character that
 * is not a space. Deterministic and instant, which is what a demo needs; real counting belongs to real models.
 */
final class DemoTokens {
    /** Per message and per reply, as OpenAI's chat format counts them. */
    private static final int PER_MESSAGE = 3;

    private DemoTokens() {
    }

    static int count(String text) {
        int tokens = 0;
        boolean inWord = false;
        for (int i = 0; i < text.length(); i++) {
            final char c = text.charAt(i);
            if (Character.isLetterOrDigit(c)) {
                tokens += inWord ? 0 : 1;
                inWord = true;
            } else {
                tokens += Character.isWhitespace(c) ? 0 : 1;
                inWord = false;
            }
        }
        return tokens;
    }

    static int promptTokens(DemoRequest request) {
        return count(request.promptText()) + (request.messageCount() > 0 ? PER_MESSAGE * (request.messageCount() + 1) : 0);
    }

    /** The reply cut before each space: "Hello there" streams as "Hello", " there". */
    static List<String> pieces(String reply) {
        final List<String> pieces = new ArrayList<>();
        int start = 0;
        for (int i = 1; i < reply.length(); i++) {
            if (reply.charAt(i) == ' ' && reply.charAt(i - 1) != ' ') {
                pieces.add(reply.substring(start, i));
                start = i;
            }
        }
        pieces.add(reply.substring(start));
        return pieces;
    }
}
