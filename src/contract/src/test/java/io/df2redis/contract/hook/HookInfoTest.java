package io.df2redis.contract.hook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import org.junit.jupiter.api.Test;

/** hook.json through the contract's own Jackson configuration (the plugin's). */
class HookInfoTest {

    @Test
    void roundTripsAndKeepsScriptTextAsIs() throws Exception {
        HookInfo hook = new HookInfo(true, "abc123", "local t = \"x\"\nreturn redis.call('GET', KEYS[1])\t\\", "__m__:%s", "__t0__",
                "/state/wal", "127.0.0.1", 7001, null, "p\"w", true);
        assertEquals(hook, HookInfo.read(hook.toJson()));
    }

    @Test
    void readsTheDocumentAnOlderServiceWrote() throws Exception {
        String older = "{\"enableCas\":false,\"scriptSha\":\"s\",\"script\":\"return 1\",\"metaKeyPattern\":\"m:{key}\","
                + "\"baselineKey\":\"b\",\"journalDir\":\"/w\",\"targetHost\":\"h\",\"targetPort\":6379,\"targetUser\":null,"
                + "\"targetPassword\":null,\"targetCluster\":false,\"addedLater\":1}";
        HookInfo hook = HookInfo.read(older);
        assertFalse(hook.enableCas());
        assertEquals(6379, hook.targetPort());
        assertEquals("m:{key}", hook.metaKeyPattern());
    }

    @Test
    void neverShowsThePasswordInItsText() {
        HookInfo hook = new HookInfo(true, "s", "return 1", "m:%s", "b", "/w", "h", 1, "u", "secret", false);
        assertFalse(hook.toString().contains("secret"));
    }
}
