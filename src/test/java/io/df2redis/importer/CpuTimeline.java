package io.df2redis.importer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * For the benchmark: samples the CPU time of some processes (from /proc/PID/stat) every half second,
 * so that it can print when each was busy and when it waited, not only its total.
 */
final class CpuTimeline implements AutoCloseable {

    static final long INTERVAL_MS = 500;
    private static final double TICKS_PER_SECOND = 100;

    private final Map<String, Long> pids = new LinkedHashMap<>();
    private final Map<String, List<Double>> busy = new LinkedHashMap<>();
    private final Map<String, Double> last = new LinkedHashMap<>();
    private final Thread sampler;
    private volatile boolean running = true;

    CpuTimeline() {
        watch("idle", 0);
        sampler = new Thread(this::sample, "cpu-timeline");
        sampler.setDaemon(true);
        sampler.start();
    }

    synchronized void watch(String name, long pid) {
        pids.put(name, pid);
        busy.put(name, new ArrayList<>());
        last.put(name, cpuSeconds(pid));
    }

    private void sample() {
        while (running) {
            try {
                Thread.sleep(INTERVAL_MS);
            } catch (InterruptedException e) {
                return;
            }
            synchronized (this) {
                pids.forEach((name, pid) -> {
                    double now = cpuSeconds(pid);
                    if (now >= 0) {
                        busy.get(name).add((now - last.get(name)) / (INTERVAL_MS / 1000.0));
                        last.put(name, now);
                    }
                });
            }
        }
    }

    /** One line per process: the share of one core it used in each half second, in percent; idle in the same unit (up to 200 on 2 cores). */
    synchronized String report() {
        return busy.entrySet().stream()
                .map(entry -> String.format("%-9s %s", entry.getKey(), entry.getValue().stream()
                        .map(share -> String.format("%3.0f", 100 * share)).collect(Collectors.joining(" "))))
                .collect(Collectors.joining("\n"));
    }

    @Override
    public void close() {
        running = false;
        sampler.interrupt();
    }

    /** User plus system time of the process, or -1 once it is gone; for pid 0 the machine's idle time (all cores). */
    private static double cpuSeconds(long pid) {
        try {
            if (pid == 0) {
                String[] cpu = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
                return (Long.parseLong(cpu[4]) + Long.parseLong(cpu[5])) / TICKS_PER_SECOND;
            }
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // After the command name: state is field 3 of the file, utime 14 and stime 15.
            return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / TICKS_PER_SECOND;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
