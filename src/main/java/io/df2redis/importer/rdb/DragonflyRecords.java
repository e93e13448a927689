package io.df2redis.importer.rdb;

import com.moilioncircle.redis.replicator.Replicator;
import com.moilioncircle.redis.replicator.event.Event;
import com.moilioncircle.redis.replicator.io.RedisInputStream;
import com.moilioncircle.redis.replicator.rdb.BaseRdbParser;
import com.moilioncircle.redis.replicator.rdb.datatype.ContextKeyValuePair;
import com.moilioncircle.redis.replicator.rdb.datatype.KeyValuePair;
import com.moilioncircle.redis.replicator.rdb.dump.DumpRdbVisitor;
import com.moilioncircle.redis.replicator.rdb.dump.datatype.DumpKeyValuePair;
import com.moilioncircle.redis.replicator.rdb.skip.SkipRdbParser;
import java.io.IOException;

/**
 * The dump visitor, taught to recognise the records Dragonfly writes that no Redis can load: key types
 * 30-37 (JSON, hash with field expiry, set with member expiry, Bloom, CMS, TopK, Cuckoo) and opcode 220
 * (a mask of Dragonfly-only key attributes: memcached flags, sticky), which redis-replicator's parser
 * does not know and stops at.
 *
 * <p>Each such key is read far enough to know its name, its value is stepped over without being held
 * (layouts as Dragonfly's {@code RdbSerializer} writes them and its loader reads them), and it is handed
 * on as a {@link DumpKeyValuePair} with no value ({@link #unsupported}); a key behind opcode 220 keeps
 * its (loadable) value but is reported ({@link #takeFlagged}).
 *
 * <p>How: the parser reads a record's type through {@link #applyType}; a top-level Dragonfly type is
 * answered there as the expiry opcode (the only hook that hands the stream back to the visitor) and
 * read in {@link #applyExpireTimeMs}; after a real expiry opcode the type reaches {@link #rdbLoadObject}.
 */
final class DragonflyRecords extends DumpRdbVisitor {

    static final int FIRST_TYPE = 30;
    static final int LAST_TYPE = 37;
    static final int JSON = 30;
    static final int HASH_WITH_EXPIRY = 31;
    static final int SET_WITH_EXPIRY = 32;
    static final int BLOOM = 33;
    static final int BLOOM_CHUNKED = 34;
    static final int COUNT_MIN_SKETCH = 35;
    static final int TOP_K = 36;
    static final int CUCKOO = 37;
    static final int DF_MASK = 220;
    /** Bit of the opcode-220 mask saying that memcached flags (4 more bytes) follow. */
    static final int MASK_MC_FLAGS = 1 << 1;
    private static final int EXPIRETIME_MS = 252;

    private boolean nested;
    private int pendingType = -1;
    private boolean flagged;

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
            case JSON -> "JSON";
            case HASH_WITH_EXPIRY -> "hash with field expiry";
            case SET_WITH_EXPIRY -> "set with member expiry";
            case BLOOM, BLOOM_CHUNKED -> "Bloom filter";
            case COUNT_MIN_SKETCH -> "count-min sketch";
            case TOP_K -> "TopK";
            case CUCKOO -> "Cuckoo filter";
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
        byte[] key = new BaseRdbParser(in).rdbLoadEncodedStringObject().first();
        stepOverValue(valueType, in);
        DumpKeyValuePair pair = new DumpKeyValuePair();
        pair.setValueRdbType(valueType);
        pair.setKey(key);
        return context.valueOf(pair);
    }

    /** Reads past the value of a Dragonfly type without keeping it: filters can be hundreds of megabytes. */
    private static void stepOverValue(int type, RedisInputStream in) throws IOException {
        SkipRdbParser skip = new SkipRdbParser(in);
        switch (type) {
            case JSON -> skip.rdbLoadEncodedStringObject();
            case HASH_WITH_EXPIRY -> skipStrings(skip, length(skip) * 3);
            case SET_WITH_EXPIRY -> skipStrings(skip, length(skip) * 2);
            case BLOOM, BLOOM_CHUNKED -> {
                length(skip); // options, reserved
                skipBytes(in, 16); // growth factor and false-positive probability, binary doubles
                skipLengths(skip, 3); // previous size, current size, maximum capacity
                long filters = length(skip);
                for (long i = 0; i < filters; i++) {
                    length(skip); // hash functions
                    if (type == BLOOM) {
                        skip.rdbLoadEncodedStringObject();
                    } else {
                        skipChunks(skip, in, length(skip));
                    }
                }
            }
            case COUNT_MIN_SKETCH -> {
                long width = length(skip);
                long depth = length(skip);
                length(skip); // total count
                skipBytes(in, Math.multiplyExact(Math.multiplyExact(width, depth), 8));
            }
            case TOP_K -> {
                skipLengths(skip, 4); // options, k, width, depth
                skipBytes(in, 8); // decay, a binary double
                long heap = length(skip);
                for (long i = 0; i < heap; i++) {
                    skip.rdbLoadEncodedStringObject();
                    length(skip); // its count
                }
                skip.rdbLoadEncodedStringObject(); // the counters
            }
            case CUCKOO -> {
                skipLengths(skip, 6); // slots per bucket, max iterations, expansion, buckets, items, deletes
                long filters = length(skip);
                for (long i = 0; i < filters; i++) {
                    skipChunks(skip, in, length(skip));
                }
            }
            default -> throw new IOException("RDB type " + type + " is not a Dragonfly type");
        }
    }

    private static long length(SkipRdbParser skip) throws IOException {
        return skip.rdbLoadLen().len;
    }

    private static void skipLengths(SkipRdbParser skip, int count) throws IOException {
        for (int i = 0; i < count; i++) {
            length(skip);
        }
    }

    private static void skipStrings(SkipRdbParser skip, long count) throws IOException {
        for (long i = 0; i < count; i++) {
            skip.rdbLoadEncodedStringObject();
        }
    }

    /** A blob written as chunks, each its length then its raw bytes, until {@code total} bytes. */
    private static void skipChunks(SkipRdbParser skip, RedisInputStream in, long total) throws IOException {
        long done = 0;
        while (done < total) {
            long chunk = length(skip);
            if (chunk <= 0 || chunk > total - done) {
                throw new IOException("a chunk of " + chunk + " bytes where " + (total - done) + " remain: the record is corrupt");
            }
            skipBytes(in, chunk);
            done += chunk;
        }
    }

    /** Skips raw bytes; at the end of the file it throws the EOFException the RDB reader stops at. */
    private static void skipBytes(RedisInputStream in, long count) throws IOException {
        in.skip(count, false);
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
