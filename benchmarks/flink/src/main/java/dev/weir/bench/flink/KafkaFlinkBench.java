package dev.weir.bench.flink;

import static dev.weir.bench.flink.BenchMain.positive;

import com.sun.management.OperatingSystemMXBean;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.serialization.SimpleStringSchema;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.sink.TransactionNamingStrategy;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The Flink side of benchmarks/kafka_bench.cc: Kafka -> map -> Kafka at parallelism 1 on a Flink MiniCluster
 * with Flink's Kafka connector, measured the way kafka_bench measures Weir, and printed in its line format.
 *
 * <p>Throughput: fills an input topic (P partitions, N JSON records {@code {"id":i,"price":i%1000}}, record i
 * into partition i % P, Kafka's Java producer with linger.ms=5 and idempotence), runs a warm-up job (JIT, class
 * loading) over the first quarter of it, then, timed: the bounded source (stop at the latest offsets) into a
 * discarding sink, and source -> map (v + "!") -> KafkaSink under NONE, AT_LEAST_ONCE and EXACTLY_ONCE with
 * 1 s checkpoints to a directory. records/s/core is records per CPU-second of this JVM
 * ({@code OperatingSystemMXBean.getProcessCpuTime()}: task threads, the Kafka clients' threads, GC, JIT and the
 * MiniCluster's own), read before the job is built and after its result came back.
 *
 * <p>Latency: a running job (identity map, 1 s checkpoints) between two 2-partition topics; after one warm-up
 * record made it through, a producer (linger.ms=1) writes records stamped with the wall clock in microseconds
 * at a fixed rate, and a read_committed consumer of the output computes now - stamp per record (p50, p99, max).
 * The same without a job ("client": the consumer reads the input topic) gives the clients' and broker's share.
 */
public final class KafkaFlinkBench {
  private static final String USAGE =
      "usage: KafkaFlinkBench --bootstrap-servers HOST:PORT [--records N] [--partitions P] [--rate R]\n"
          + "       [--seconds S] [--warmup-records N] [--checkpoint-interval-ms MS] [--skip-latency true]\n"
          + "       [--transaction-naming incrementing|pooling]";

  public static void main(String[] args) {
    BenchMain.runAndExit(() -> run(args));
  }

  private static final OperatingSystemMXBean OS =
      (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

  private static int run(String[] args) throws Exception {
    Options o;
    try {
      o = Options.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("error: " + e.getMessage());
      System.err.println(USAGE);
      return 2;
    }
    String runId = ProcessHandle.current().pid() + "-flink";
    String in = "bench-in-" + runId;
    List<String> topics = List.of(in, "bench-warm-" + runId, "bench-none-" + runId, "bench-alo-" + runId,
        "bench-eos-" + runId);
    Path checkpoints = Files.createTempDirectory("flink-kafka-bench-checkpoints");
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, o.servers))) {
      List<NewTopic> create = new ArrayList<>();
      for (String t : topics) create.add(new NewTopic(t, o.partitions, (short) 1));
      admin.createTopics(create).all().get();

      long produceCpu = cpuNanos();
      long produceStart = System.nanoTime();
      AtomicReference<Exception> failed = new AtomicReference<>();
      try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerProperties(o.servers, 5, true))) {
        for (long i = 0; i < o.records; ++i) {
          producer.send(new ProducerRecord<>(in, (int) (i % o.partitions), null,
              "{\"id\":" + i + ",\"price\":" + (i % 1000) + "}"), (metadata, e) -> {
                if (e != null) failed.compareAndSet(null, e);
              });
        }
        producer.flush();
      }
      if (failed.get() != null) throw new IllegalStateException("filling " + in + " failed", failed.get());
      expectRecords(admin, in, o.partitions, o.records, true);
      report("produce (KafkaProducer)", o.records,
          (System.nanoTime() - produceStart) / 1e9, (cpuNanos() - produceCpu) / 1e9, -1);

      try (MiniCluster mini = startMiniCluster()) {
        System.out.printf(Locale.ROOT, "# flink 2.3.0 minicluster, flink-connector-kafka 5.0.0-2.2: parallelism=1 "
                + "checkpoint_interval_ms=%d records=%d partitions=%d warmup_records=%d transaction_naming=%s%n",
            o.checkpointIntervalMs, o.records, o.partitions, o.warmupRecords, o.naming);
        if (o.warmupRecords > 0) {
          Map<TopicPartition, Long> stop = new HashMap<>();
          for (int p = 0; p < o.partitions; ++p) {
            stop.put(new TopicPartition(in, p), (o.warmupRecords + o.partitions - 1) / o.partitions);
          }
          mini.executeJobBlocking(pipeline(o, in, OffsetsInitializer.offsets(stop), "bench-warm-" + runId,
              DeliveryGuarantee.AT_LEAST_ONCE, checkpoints.resolve("warm")));
        }
        timed(mini, "source -> discard", o.records, () -> pipeline(o, in, OffsetsInitializer.latest(), null,
            DeliveryGuarantee.NONE, null));
        for (String name : List.of("none", "alo", "eos")) {
          String out = "bench-" + name + "-" + runId;
          timed(mini, "source -> map -> sink, " + name, o.records, () -> pipeline(o, in, OffsetsInitializer.latest(),
              out, guarantee(name), checkpoints.resolve(name)));
          // Exactly once: each committed transaction also leaves a commit marker in every partition it wrote.
          expectRecords(admin, out, o.partitions, o.records, !name.equals("eos"));
        }
        if (!o.skipLatency) {
          for (String name : List.of("client", "alo", "eos")) latency(mini, admin, o, runId, name, checkpoints);
        }
      }
      admin.deleteTopics(topics).all().get();
    } finally {
      deleteTree(checkpoints);
    }
    return 0;
  }

  /** Fails unless `topic`'s end offsets add up to `records` (or at least to it, when not `exact`). */
  private static void expectRecords(Admin admin, String topic, int partitions, long records, boolean exact)
      throws Exception {
    Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
    for (int p = 0; p < partitions; ++p) latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
    long total = 0;
    for (var info : admin.listOffsets(latest).all().get().values()) total += info.offset();
    if (exact ? total != records : total < records) {
      throw new IllegalStateException(topic + " holds " + total + " offsets, expected " + (exact ? "" : "at least ")
          + records + " records");
    }
  }

  private static DeliveryGuarantee guarantee(String name) {
    return switch (name) {
      case "none" -> DeliveryGuarantee.NONE;
      case "alo" -> DeliveryGuarantee.AT_LEAST_ONCE;
      default -> DeliveryGuarantee.EXACTLY_ONCE;
    };
  }

  private static MiniCluster startMiniCluster() throws Exception {
    Configuration cluster = new Configuration();
    // REST on a free loopback port, not 8081: other clusters (or another run) may hold that.
    cluster.set(RestOptions.BIND_ADDRESS, "127.0.0.1");
    cluster.set(RestOptions.ADDRESS, "127.0.0.1");
    cluster.set(RestOptions.BIND_PORT, "0");
    cluster.setString("heartbeat.timeout", "10 min");
    MiniCluster mini = new MiniCluster(new MiniClusterConfiguration.Builder()
        .setConfiguration(cluster)
        .setNumTaskManagers(1)
        .setNumSlotsPerTaskManager(1)
        .build());
    mini.start();
    return mini;
  }

  interface JobBuilder {
    JobGraph build() throws Exception;
  }

  /** Runs one job to its end and prints its line: the clock and the CPU time span building, running, finishing. */
  private static void timed(MiniCluster mini, String what, long records, JobBuilder job) throws Exception {
    long cpu0 = cpuNanos();
    long t0 = System.nanoTime();
    JobGraph graph = job.build();
    mini.executeJobBlocking(graph);
    double wall = (System.nanoTime() - t0) / 1e9;
    double cpu = (cpuNanos() - cpu0) / 1e9;
    long completed = mini.getArchivedExecutionGraph(graph.getJobID()).get()
        .getCheckpointStatsSnapshot().getCounts().getNumberOfCompletedCheckpoints();
    report(what, records, wall, cpu, completed);
  }

  /**
   * Kafka (from the earliest offsets to `stop`) -> map(v + "!") -> KafkaSink into `out` with `guarantee`, or
   * the source alone into a discarding sink when `out` is null. Checkpoints every interval into `checkpointDir`
   * when it is given.
   */
  private static JobGraph pipeline(Options o, String in, OffsetsInitializer stop, String out,
                                   DeliveryGuarantee guarantee, Path checkpointDir) {
    StreamExecutionEnvironment env = environment(o, checkpointDir);
    KafkaSource<String> source = KafkaSource.<String>builder()
        .setBootstrapServers(o.servers)
        .setTopics(in)
        .setStartingOffsets(OffsetsInitializer.earliest())
        .setBounded(stop)
        .setValueOnlyDeserializer(new SimpleStringSchema())
        .build();
    DataStream<String> records = env.fromSource(source, WatermarkStrategy.noWatermarks(), "Kafka");
    if (out == null) {
      records.sinkTo(new DiscardingSink<>());
    } else {
      records.map(v -> v + "!").returns(Types.STRING).sinkTo(sink(o, out, guarantee, true));
    }
    return env.getStreamGraph().getJobGraph();
  }

  private static StreamExecutionEnvironment environment(Options o, Path checkpointDir) {
    Configuration conf = new Configuration();
    conf.setString("parallelism.default", "1");
    if (checkpointDir != null) {
      conf.setString("execution.checkpointing.interval", o.checkpointIntervalMs + " ms");
      conf.setString("execution.checkpointing.dir", checkpointDir.toUri().toString());
    }
    return new StreamExecutionEnvironment(conf);
  }

  private static KafkaSink<String> sink(Options o, String out, DeliveryGuarantee guarantee, boolean linger5) {
    var builder = KafkaSink.<String>builder()
        .setBootstrapServers(o.servers)
        .setRecordSerializer(KafkaRecordSerializationSchema.builder()
            .setTopic(out)
            .setValueSerializationSchema(new SimpleStringSchema())
            .build())
        .setDeliveryGuarantee(guarantee)
        .setTransactionalIdPrefix(out)
        .setTransactionNamingStrategy(o.naming)
        // The connector's default transaction timeout (1 h) is above the broker's default maximum (15 min),
        // which fails the producer's initTransactions.
        .setProperty(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, "900000");
    if (linger5) builder.setProperty(ProducerConfig.LINGER_MS_CONFIG, "5");
    return builder.build();
  }

  /**
   * Produce -> running job -> read_committed consume latency at o.rate records/s for o.seconds. "client" runs no
   * job: the consumer reads the input topic (the clients' and the broker's share of the latency).
   */
  private static void latency(MiniCluster mini, Admin admin, Options o, String runId, String name, Path checkpoints)
      throws Exception {
    boolean throughJob = !name.equals("client");
    String in = "lat-in-" + name + "-" + runId;
    String out = throughJob ? "lat-out-" + name + "-" + runId : in;
    List<NewTopic> topics = new ArrayList<>(List.of(new NewTopic(in, 2, (short) 1)));
    if (throughJob) topics.add(new NewTopic(out, 2, (short) 1));
    admin.createTopics(topics).all().get();
    JobID job = null;
    if (throughJob) {
      StreamExecutionEnvironment env = environment(o, checkpoints.resolve("lat-" + name));
      KafkaSource<String> source = KafkaSource.<String>builder()
          .setBootstrapServers(o.servers)
          .setTopics(in)
          .setStartingOffsets(OffsetsInitializer.earliest())
          .setValueOnlyDeserializer(new SimpleStringSchema())
          .build();
      // The sink keeps the producer's defaults here, as kafka_bench's latency job does.
      env.fromSource(source, WatermarkStrategy.noWatermarks(), "Kafka")
          .map(v -> v).returns(Types.STRING)
          .sinkTo(sink(o, out, guarantee(name), false));
      job = mini.submitJob(env.getStreamGraph().getJobGraph()).get().getJobID();
    }

    final long total = (long) (o.rate * o.seconds);
    long[] latencies = new long[(int) total];
    int[] received = {0};
    AtomicBoolean warm = new AtomicBoolean(false);
    AtomicReference<Exception> failed = new AtomicReference<>();
    Thread consumer = new Thread(() -> {
      Properties p = new Properties();
      p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, o.servers);
      p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
      p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
      p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
      p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
      try (KafkaConsumer<String, String> c = new KafkaConsumer<>(p)) {
        List<TopicPartition> parts = List.of(new TopicPartition(out, 0), new TopicPartition(out, 1));
        c.assign(parts);
        c.seekToBeginning(parts);
        long deadline = System.nanoTime() + (o.seconds + 60) * 1_000_000_000L;
        while (received[0] < total && System.nanoTime() < deadline) {
          for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(100))) {
            if (r.value().equals("warm-up")) {
              warm.set(true);
              continue;
            }
            if (received[0] < total) latencies[received[0]++] = nowMicros() - Long.parseLong(r.value());
          }
        }
      }
    });
    consumer.start();
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerProperties(o.servers, 1, false))) {
      producer.send(new ProducerRecord<>(in, 0, null, "warm-up"));
      producer.flush();
      long warmDeadline = System.nanoTime() + 60_000_000_000L;
      while (!warm.get() && System.nanoTime() < warmDeadline) Thread.sleep(10);  // a benchmark's start-up: poll
      long start = System.nanoTime();
      for (long i = 0; i < total; ++i) {
        long due = start + (long) (i * 1e9 / o.rate);
        for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) LockSupport.parkNanos(wait);
        producer.send(new ProducerRecord<>(in, (int) (i % 2), null, Long.toString(nowMicros())), (metadata, e) -> {
          if (e != null) failed.compareAndSet(null, e);
        });
      }
      producer.flush();
    }
    consumer.join();
    if (failed.get() != null) throw new IllegalStateException("producing into " + in + " failed", failed.get());
    if (job != null) {
      mini.cancelJob(job).get();
      mini.requestJobResult(job).get();
    }
    admin.deleteTopics(throughJob ? List.of(in, out) : List.of(in)).all().get();

    long[] sorted = Arrays.copyOf(latencies, received[0]);
    Arrays.sort(sorted);
    System.out.printf(Locale.ROOT,
        "latency %-4s %6.0f records/s for %d s: %d of %d received, p50 %.1f ms, p99 %.1f ms, max %.1f ms%n",
        name, o.rate, o.seconds, sorted.length, total, pct(sorted, 0.5), pct(sorted, 0.99), pct(sorted, 1.0));
    System.out.flush();
  }

  /** kafka_bench's percentile: the element at floor(q * n), capped at the last, in milliseconds. */
  private static double pct(long[] sorted, double q) {
    if (sorted.length == 0) return 0;
    return sorted[Math.min(sorted.length - 1, (int) (q * sorted.length))] / 1000.0;
  }

  private static Properties producerProperties(String servers, int lingerMs, boolean idempotent) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, servers);
    p.put(ProducerConfig.LINGER_MS_CONFIG, String.valueOf(lingerMs));
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, String.valueOf(idempotent));
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    return p;
  }

  private static long nowMicros() {
    return ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());
  }

  private static long cpuNanos() {
    return OS.getProcessCpuTime();
  }

  /** kafka_bench's line, and the completed checkpoints of the job when known (>= 0). */
  private static void report(String what, long records, double wall, double cpu, long checkpoints) {
    System.out.printf(Locale.ROOT, "%-34s %10d records %7.2f s %12.0f records/s %5.2f cores %12.0f records/s/core%s%n",
        what, records, wall, records / wall, cpu / wall, records / cpu,
        checkpoints >= 0 ? " checkpoints=" + checkpoints : "");
    System.out.flush();
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // best effort: a temporary directory
    }
  }

  static final class Options {
    String servers;
    long records = 2_000_000;
    int partitions = 4;
    double rate = 20000;
    int seconds = 10;
    long warmupRecords = -1;
    long checkpointIntervalMs = 1000;
    boolean skipLatency = false;
    TransactionNamingStrategy naming = TransactionNamingStrategy.DEFAULT;

    static Options parse(String[] args) {
      Options o = new Options();
      for (int i = 0; i < args.length; ++i) {
        String a = args[i];
        if (i + 1 >= args.length) throw new IllegalArgumentException(a + " needs a value");
        String v = args[++i];
        switch (a) {
          case "--bootstrap-servers" -> o.servers = v;
          case "--records" -> o.records = positive(a, v);
          case "--partitions" -> o.partitions = (int) positive(a, v);
          case "--rate" -> o.rate = positive(a, v);
          case "--seconds" -> o.seconds = (int) positive(a, v);
          case "--warmup-records" -> o.warmupRecords = Long.parseLong(v);
          case "--checkpoint-interval-ms" -> o.checkpointIntervalMs = positive(a, v);
          case "--skip-latency" -> o.skipLatency = Boolean.parseBoolean(v);
          case "--transaction-naming" -> {
            try {
              o.naming = TransactionNamingStrategy.valueOf(v.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
              throw new IllegalArgumentException("--transaction-naming must be incrementing or pooling, got " + v);
            }
          }
          default -> throw new IllegalArgumentException("unknown option " + a);
        }
      }
      if (o.servers == null) throw new IllegalArgumentException("--bootstrap-servers is required");
      if (o.rate * o.seconds > Integer.MAX_VALUE) throw new IllegalArgumentException("--rate times --seconds is too large");
      if (o.warmupRecords < 0) o.warmupRecords = o.records / 4;
      return o;
    }
  }
}
