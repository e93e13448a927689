package io.df2redis.proxy.runtime;

import com.netease.nim.camellia.redis.proxy.command.AsyncCommandInvoker;
import com.netease.nim.camellia.redis.proxy.conf.CamelliaServerProperties;
import com.netease.nim.camellia.redis.proxy.conf.CamelliaTranspondProperties;
import com.netease.nim.camellia.redis.proxy.conf.MultiWriteMode;
import com.netease.nim.camellia.redis.proxy.netty.CommandDecoder;
import com.netease.nim.camellia.redis.proxy.netty.GlobalRedisProxyEnv;
import com.netease.nim.camellia.redis.proxy.netty.InitHandler;
import com.netease.nim.camellia.redis.proxy.netty.ReplyEncoder;
import com.netease.nim.camellia.redis.proxy.netty.ServerHandler;
import com.netease.nim.camellia.redis.proxy.plugin.ProxyBeanFactory;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Starts Camellia without Spring, bound to the address df2redis chooses (loopback by default) for
 * both the Redis port and the console, with the df2redis plugin and a route the service can switch.
 * Prints one ready line for the parent to wait on and stops cleanly on SIGTERM.
 */
public final class ProxyMain {

    public static final String READY = "DF2REDIS-PROXY READY";

    /**
     * For the throughput benchmark only: Camellia as this class launches it, without the df2redis gate and
     * plugin (no journal, fence, client authentication, RESP3 or local answers). It shows what Camellia
     * alone costs next to the same route with df2redis in front. No client password: Camellia 1.1.1 would
     * drop every command pipelined behind an AUTH, which is how redis-benchmark connects.
     */
    static final String CAMELLIA_ONLY = "df2redis.proxy.camelliaOnly";

    private ProxyMain() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: df2redis-proxy <settings.properties>");
            System.exit(2);
        }
        quietCamellia();
        WritingReads.typeAsWrites();
        // Camellia's per-command spend timers cost about a tenth of the proxy's CPU per command; df2redis
        // reads only its counts (qps, per backend, failures), which stay on.
        com.netease.nim.camellia.redis.proxy.conf.ProxyDynamicConf.reload(java.util.Map.of(
                "command.spend.time.monitor.enable", "false", "upstream.redis.spend.time.monitor.enable", "false"));
        ProxySettings settings = ProxySettings.load(Path.of(args[0]));
        boolean camelliaOnly = Boolean.getBoolean(CAMELLIA_ONLY);

        RouteUpdater route = new RouteUpdater(settings.routeFile);
        DirtyKeyJournal journal = new DirtyKeyJournal(settings);
        ChannelGroup clients = new DefaultChannelGroup("df2redis-clients", GlobalEventExecutor.INSTANCE);
        Fence fence = new Fence(settings.fenceMode, settings.fenceMaxHoldMillis, clients);
        MetaCas metaCas = new MetaCas(settings.hookInfoFile);
        UnappliedWrites unapplied = new UnappliedWrites(settings.readsMaxTrackedKeys, journal.startHead());
        Scripts scripts = new Scripts(settings.scriptsDir, settings.scriptsMaxCount, settings.scriptsMaxBytes);
        JournalPlugin plugin = new JournalPlugin(journal, metaCas, fence, settings.fenceMessage, unapplied, scripts);
        PrimaryLinks links = new PrimaryLinks(route, plugin, fence);
        SourceUsers sourceUsers = settings.aclSource.isEmpty() ? null
                : new SourceUsers(settings.aclSource, settings.authUser, settings.authPassword, settings.aclRefreshMillis);
        LocalCommands local = new LocalCommands(new ProxyCredentials(settings.authUser, settings.authPassword, sourceUsers), route,
                settings.databases);
        ProxyBeanFactory beans = new ProxyBeanFactory() {
            @Override
            @SuppressWarnings("unchecked")
            public <T> T getBean(Class<T> type) {
                if (type == RouteUpdater.class) {
                    return (T) route;
                }
                if (type == JournalPlugin.class) {
                    return (T) plugin;
                }
                try {
                    return type.getDeclaredConstructor().newInstance();
                } catch (ReflectiveOperationException e) {
                    throw new IllegalArgumentException("cannot create " + type.getName(), e);
                }
            }
        };

        EventLoopGroup boss = new NioEventLoopGroup(1, new DefaultThreadFactory("boss-group"));
        EventLoopGroup work = new NioEventLoopGroup(settings.workThreads, new DefaultThreadFactory("work-group"));
        GlobalRedisProxyEnv.bossGroup = boss;
        GlobalRedisProxyEnv.bossThread = 1;
        GlobalRedisProxyEnv.workGroup = work;
        GlobalRedisProxyEnv.workThread = settings.workThreads;

        CamelliaServerProperties server = new CamelliaServerProperties();
        server.setPort(settings.listenPort);
        // No password for Camellia: the CommandGate authenticates clients (Camellia's own check would end batches).
        server.setMonitorEnable(true);
        server.setMonitorIntervalSeconds(5);
        server.setPlugins(camelliaOnly ? List.of() : List.of(JournalPlugin.class.getName()));
        server.setProxyBeanFactory(beans);
        server.setWorkThread(settings.workThreads);

        CamelliaTranspondProperties transpond = new CamelliaTranspondProperties();
        transpond.setType(CamelliaTranspondProperties.Type.CUSTOM);
        CamelliaTranspondProperties.CustomProperties custom = new CamelliaTranspondProperties.CustomProperties();
        custom.setBid(RouteUpdater.BID);
        custom.setBgroup(RouteUpdater.BGROUP);
        custom.setDynamic(false);
        custom.setProxyRouteConfUpdaterClassName(RouteUpdater.class.getName());
        transpond.setCustom(custom);
        CamelliaTranspondProperties.RedisConfProperties redisConf = new CamelliaTranspondProperties.RedisConfProperties();
        redisConf.setMultiWriteMode(MultiWriteMode.valueOf(settings.multiWriteMode));
        transpond.setRedisConf(redisConf);

        AsyncCommandInvoker invoker = new AsyncCommandInvoker(server, transpond);
        InitHandler init = new InitHandler();
        ServerHandler handler = new ServerHandler(invoker);
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(boss, work)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, server.getSoBacklog())
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    public void initChannel(SocketChannel channel) {
                        clients.add(channel);
                        fence.accepted(channel);
                        channel.pipeline()
                                .addLast(new CommandDecoder(server.getCommandDecodeMaxBatchSize(), server.getCommandDecodeBufferInitializerSize()))
                                .addLast(new ReplyEncoder());
                        if (!camelliaOnly) {
                            // Before InitHandler: Camellia writes replies from InitHandler's context, and the
                            // gate must see them on their way out (it closes a connection after QUIT's reply).
                            channel.pipeline().addLast(new CommandGate(local, plugin, route, unapplied, links));
                        }
                        channel.pipeline().addLast(init).addLast(handler);
                    }
                });
        Channel listener = bootstrap.bind(settings.listenHost, settings.listenPort).sync().channel();
        GlobalRedisProxyEnv.port = settings.listenPort;
        MultiWriteModes multiWriteModes = new MultiWriteModes(MultiWriteMode.valueOf(settings.multiWriteMode));
        Console console = new Console(settings, route, fence, plugin, journal, metaCas, multiWriteModes, unapplied);
        GlobalRedisProxyEnv.consolePort = console.port();

        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            listener.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
            console.close();
            metaCas.close();
            journal.close();
            scripts.close();
            boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            work.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            stopped.countDown();
        }, "df2redis-proxy-shutdown"));

        System.out.println(READY + (camelliaOnly ? " camellia-only" : "") + " port=" + settings.listenPort + " console=" + console.port()
                + " pid=" + ProcessHandle.current().pid());
        System.out.flush();
        stopped.await();
    }

    /** Camellia logs route tables (with credentials) at INFO: keep its loggers at WARN. */
    private static void quietCamellia() {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", System.getProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn"));
        System.setProperty("org.slf4j.simpleLogger.logFile", "System.err");
        System.setProperty("org.slf4j.simpleLogger.showDateTime", "true");
    }
}
