package io.df2redis.contract.cluster;

import java.util.ArrayList;
import java.util.List;

/**
 * The reply of {@code CLUSTER NODES}: the masters that serve (connected, not failing) and the slots each one owns.
 * Both the service (cluster targets, topology) and the proxy plugin (meta updates routed by slot) read it here.
 */
public final class ClusterNodes {

    private final List<String> masters;
    private final String[] ownerBySlot;

    private ClusterNodes(List<String> masters, String[] ownerBySlot) {
        this.masters = masters;
        this.ownerBySlot = ownerBySlot;
    }

    /** Parses a reply; lines of replicas, failing or address-less masters are skipped, importing/migrating marks ignored. */
    public static ClusterNodes parse(String reply) {
        List<String> masters = new ArrayList<>();
        String[] owners = new String[HashSlot.SLOTS];
        for (String line : reply.split("\r?\n")) {
            String[] fields = line.trim().split(" ");
            if (fields.length < 8 || !serving(fields[2])) {
                continue;
            }
            String address = address(fields[1]);
            masters.add(address);
            for (int i = 8; i < fields.length; i++) {
                claim(owners, fields[i], address);
            }
        }
        return new ClusterNodes(List.copyOf(masters), owners);
    }

    /** host:port of every master that is connected and not failing. */
    public static List<String> masters(String reply) {
        return parse(reply).masters();
    }

    public List<String> masters() {
        return masters;
    }

    /** host:port of the master serving {@code slot}, or null when no serving master claims it. */
    public String owner(int slot) {
        return ownerBySlot[slot];
    }

    private static boolean serving(String flags) {
        return flags.contains("master") && !flags.contains("fail") && !flags.contains("noaddr");
    }

    /** {@code host:port@cport[,hostname]} without the bus port. */
    private static String address(String field) {
        int at = field.indexOf('@');
        return at < 0 ? field : field.substring(0, at);
    }

    private static void claim(String[] owners, String range, String address) {
        if (range.startsWith("[")) {
            return;
        }
        int dash = range.indexOf('-');
        int from = Integer.parseInt(dash < 0 ? range : range.substring(0, dash));
        int to = dash < 0 ? from : Integer.parseInt(range.substring(dash + 1));
        for (int slot = from; slot <= to; slot++) {
            owners[slot] = address;
        }
    }
}
