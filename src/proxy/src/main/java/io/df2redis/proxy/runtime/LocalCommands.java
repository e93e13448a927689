package io.df2redis.proxy.runtime;

import com.netease.nim.camellia.redis.proxy.command.Command;
import com.netease.nim.camellia.redis.proxy.reply.BulkReply;
import com.netease.nim.camellia.redis.proxy.reply.ErrorReply;
import com.netease.nim.camellia.redis.proxy.reply.IntegerReply;
import com.netease.nim.camellia.redis.proxy.reply.MultiBulkReply;
import com.netease.nim.camellia.redis.proxy.reply.Reply;
import com.netease.nim.camellia.redis.proxy.reply.StatusReply;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The commands the proxy answers itself, as Redis 7.2 answers them: the connection handshake
 * ({@code AUTH}, {@code HELLO}, {@code CLIENT SETNAME/SETINFO/ID/INFO/...}, {@code SELECT 0},
 * {@code PING}, {@code ECHO}, {@code QUIT}, {@code RESET}) and {@code WAIT}/{@code ROLE}.
 * {@code HELLO 3} switches the connection to RESP3 ({@link Resp3} re-encodes the replies).
 */
final class LocalCommands {

    /** The Redis version the proxy reports in HELLO: the command set it proxies is Redis 7.2's. */
    static final String REPORTED_VERSION = "7.2.0";

    private final ProxyCredentials credentials;
    private final RouteUpdater route;

    private final int databases;

    LocalCommands(ProxyCredentials credentials, RouteUpdater route, int databases) {
        this.credentials = credentials;
        this.route = route;
        this.databases = databases;
    }

    boolean passwordRequired() {
        return credentials.required();
    }

    /** True for the commands answered here (by lower-case name). */
    static boolean handles(String name) {
        switch (name) {
            case "ping": case "echo": case "auth": case "hello": case "select": case "client": case "quit": case "reset":
            case "wait": case "role":
                return true;
            default:
                return false;
        }
    }

    /** Commands a connection may send before it authenticated. */
    static boolean allowedBeforeAuth(String name) {
        return name.equals("auth") || name.equals("hello") || name.equals("quit") || name.equals("reset");
    }

    Reply answer(String name, Command command, ClientSession session, SocketAddress remote, SocketAddress local) {
        byte[][] args = command.getObjects();
        switch (name) {
            case "ping":
                return args.length == 1 ? StatusReply.PONG
                        : args.length == 2 ? new BulkReply(args[1]) : wrongArgs(name);
            case "echo":
                return args.length == 2 ? new BulkReply(args[1]) : wrongArgs(name);
            case "auth":
                return auth(args, session);
            case "hello":
                return hello(args, session);
            case "select":
                return select(args, session);
            case "client":
                return client(args, session, remote, local);
            case "quit":
                session.quitting = true;
                return ClosingReply.OK;
            case "reset":
                reset(session);
                return new StatusReply("RESET");
            case "wait":
                // The proxy's backends are masters without replicas it could wait for.
                return args.length == 3 ? IntegerReply.REPLY_0 : wrongArgs(name);
            case "role":
                return new MultiBulkReply(new Reply[] {bulk("master"), IntegerReply.REPLY_0, MultiBulkReply.EMPTY});
            default:
                return new ErrorReply("ERR df2redis proxy: no local answer for '" + name + "'");
        }
    }

    /** What RESET does to a connection (also after a subscribed connection's RESET, answered by the primary). */
    void reset(ClientSession session) {
        session.name = null;
        session.db = 0;
        session.resp3 = false;
        session.transaction = null;
        session.watches.clear();
        session.authenticated = !credentials.required();
    }

    private Reply auth(byte[][] args, ClientSession session) {
        if (args.length != 2 && args.length != 3) {
            return wrongArgs("auth");
        }
        if (!credentials.anyUser()) {
            return new ErrorReply("ERR AUTH <password> called without any password configured for the default user. "
                    + "Are you sure your configuration is correct?");
        }
        String user = args.length == 3 ? text(args[1]) : "default";
        if (!credentials.accepts(user, args[args.length - 1])) {
            return ErrorReply.WRONG_PASS;
        }
        session.authenticated = true;
        session.user = user;
        return StatusReply.OK;
    }

    private Reply hello(byte[][] args, ClientSession session) {
        boolean resp3 = session.resp3;
        if (args.length >= 2) {
            String version = text(args[1]);
            if (!version.equals("2") && !version.equals("3")) {
                return new ErrorReply("NOPROTO unsupported protocol version");
            }
            resp3 = version.equals("3");
        }
        String name = null;
        boolean nameGiven = false;
        for (int i = 2; i < args.length; i++) {
            String option = text(args[i]).toUpperCase(Locale.ROOT);
            if (option.equals("AUTH") && i + 2 < args.length) {
                Reply auth = auth(new byte[][] {args[i], args[i + 1], args[i + 2]}, session);
                if (auth instanceof ErrorReply) {
                    return auth;
                }
                i += 2;
            } else if (option.equals("SETNAME") && i + 1 < args.length) {
                name = text(args[i + 1]);
                nameGiven = true;
                i++;
            } else {
                return new ErrorReply("ERR Syntax error in HELLO option '" + text(args[i]) + "'");
            }
        }
        if (!session.authenticated) {
            return new ErrorReply("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> "
                    + "AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time");
        }
        if (nameGiven) {
            session.name = name;
        }
        session.resp3 = resp3;
        return new MultiBulkReply(new Reply[] {
            bulk("server"), bulk("redis"),
            bulk("version"), bulk(REPORTED_VERSION),
            bulk("proto"), new IntegerReply(resp3 ? 3L : 2L),
            bulk("id"), new IntegerReply(session.id),
            bulk("mode"), bulk("standalone"),
            bulk("role"), bulk("master"),
            bulk("modules"), MultiBulkReply.EMPTY});
    }

    private Reply select(byte[][] args, ClientSession session) {
        if (args.length != 2) {
            return wrongArgs("select");
        }
        int db;
        try {
            db = Integer.parseInt(text(args[1]));
        } catch (NumberFormatException e) {
            return new ErrorReply("ERR value is not an integer or out of range");
        }
        if (db < 0 || db >= databases) {
            return new ErrorReply("ERR DB index is out of range");
        }
        if (db != 0 && route.clusterBackend()) {
            return new ErrorReply("ERR df2redis proxy: SELECT " + db + " refused: a Redis Cluster has database 0 only");
        }
        session.db = db;
        return StatusReply.OK;
    }

    private Reply client(byte[][] args, ClientSession session, SocketAddress remote, SocketAddress local) {
        if (args.length < 2) {
            return wrongArgs("client");
        }
        String sub = text(args[1]).toLowerCase(Locale.ROOT);
        switch (sub) {
            case "setname":
                if (args.length != 3) {
                    return wrongArgs("client|setname");
                }
                String name = text(args[2]);
                if (name.contains(" ") || name.contains("\n")) {
                    return new ErrorReply("ERR Client names cannot contain spaces, newlines or special characters.");
                }
                session.name = name.isEmpty() ? null : name;
                return StatusReply.OK;
            case "getname":
                return session.name == null ? BulkReply.NIL_REPLY : bulk(session.name);
            case "id":
                return new IntegerReply(session.id);
            case "setinfo":
                if (args.length != 4) {
                    return wrongArgs("client|setinfo");
                }
                String attribute = text(args[2]).toLowerCase(Locale.ROOT);
                if (attribute.equals("lib-name")) {
                    session.libName = text(args[3]);
                } else if (attribute.equals("lib-ver")) {
                    session.libVersion = text(args[3]);
                } else {
                    return new ErrorReply("ERR Unrecognized option '" + text(args[2]) + "'");
                }
                return StatusReply.OK;
            case "info":
                return bulk(infoLine(session, remote, local));
            case "list":
                return bulk(infoLine(session, remote, local));
            case "no-evict":
            case "no-touch":
                return StatusReply.OK;
            case "reply":
                return args.length == 3 && text(args[2]).equalsIgnoreCase("on") ? StatusReply.OK
                        : new ErrorReply("ERR df2redis proxy: CLIENT REPLY OFF/SKIP is not supported; every command gets its reply");
            case "tracking":
                return args.length >= 3 && text(args[2]).equalsIgnoreCase("off") ? StatusReply.OK
                        : new ErrorReply("ERR df2redis proxy: CLIENT TRACKING ON is not supported: the proxy cannot relay "
                        + "invalidation messages from two backends; turn client-side caching off for the migration");
            default:
                return new ErrorReply("ERR df2redis proxy: CLIENT " + sub.toUpperCase(Locale.ROOT) + " is not supported through "
                        + "the migration proxy (it would act on the proxy's backend connections, not on this client)");
        }
    }

    private static String infoLine(ClientSession session, SocketAddress remote, SocketAddress local) {
        long age = (System.currentTimeMillis() - session.connectedAtMillis) / 1000;
        return "id=" + session.id + " addr=" + address(remote) + " laddr=" + address(local) + " fd=0 name="
                + (session.name == null ? "" : session.name) + " age=" + age + " idle=0 flags=N db=" + session.db + " sub=0 psub=0 ssub=0 multi=-1"
                + " qbuf=0 qbuf-free=0 argv-mem=0 multi-mem=0 rbs=0 rbp=0 obl=0 oll=0 omem=0 tot-mem=0 events=r cmd=client|info user="
                + session.user + " redir=-1 resp=" + (session.resp3 ? 3 : 2) + " lib-name=" + (session.libName == null ? "" : session.libName) + " lib-ver="
                + (session.libVersion == null ? "" : session.libVersion) + "\n";
    }

    private static String address(SocketAddress address) {
        String text = String.valueOf(address);
        return text.startsWith("/") ? text.substring(1) : text;
    }

    static ErrorReply wrongArgs(String name) {
        return new ErrorReply("ERR wrong number of arguments for '" + name + "' command");
    }

    private static BulkReply bulk(String text) {
        return new BulkReply(text.getBytes(StandardCharsets.UTF_8));
    }

    static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
