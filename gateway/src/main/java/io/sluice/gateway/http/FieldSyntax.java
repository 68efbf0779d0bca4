package io.sluice.gateway.http;

/**
 * The character classes of HTTP/1.1 field lines (RFC 9110 §5), for the parsers that read heads from their bytes: the
 * client's request head and the backend's response head.
 */
public final class FieldSyntax {
    private FieldSyntax() {
    }

    /** RFC 9110's tchar: the characters a field name (or a method) may hold. */
    public static boolean isTokenChar(byte b) {
        if (b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9') {
            return true;
        }
        return switch (b) {
            case '!', '#', '$', '%', '&', '\'', '*', '+', '-', '.', '^', '_', '`', '|', '~' -> true;
            default -> false;
        };
    }
}
