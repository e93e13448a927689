package io.df2redis.resp;

import java.util.ArrayList;
import java.util.List;

/** Reads the reply of {@code CLUSTER NODES}. */
public final class ClusterNodes {

    private ClusterNodes() {
    }

    /** host:port of every master that is connected and not failing. */
    public static List<String> masters(String reply) {
        List<String> masters = new ArrayList<>();
        for (String line : reply.split("\r?\n")) {
            String[] fields = line.trim().split(" ");
            if (fields.length < 8) {
                continue;
            }
            String flags = fields[2];
            if (!flags.contains("master") || flags.contains("fail") || flags.contains("noaddr")) {
                continue;
            }
            String address = fields[1];
            int at = address.indexOf('@');
            masters.add(at < 0 ? address : address.substring(0, at));
        }
        return masters;
    }
}
