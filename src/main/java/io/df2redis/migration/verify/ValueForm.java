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
 * and sorted sets are compared as sorted members, lists and streams in order; a stream's consumer groups
 * by name, last-delivered id and pending count.
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
                        case "hash" -> null;
                        case "list" -> Request.cmd(Command.LRANGE).arg(key).arg(0).arg(-1);
                        case "set" -> Request.cmd(Command.SMEMBERS).arg(key);
                        case "zset" -> Request.cmd(Command.ZRANGE).arg(key).arg(0).arg(-1).arg("WITHSCORES");
                        case "stream" -> Request.cmd(Command.XRANGE).arg(key).arg("-").arg("+");
                        default -> null;
                    };
                    if (kind.equals("hash")) {
                        return hash(side, db, key);
                    }
                    if (kind.equals("stream")) {
                        return side.send(db, read, "XRANGE")
                                .chain(entries -> groups(side, db, key)
                                        .map(groups -> "stream:" + canonical(entries, kind) + " groups:" + groups));
                    }
                    if (read == null) {
                        return Uni.createFrom().item(kind);
                    }
                    return side.send(db, read, kind.toUpperCase() + " read")
                            .map(value -> kind + ":" + canonical(value, kind));
                });
    }

    /**
     * A stream's consumer groups as the applications see them: name, last-delivered id and number of
     * pending entries (not delivery times, which each side keeps by its own clock).
     */
    private static Uni<String> groups(SideAccess side, int db, byte[] key) {
        return side.send(db, Request.cmd(Command.XINFO).arg("GROUPS").arg(key), "XINFO GROUPS")
                .map(groups -> {
                    List<String> parts = new ArrayList<>();
                    if (groups != null) {
                        for (Response group : groups) {
                            parts.add(field(group, "name") + "@" + field(group, "last-delivered-id") + "/" + field(group, "pending"));
                        }
                    }
                    Collections.sort(parts);
                    return "[" + String.join(",", parts) + "]";
                });
    }

    /** A field of a RESP3 map or of a RESP2 flat name/value array, as text ("" when the side does not report it). */
    private static String field(Response reply, String name) {
        if (reply.getKeys() != null && !reply.getKeys().isEmpty()) {
            Response value = reply.get(name);
            return value == null ? "" : value.toString();
        }
        for (int i = 0; i + 1 < reply.size(); i += 2) {
            if (name.equals(reply.get(i).toString())) {
                Response value = reply.get(i + 1);
                return value == null ? "" : value.toString();
            }
        }
        return "";
    }

    /** Fields then their values: flat arrays in RESP2 and RESP3 alike (HGETALL is a map in RESP3). */
    private static Uni<String> hash(SideAccess side, int db, byte[] key) {
        return side.send(db, Request.cmd(Command.HKEYS).arg(key), "HKEYS")
                .chain(fields -> {
                    if (fields == null || fields.size() == 0) {
                        return Uni.createFrom().item("hash:[]");
                    }
                    Request values = Request.cmd(Command.HMGET).arg(key);
                    for (Response field : fields) {
                        values.arg(field.toBytes());
                    }
                    return side.send(db, values, "HMGET")
                            .map(replies -> {
                                List<String> parts = new ArrayList<>();
                                for (int i = 0; i < fields.size(); i++) {
                                    parts.add(encode(fields.get(i).toBytes()) + "=" + canonical(replies.get(i), "value"));
                                }
                                Collections.sort(parts);
                                return "hash:[" + String.join(",", parts) + "]";
                            });
                });
    }

    /** Sorted for hashes, sets and sorted sets; flat field/value replies (RESP2) are paired first. */
    private static String canonical(Response value, String kind) {
        if (value == null) {
            return "nil";
        }
        if (value.type() == io.vertx.redis.client.ResponseType.BULK) {
            return encode(value.toBytes());
        }
        if (value.type() != io.vertx.redis.client.ResponseType.MULTI) {
            return value.toString();
        }
        List<String> parts = new ArrayList<>();
        {
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
