package io.sluice.providers;

/**
 * The one rule for a model name Sluice will serve under, wherever the name comes from (the config, a backend's model
 * list): no control character. The backend's name goes back to clients in the {@code x-sluice-model} response
 * header, where a CR or LF would start a field, and every name goes into logs and metric labels.
 *
 * <p>Below the seams of DESIGN.md §2b: a check the config loader and the model lists share. Stateless.
 */
public final class ModelNames {
    private ModelNames() {
    }

    /** Whether {@code name} holds a C0 control character or DEL. */
    public static boolean hasControlCharacter(String name) {
        for (int i = 0; i < name.length(); i++) {
            if (isControl(name.charAt(i))) {
                return true;
            }
        }
        return false;
    }

    /** {@code name} with each control character, and the backslash, written as a Java escape: fit for one log line. */
    public static String shown(String name) {
        final StringBuilder shown = new StringBuilder(name.length() + 8);
        for (int i = 0; i < name.length(); i++) {
            final char c = name.charAt(i);
            if (c == '\\') {
                shown.append("\\\\");
            } else if (isControl(c)) {
                shown.append(String.format("\\u%04x", (int) c));
            } else {
                shown.append(c);
            }
        }
        return shown.toString();
    }

    private static boolean isControl(char c) {
        return c < ' ' || c == 0x7F;
    }
}
