package io.df2redis.importer.rdb;

import com.moilioncircle.redis.replicator.Replicator;
import com.moilioncircle.redis.replicator.event.Event;
import com.moilioncircle.redis.replicator.io.RedisInputStream;
import com.moilioncircle.redis.replicator.rdb.BaseRdbParser;
import com.moilioncircle.redis.replicator.rdb.datatype.ContextKeyValuePair;
import com.moilioncircle.redis.replicator.rdb.datatype.KeyValuePair;
import com.moilioncircle.redis.replicator.rdb.dump.DumpRdbVisitor;
import com.moilioncircle.redis.replicator.rdb.dump.datatype.DumpKeyValuePair;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The dump visitor, taught to recognise the records Dragonfly writes that no Redis can load: key types
 * 30-37 (JSON, hash with field expiry, set with member expiry, Bloom, CMS, TopK, Cuckoo) and opcode 220
 * (a mask of Dragonfly-only key attributes: memcached flags, sticky), which redis-replicator's parser
 * does not know and stops at.
 *
 * <p>Each such key is read far enough to know its name and handed on as a {@link DumpKeyValuePair} with
 * no value ({@link #unsupported}); a key behind opcode 220 keeps its (loadable) value but is reported
 * ({@link #takeFlagged}). A JSON value is one RDB string and is stepped over; the other types have
 * layouts of Dragonfly's own, which this reader cannot step over: it stops with an
 * {@link UnreadableRecord} naming the key.
 *
 * <p>How: the parser reads a record's type through {@link #applyType}; a top-level Dragonfly type is
 * answered there as the expiry opcode (the only hook that hands the stream back to the visitor) and
 * read in {@link #applyExpireTimeMs}; after a real expiry opcode the type reaches {@link #rdbLoadObject}.
 */
final class DragonflyRecords extends DumpRdbVisitor {

    static final int FIRST_TYPE = 30;
    static final int LAST_TYPE = 37;
    static final int JSON = 30;
    static final int DF_MASK = 220;
    /** Bit of the opcode-220 mask saying that memcached flags (4 more bytes) follow. */
    static final int MASK_MC_FLAGS = 1 << 1;
    private static final int EXPIRETIME_MS = 252;

    private boolean nested;
    private int pendingType = -1;
    private boolean flagged;

    /** A Dragonfly record this reader cannot step over. */
    static final class UnreadableRecord extends IOException {
        final byte[] key;
        final int type;

        UnreadableRecord(byte[] key, int type) {
            super("key '" + new String(key, StandardCharsets.UTF_8) + "' is a Dragonfly " + typeName(type)
                    + " (RDB type " + type + ")");
            this.key = key;
            this.type = type;
        }
    }

    DragonflyRecords(Replicator replicator, int version) {
        super(replicator, version);
    }

    static boolean dragonflyType(int type) {
        return type >= FIRST_TYPE && type <= LAST_TYPE;
    }

    /** True for a key this visitor handed on without a value: a Dragonfly type. */
    static boolean unsupported(DumpKeyValuePair pair) {
        return dragonflyType(pair.getValueRdbType());
    }

    /** True once after a key that came behind opcode 220 (Dragonfly-only attributes) was read. */
    boolean takeFlagged() {
        boolean was = flagged;
        flagged = false;
        return was;
    }

    static String typeName(int type) {
        return switch (type) {
            case 30 -> "JSON";
            case 31 -> "hash with field expiry";
            case 32 -> "set with member expiry";
            case 33, 34 -> "Bloom filter";
            case 35 -> "count-min sketch";
            case 36 -> "TopK";
            case 37 -> "Cuckoo filter";
            default -> "type " + type;
        };
    }

    @Override
    public int applyType(RedisInputStream in) throws IOException {
        int type = super.applyType(in);
        if (type == DF_MASK) {
            long mask = readUint32(in);
            if ((mask & MASK_MC_FLAGS) != 0) {
                readUint32(in);
            }
            flagged = true;
            return applyType(in);
        }
        if (!nested && dragonflyType(type)) {
            pendingType = type;
            return EXPIRETIME_MS;
        }
        return type;
    }

    @Override
    public Event applyExpireTimeMs(RedisInputStream in, int version, ContextKeyValuePair context) throws IOException {
        if (pendingType >= 0) {
            int type = pendingType;
            pendingType = -1;
            context.setValueRdbType(type);
            return rdbLoadObject(in, version, context);
        }
        return nestedIn(() -> super.applyExpireTimeMs(in, version, context));
    }

    @Override
    public Event applyExpireTime(RedisInputStream in, int version, ContextKeyValuePair context) throws IOException {
        return nestedIn(() -> super.applyExpireTime(in, version, context));
    }

    @Override
    public Event applyFreq(RedisInputStream in, int version, ContextKeyValuePair context) throws IOException {
        return nestedIn(() -> super.applyFreq(in, version, context));
    }

    @Override
    public Event applyIdle(RedisInputStream in, int version, ContextKeyValuePair context) throws IOException {
        return nestedIn(() -> super.applyIdle(in, version, context));
    }

    @Override
    protected KeyValuePair<?, ?> rdbLoadObject(RedisInputStream in, int version, ContextKeyValuePair context) throws IOException {
        int valueType = context.getValueRdbType();
        if (!dragonflyType(valueType)) {
            return super.rdbLoadObject(in, version, context);
        }
        BaseRdbParser parser = new BaseRdbParser(in);
        byte[] key = parser.rdbLoadEncodedStringObject().first();
        if (valueType != JSON) {
            throw new UnreadableRecord(key, valueType);
        }
        parser.rdbLoadEncodedStringObject();
        DumpKeyValuePair pair = new DumpKeyValuePair();
        pair.setValueRdbType(valueType);
        pair.setKey(key);
        return context.valueOf(pair);
    }

    private interface Read {
        Event read() throws IOException;
    }

    private Event nestedIn(Read read) throws IOException {
        nested = true;
        try {
            return read.read();
        } finally {
            nested = false;
        }
    }

    private static long readUint32(RedisInputStream in) throws IOException {
        long value = 0;
        for (int i = 0; i < 4; i++) {
            value |= (long) in.read() << (8 * i);
        }
        return value;
    }
}
