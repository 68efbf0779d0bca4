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

    /**
     * {@code path} with the query of {@code uri}, if it has one: a request sent on with the client's query. Most have
     * none, and then {@code path} itself is the answer, with no string made.
     */
    public static String withQueryOf(String path, String uri) {
        final int query = uri.indexOf('?');
        return query < 0 ? path : path + uri.substring(query);
    }
}
