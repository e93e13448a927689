package io.df2redis.contract.secrets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class RedisUrlsTest {

    @Test
    void aLoneUrlLosesEverythingUpToItsLastAt() {
        assertEquals("redis://******@10.0.0.1:6379", RedisUrls.maskUrl("redis://user:p@ss/w rd@10.0.0.1:6379"));
        assertEquals("  redis-cluster://******@h:7000 ", RedisUrls.maskUrls("  redis-cluster://:secret@h:7000 "), "a route file holding one URL");
        assertEquals("no url here", RedisUrls.maskUrl("no url here"));
        assertNull(RedisUrls.maskUrl(null));
        assertNull(RedisUrls.maskUrls(null));
    }

    @Test
    void urlsInsideJsonStringsRunToTheClosingQuote() {
        String route = "{\"type\":\"simple\",\"operation\":{\"write\":[\"redis://:a\\\"b@c@src:1\",\"rediss://u:x@tgt:2\"]}}";
        assertEquals("{\"type\":\"simple\",\"operation\":{\"write\":[\"redis://******@src:1\",\"rediss://******@tgt:2\"]}}",
                RedisUrls.maskUrls(route));
    }

    @Test
    void urlsInALogLineEndAtTheNextBlank() {
        assertEquals("connect to redis://******@h:1 failed; retry redis://******@h:2",
                RedisUrls.maskUrls("connect to redis://default:pw@h:1 failed; retry redis://pw2@h:2"));
    }
}
