package io.df2redis.migration.verify;

import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import io.smallrye.mutiny.Uni;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;

/**
 * A key's value in a form that does not depend on its encoding: used when two DUMP payloads differ
 * (a listpack on one side, a hashtable on the other; Dragonfly's and Redis's payloads). Hashes, sets
 * and sorted sets are compared as sorted members, lists and streams in order.
 */
final class ValueForm {

    private ValueForm() {
    }

    static Uni<String> of(SideAccess side, int db, byte[] key) {
        return side.send(db, Request.cmd(Command.TYPE).arg(key), "TYPE")
                .chain(type -> {
                    String kind = type.toString();
                    Request read = switch (kind) {
                        case "string" -> Request.cmd(Command.GET).arg(key);
                        case "hash" -> Request.cmd(Command.HGETALL).arg(key);
                        case "list" -> Request.cmd(Command.LRANGE).arg(key).arg(0).arg(-1);
                        case "set" -> Request.cmd(Command.SMEMBERS).arg(key);
                        case "zset" -> Request.cmd(Command.ZRANGE).arg(key).arg(0).arg(-1).arg("WITHSCORES");
                        case "stream" -> Request.cmd(Command.XRANGE).arg(key).arg("-").arg("+");
                        default -> null;
                    };
                    if (read == null) {
                        return Uni.createFrom().item(kind);
                    }
                    return side.send(db, read, kind.toUpperCase() + " read")
                            .map(value -> kind + ":" + canonical(value, kind));
                });
    }

    /** Sorted for hashes, sets and sorted sets; flat field/value replies (RESP2) are paired first. */
    private static String canonical(Response value, String kind) {
        if (value == null) {
            return "nil";
        }
        if (value.type() != io.vertx.redis.client.ResponseType.MULTI) {
            return encode(value.toBytes());
        }
        List<String> parts = new ArrayList<>();
        if (value.getKeys() != null && !value.getKeys().isEmpty()) {
            for (String field : value.getKeys()) {
                parts.add(encode(field.getBytes(java.nio.charset.StandardCharsets.UTF_8)) + "=" + canonical(value.get(field), "value"));
            }
        } else {
            List<String> items = new ArrayList<>();
            for (Response item : value) {
                items.add(canonical(item, "value"));
            }
            boolean flatPairs = (kind.equals("hash") || kind.equals("zset")) && items.size() % 2 == 0
                    && (items.isEmpty() || value.get(0) == null || value.get(0).type() != io.vertx.redis.client.ResponseType.MULTI);
            if (flatPairs) {
                for (int i = 0; i < items.size(); i += 2) {
                    parts.add(items.get(i) + "=" + items.get(i + 1));
                }
            } else {
                parts.addAll(items);
            }
        }
        if (kind.equals("hash") || kind.equals("set") || kind.equals("zset")) {
            Collections.sort(parts);
        }
        return "[" + String.join(",", parts) + "]";
    }

    private static String encode(byte[] bytes) {
        return bytes == null ? "nil" : Base64.getEncoder().encodeToString(bytes);
    }
}
