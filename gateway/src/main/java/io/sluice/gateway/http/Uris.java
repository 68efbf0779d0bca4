package io.sluice.gateway.http;

/** The parts of a request target: path and query, of the origin form or of the absolute form. Stateless. */
public final class Uris {
    private Uris() {
    }

    /**
     * The path, without the query; of an absolute-form target ({@code http://host/v1/chat/completions}), which RFC
     * 9112 §3.2.2 has a server accept as well, the path after the authority.
     */
    public static String path(String uri) {
        final int start = uri.startsWith("/") ? 0 : pathStart(uri);
        final int query = uri.indexOf('?', start);
        return start == 0 && query < 0 ? uri : uri.substring(start, query < 0 ? uri.length() : query);
    }

    /** Where the path of {@code http://authority/path} (or https) begins; 0 for a target of another form. */
    private static int pathStart(String uri) {
        final int authority = uri.regionMatches(true, 0, "http://", 0, 7) ? 7
                : uri.regionMatches(true, 0, "https://", 0, 8) ? 8 : -1;
        if (authority < 0) {
            return 0;
        }
        // The authority ends at the path's slash, or at the query when there is no path.
        for (int i = authority; i < uri.length(); i++) {
            if (uri.charAt(i) == '/' || uri.charAt(i) == '?') {
                return i;
            }
        }
        return uri.length();
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
