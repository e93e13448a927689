package io.df2redis.contract.hook;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;

/**
 * {@code hook.json}: what the service's meta-hook stage hands to the proxy plugin's meta CAS hook (file mode 0600:
 * it holds the target's password). The plugin reads it again whenever it changes; without the file the hook is off.
 *
 * @param enableCas whether the plugin updates meta keys at all
 * @param scriptSha the SHA of the CAS script loaded on the target ({@code EVALSHA})
 * @param script the script's text, loaded again when the target answers {@code NOSCRIPT}
 * @param metaKeyPattern the meta-key pattern (see {@code MetaKeys})
 * @param baselineKey the key holding the import's start time T0
 * @param journalDir the journal directory, for information
 * @param targetCluster whether the target is a Redis Cluster (updates go to the master of the meta key's slot)
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record HookInfo(boolean enableCas, String scriptSha, String script, String metaKeyPattern, String baselineKey,
        String journalDir, String targetHost, int targetPort, String targetUser, String targetPassword, boolean targetCluster) {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** The document, as the plugin reads it. */
    public static HookInfo read(String json) throws IOException {
        return MAPPER.readValue(json, HookInfo.class);
    }

    public String toJson() throws IOException {
        return MAPPER.writeValueAsString(this);
    }

    @Override
    public String toString() {
        return "HookInfo[enableCas=" + enableCas + ", scriptSha=" + scriptSha + ", target=" + targetHost + ":" + targetPort
                + ", cluster=" + targetCluster + "]";
    }
}
