package dev.weir.bench.flink;

import static dev.weir.bench.flink.BenchMain.positive;

import com.sun.management.OperatingSystemMXBean;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.TableException;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.api.bridge.java.StreamStatementSet;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;

/**
 * Runs nexmark-flink's SQL queries on a Flink MiniCluster and prints one RESULT line per query in the
 * format of {@code weir nexmark}: events per wall second and per CPU-second of this JVM.
 *
 * <p>The SQL comes from a checkout of the Nexmark repository (ddl_gen.sql, ddl_views.sql, qN.sql, with
 * the variables nexmark-flink's QueryRunner substitutes); the events from {@link NexmarkTableFactory}.
 * One MiniCluster (one TaskManager with P slots) serves every job of the invocation. Each query runs
 * a warm-up job first (JIT, class loading), then the timed job; the CPU time of the whole process
 * (every thread: tasks, GC, JIT, the MiniCluster's own) is read before the job is submitted and after
 * its result came back. Planning the SQL is not timed.
 */
public final class NexmarkFlinkBench {
  private static final String USAGE =
      "usage: NexmarkFlinkBench --nexmark DIR --queries q0,q1,... --events N [--warmup-events N]\n"
          + "       [--parallelism P] [--state-backend hashmap|rocksdb] [--checkpoint-interval MS]\n"
          + "       [--seed S] [--rate EVENTS_PER_S] [--managed-memory SIZE] [--side-input FILE]\n"
          + "       [--sink blackhole|print] [--output-dir DIR] [-D key=value ...]\n"
          + "DIR is a checkout of https://github.com/nexmark/nexmark (its queries are read from\n"
          + "DIR/nexmark-flink/src/main/resources/queries). --side-input: q13's key,value CSV file (default:\n"
          + "Nexmark's, keys 0..9999 with their own text as value). --sink print: the queries' blackhole sinks\n"
          + "print their changelog to stdout instead (for checks). --output-dir: q10 writes its files under DIR\n"
          + "and they are kept (default: a temporary directory, emptied after every job).";

  public static void main(String[] args) {
    BenchMain.runAndExit(() -> run(args));
  }

  private static int run(String[] args) throws Exception {
    Options o;
    try {
      o = Options.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("error: " + e.getMessage());
      System.err.println(USAGE);
      return 2;
    }
    Path queries = o.nexmark.resolve("nexmark-flink/src/main/resources/queries");
    if (!Files.isRegularFile(queries.resolve("ddl_gen.sql"))) {
      System.err.println("error: " + queries + "/ddl_gen.sql not found: --nexmark must name a checkout of "
          + "https://github.com/nexmark/nexmark (git clone https://github.com/nexmark/nexmark)");
      return 2;
    }
    for (String q : o.queries) {
      if (!Files.isRegularFile(queries.resolve(q + ".sql"))) {
        System.err.println("error: no query " + q + " in " + queries);
        return 2;
      }
    }

    Path checkpoints = Files.createTempDirectory("flink-nexmark-checkpoints");
    // nexmark-flink's directories: FLINK_HOME/data/side_input.txt is q13's side input, NEXMARK_DIR/data/output
    // where q10 writes its files.
    Path work = Files.createTempDirectory("flink-nexmark-");
    Path flinkHome = work.resolve("flink-home");
    Files.createDirectories(flinkHome.resolve("data"));
    Path sideInput = flinkHome.resolve("data/side_input.txt");
    if (o.sideInput != null) {
      Files.copy(o.sideInput, sideInput);
    } else {
      writeNexmarkSideInput(sideInput);
    }
    Path nexmarkDir = o.outputDir != null ? o.outputDir : work.resolve("nexmark");
    Files.createDirectories(nexmarkDir);
    Dirs dirs = new Dirs(flinkHome, nexmarkDir);
    Configuration cluster = new Configuration();
    cluster.set(TaskManagerOptions.MANAGED_MEMORY_SIZE, MemorySize.parse(o.managedMemory));
    // REST on a free loopback port, not 8081: other clusters (or another run) may hold that.
    cluster.set(RestOptions.BIND_ADDRESS, "127.0.0.1");
    cluster.set(RestOptions.ADDRESS, "127.0.0.1");
    cluster.set(RestOptions.BIND_PORT, "0");
    // One JVM: heartbeats between its JobManager and TaskManager guard against nothing, but a long GC
    // pause on a loaded machine (q9's state at 10M events) made the default 50 s timeout fail the job.
    cluster.setString("heartbeat.timeout", "10 min");
    MiniClusterConfiguration mcc = new MiniClusterConfiguration.Builder()
        .setConfiguration(cluster)
        .setNumTaskManagers(1)
        .setNumSlotsPerTaskManager(o.parallelism)
        .build();
    OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    try (MiniCluster mini = new MiniCluster(mcc)) {
      mini.start();
      System.out.printf(Locale.ROOT, "# flink 2.3.0 minicluster: parallelism=%d state.backend=%s checkpoint_interval_ms=%d "
              + "events=%d warmup_events=%d%n", o.parallelism, o.stateBackend, o.checkpointIntervalMs, o.events,
          o.warmupEvents);
      for (String q : o.queries) {
        JobGraph job;
        try {
          if (o.warmupEvents > 0) {
            mini.executeJobBlocking(plan(o, queries, q, o.warmupEvents, checkpoints, dirs));
            if (o.outputDir == null) deleteContents(nexmarkDir);
          }
          job = plan(o, queries, q, o.events, checkpoints, dirs);
        } catch (TableException | ValidationException e) {
          // A query Flink's planner refuses (q6: an OVER window over the updates of a Rank) is reported, and
          // the other queries of the invocation still run.
          String first = String.valueOf(e.getMessage()).lines().findFirst().orElse("").trim();
          System.out.printf(Locale.ROOT, "CANNOT_PLAN engine=flink query=%s error=%s%n", q, first);
          System.out.flush();
          e.printStackTrace();
          continue;
        }
        long cpu0 = os.getProcessCpuTime();
        long t0 = System.nanoTime();
        mini.executeJobBlocking(job);
        double wall = (System.nanoTime() - t0) / 1e9;
        double cpu = (os.getProcessCpuTime() - cpu0) / 1e9;
        if (o.outputDir == null) deleteContents(nexmarkDir);
        long completedCheckpoints = mini.getArchivedExecutionGraph(job.getJobID()).get()
            .getCheckpointStatsSnapshot().getCounts().getNumberOfCompletedCheckpoints();
        System.out.printf(Locale.ROOT,
            "RESULT engine=flink query=%s events=%d seconds=%.3f events_per_s=%d cores=%.1f events_per_s_per_core=%d "
                + "cpu_seconds=%.3f checkpoints=%d%n",
            q, o.events, wall, (long) (o.events / wall), cpu / wall, (long) (o.events / cpu), cpu,
            completedCheckpoints);
        System.out.flush();
      }
    } finally {
      deleteTree(checkpoints);
      deleteTree(work);
    }
    return 0;
  }

  /** Where q13's side input is (FLINK_HOME/data/side_input.txt) and q10 writes (NEXMARK_DIR/data/output). */
  record Dirs(Path flinkHome, Path nexmarkDir) {}

  /** nexmark-flink's side input (its SideInputGenerator with --num 10000): lines "i,i" for i in 0..9999. */
  static void writeNexmarkSideInput(Path file) throws IOException {
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < 10_000; ++i) text.append(i).append(',').append(i).append('\n');
    Files.writeString(file, text);
  }

  static void deleteTree(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // best effort: a temporary directory
    }
  }

  static void deleteContents(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      for (Path p : (Iterable<Path>) files::iterator) deleteTree(p);
    }
  }

  /** The job of query q over `events` events: nexmark-flink's DDL and query, planned, not run. */
  private static JobGraph plan(Options o, Path queries, String q, long events, Path checkpoints, Dirs dirs)
      throws IOException {
    Configuration conf = new Configuration();
    conf.setString("parallelism.default", String.valueOf(o.parallelism));
    conf.setString("state.backend.type", o.stateBackend);
    conf.setString("execution.checkpointing.incremental", "true");
    conf.setString("execution.checkpointing.dir", checkpoints.toUri().toString());
    conf.setString("execution.checkpointing.mode", "EXACTLY_ONCE");
    conf.setString("state.backend.local-recovery", "true");
    conf.setString("state.backend.rocksdb.localdir", System.getProperty("java.io.tmpdir"));
    if (o.checkpointIntervalMs > 0) {
      conf.setString("execution.checkpointing.interval", o.checkpointIntervalMs + " ms");
    }
    // nexmark-flink's conf/config.yaml: the table settings of the published suite.
    conf.setString("table.exec.mini-batch.enabled", "true");
    conf.setString("table.exec.mini-batch.allow-latency", "2s");
    conf.setString("table.exec.mini-batch.size", "50000");
    conf.setString("table.optimizer.distinct-agg.split.enabled", "true");
    for (Map.Entry<String, String> e : o.extra.entrySet()) conf.setString(e.getKey(), e.getValue());

    StreamExecutionEnvironment env = new StreamExecutionEnvironment(conf);
    StreamTableEnvironment tEnv =
        StreamTableEnvironment.create(env, EnvironmentSettings.newInstance().inStreamingMode().withConfiguration(conf).build());
    Map<String, String> vars = Map.of(
        "TPS", String.valueOf(o.rate),
        "EVENTS_NUM", String.valueOf(events),
        "PERSON_PROPORTION", "1",
        "AUCTION_PROPORTION", "3",
        "BID_PROPORTION", "46",
        "NEXMARK_TABLE", "datagen",
        "NEXMARK_DIR", dirs.nexmarkDir().toAbsolutePath().toString(),
        "FLINK_HOME", dirs.flinkHome().toAbsolutePath().toString(),
        "SUBMIT_TIME", String.valueOf(submitTime()));
    List<String> statements = new ArrayList<>();
    statements.addAll(statements(queries.resolve("ddl_gen.sql"), vars));
    statements.addAll(statements(queries.resolve("ddl_views.sql"), vars));
    statements.addAll(statements(queries.resolve(q + ".sql"), vars));
    StreamStatementSet inserts = tEnv.createStatementSet();
    int n = 0;
    for (String s : statements) {
      s = adapt(s, o.sink);
      if (s.regionMatches(true, 0, "INSERT", 0, 6)) {
        inserts.addInsertSql(s);
        ++n;
      } else {
        tEnv.executeSql(s);
      }
    }
    if (n == 0) throw new IllegalStateException(q + ".sql has no INSERT statement");
    inserts.attachAsDataStream();
    StreamGraph graph = env.getStreamGraph();
    graph.setJobName("nexmark-" + q);
    return graph.getJobGraph();
  }

  private static long lastSubmitTime;

  /** nexmark-flink's SUBMIT_TIME (q10's output directory): the time in ms, different for every job. */
  private static synchronized long submitTime() {
    lastSubmitTime = Math.max(lastSubmitTime + 1, System.currentTimeMillis());
    return lastSubmitTime;
  }

  private static final Pattern BLACKHOLE = Pattern.compile("'connector'\\s*=\\s*'blackhole'");
  /** nexmark-flink's UDF classes -> this harness's equivalents (its jar is not built or linked). */
  private static final Map<String, String> UDFS =
      Map.of("com.github.nexmark.flink.udf.CountChar", CountChar.class.getName());

  /**
   * A statement of nexmark-flink's SQL as it runs here: {@code CREATE FUNCTION}s of nexmark-flink's UDFs
   * name this harness's classes; with {@code --sink print} blackhole sinks print. Everything else runs as
   * written (q13's side-input table too: Flink 2.3 still plans its legacy {@code 'connector.type' =
   * 'filesystem'} descriptor, a CsvTableSource that reads the file when the lookup join opens).
   */
  static String adapt(String s, String sink) {
    for (Map.Entry<String, String> udf : UDFS.entrySet()) s = s.replace("'" + udf.getKey() + "'", "'" + udf.getValue() + "'");
    if (sink.equals("print")) s = BLACKHOLE.matcher(s).replaceAll("'connector' = 'print'");
    return s;
  }

  /** The statements of a nexmark SQL file: comment lines dropped, ${VAR}s replaced, split at ';'. */
  static List<String> statements(Path file, Map<String, String> vars) throws IOException {
    StringBuilder text = new StringBuilder();
    for (String line : Files.readAllLines(file)) {
      if (line.trim().startsWith("--")) continue;
      for (Map.Entry<String, String> v : vars.entrySet()) line = line.replace("${" + v.getKey() + "}", v.getValue());
      text.append(line).append('\n');
    }
    List<String> out = new ArrayList<>();
    for (String s : text.toString().split(";")) {
      if (!s.isBlank()) out.add(s.trim());
    }
    return out;
  }

  static final class Options {
    Path nexmark;
    List<String> queries = new ArrayList<>();
    long events = -1;
    long warmupEvents = -1;
    int parallelism = 1;
    String stateBackend = "hashmap";
    long checkpointIntervalMs = 0;
    long rate = 10_000_000L;
    String managedMemory = "1g";
    Path sideInput;
    String sink = "blackhole";
    Path outputDir;
    Map<String, String> extra = new java.util.LinkedHashMap<>();

    static Options parse(String[] args) {
      Options o = new Options();
      for (int i = 0; i < args.length; ++i) {
        String a = args[i];
        if (i + 1 >= args.length) throw new IllegalArgumentException(a + " needs a value");
        String v = args[++i];
        switch (a) {
          case "--nexmark" -> o.nexmark = Path.of(v);
          case "--queries" -> o.queries = List.of(v.split(","));
          case "--events" -> o.events = positive(a, v);
          case "--warmup-events" -> o.warmupEvents = Long.parseLong(v);
          case "--parallelism" -> o.parallelism = (int) positive(a, v);
          case "--state-backend" -> {
            if (!v.equals("hashmap") && !v.equals("rocksdb")) {
              throw new IllegalArgumentException("--state-backend must be hashmap or rocksdb, got " + v);
            }
            o.stateBackend = v;
          }
          case "--checkpoint-interval" -> o.checkpointIntervalMs = Long.parseLong(v);
          case "--rate" -> o.rate = positive(a, v);
          case "--managed-memory" -> o.managedMemory = v;
          case "--side-input" -> {
            o.sideInput = Path.of(v);
            if (!Files.isRegularFile(o.sideInput)) throw new IllegalArgumentException("--side-input: no file " + v);
          }
          case "--sink" -> {
            if (!v.equals("blackhole") && !v.equals("print")) {
              throw new IllegalArgumentException("--sink must be blackhole or print, got " + v);
            }
            o.sink = v;
          }
          case "--output-dir" -> o.outputDir = Path.of(v).toAbsolutePath();
          case "-D" -> {
            int eq = v.indexOf('=');
            if (eq <= 0) throw new IllegalArgumentException("-D takes key=value, got " + v);
            o.extra.put(v.substring(0, eq), v.substring(eq + 1));
          }
          default -> throw new IllegalArgumentException("unknown option " + a);
        }
      }
      if (o.nexmark == null) throw new IllegalArgumentException("--nexmark is required");
      if (o.queries.isEmpty()) throw new IllegalArgumentException("--queries is required");
      if (o.events <= 0) throw new IllegalArgumentException("--events is required");
      if (o.warmupEvents < 0) o.warmupEvents = Math.max(o.events / 4, 100_000);
      return o;
    }
  }
}
