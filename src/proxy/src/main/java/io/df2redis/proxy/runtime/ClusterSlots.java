package io.df2redis.proxy.runtime;

import java.util.ArrayList;
import java.util.List;

/** Redis Cluster hash slots (CRC16/XMODEM of the key or its hash tag) and the slot map from CLUSTER NODES. */
final class ClusterSlots {

    static final int SLOTS = 16384;

    private final String[] owner = new String[SLOTS];

    private ClusterSlots() {
    }

    /** Builds the map from a CLUSTER NODES reply: the master that serves each slot. */
    static ClusterSlots parse(String clusterNodes) {
        ClusterSlots slots = new ClusterSlots();
        for (String line : clusterNodes.split("\n")) {
            String[] fields = line.trim().split(" ");
            if (fields.length < 9 || !fields[2].contains("master") || fields[2].contains("fail")) {
                continue;
            }
            String address = fields[1].contains("@") ? fields[1].substring(0, fields[1].indexOf('@')) : fields[1];
            for (int i = 8; i < fields.length; i++) {
                String range = fields[i];
                if (range.startsWith("[")) {
                    continue;
                }
                int dash = range.indexOf('-');
                int from = Integer.parseInt(dash < 0 ? range : range.substring(0, dash));
                int to = dash < 0 ? from : Integer.parseInt(range.substring(dash + 1));
                for (int slot = from; slot <= to; slot++) {
                    slots.owner[slot] = address;
                }
            }
        }
        return slots;
    }

    String owner(int slot) {
        return owner[slot];
    }

    List<String> masters() {
        List<String> masters = new ArrayList<>();
        for (String address : owner) {
            if (address != null && !masters.contains(address)) {
                masters.add(address);
            }
        }
        return masters;
    }

    static int slot(byte[] key) {
        int start = -1;
        for (int i = 0; i < key.length; i++) {
            if (key[i] == '{') {
                start = i;
                break;
            }
        }
        if (start >= 0) {
            for (int end = start + 1; end < key.length; end++) {
                if (key[end] == '}') {
                    if (end > start + 1) {
                        return crc16(key, start + 1, end) & (SLOTS - 1);
                    }
                    break;
                }
            }
        }
        return crc16(key, 0, key.length) & (SLOTS - 1);
    }

    private static int crc16(byte[] bytes, int from, int to) {
        int crc = 0;
        for (int i = from; i < to; i++) {
            crc ^= (bytes[i] & 0xff) << 8;
            for (int bit = 0; bit < 8; bit++) {
                crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1;
            }
        }
        return crc & 0xffff;
    }
}
