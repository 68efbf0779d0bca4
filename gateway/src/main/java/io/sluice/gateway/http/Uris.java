package io.sluice.gateway.http;

/** The parts of a request target (origin form: path and query). */
public final class Uris {
    private Uris() {
    }

    /** The path, without the query. */
    public static String path(String uri) {
        final int query = uri.indexOf('?');
        return query < 0 ? uri : uri.substring(0, query);
    }

    /** The query with its leading {@code ?}, or the empty string. */
    public static String query(String uri) {
        final int query = uri.indexOf('?');
        return query < 0 ? "" : uri.substring(query);
    }
}
