package io.df2redis.contract.meta;

import java.nio.charset.StandardCharsets;

/**
 * The meta key of a data key: where the proxy's CAS hook stores the time of the key's last write through the
 * proxy, and where an importer looks before it copies the key. The pattern ({@code consistency.metaKeyPattern})
 * holds the key once, as {@code %s} or {@code {key}}; the key's bytes are put in unchanged.
 */
public final class MetaKeys {

    private MetaKeys() {
    }

    public static byte[] metaKey(String pattern, byte[] key) {
        String hole = pattern.contains("%s") ? "%s" : "{key}";
        int at = pattern.indexOf(hole);
        byte[] prefix = pattern.substring(0, at).getBytes(StandardCharsets.UTF_8);
        byte[] suffix = pattern.substring(at + hole.length()).getBytes(StandardCharsets.UTF_8);
        byte[] meta = new byte[prefix.length + key.length + suffix.length];
        System.arraycopy(prefix, 0, meta, 0, prefix.length);
        System.arraycopy(key, 0, meta, prefix.length, key.length);
        System.arraycopy(suffix, 0, meta, prefix.length + key.length, suffix.length);
        return meta;
    }
}
