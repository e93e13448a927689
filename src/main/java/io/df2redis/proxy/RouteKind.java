package io.df2redis.proxy;

/** The routes the service puts the proxy on, in the order of a migration. */
public enum RouteKind {
    /** Reads and writes to the source only. */
    SOURCE("source.json.tmpl"),
    /** Reads from the source; writes to the source (primary, its reply) and mirrored to the target. */
    DUAL_WRITE("dual-write.json.tmpl"),
    /** Like dual-write, with a share of reads sent to the target. */
    READ_SPLIT("read-split.json.tmpl"),
    /** After the write cutover: the target is primary, the source mirrored, reads from the target. */
    FLIPPED("flipped.json.tmpl"),
    /** Reads and writes to the target only. */
    TARGET("target.json.tmpl");

    private final String template;

    RouteKind(String template) {
        this.template = template;
    }

    String template() {
        return "routes/" + template;
    }
}
