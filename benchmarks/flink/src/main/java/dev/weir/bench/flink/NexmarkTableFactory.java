package dev.weir.bench.flink;

import java.util.Set;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.connector.ChangelogMode;
import org.apache.flink.table.connector.source.DynamicTableSource;
import org.apache.flink.table.connector.source.ScanTableSource;
import org.apache.flink.table.connector.source.SourceProvider;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.factories.DynamicTableSourceFactory;
import org.apache.flink.table.factories.FactoryUtil;
import org.apache.flink.table.runtime.typeutils.InternalTypeInfo;
import org.apache.flink.table.types.DataType;
import org.apache.flink.table.types.logical.RowType;

/**
 * The {@code 'connector' = 'nexmark'} table of nexmark-flink's ddl_gen.sql, made by {@link NexmarkRows}
 * (Weir's generator) in a bounded {@link DataGeneratorSource}: event numbers 0..events.num-1 split
 * into one range per source subtask. Takes ddl_gen.sql's options; the proportions must be Nexmark's
 * 1/3/46 (the only ones Weir's generator makes), and the rates set the event-time rate (events per
 * second of event time), as Weir's --rate does; the source is never throttled.
 */
public final class NexmarkTableFactory implements DynamicTableSourceFactory {
  static final ConfigOption<Long> EVENTS =
      ConfigOptions.key("events.num").longType().noDefaultValue();
  static final ConfigOption<Long> FIRST_RATE =
      ConfigOptions.key("first-event.rate").longType().defaultValue(10_000_000L);
  static final ConfigOption<Long> NEXT_RATE =
      ConfigOptions.key("next-event.rate").longType().defaultValue(10_000_000L);
  static final ConfigOption<Integer> PERSON =
      ConfigOptions.key("person.proportion").intType().defaultValue(1);
  static final ConfigOption<Integer> AUCTION =
      ConfigOptions.key("auction.proportion").intType().defaultValue(3);
  static final ConfigOption<Integer> BID =
      ConfigOptions.key("bid.proportion").intType().defaultValue(46);
  static final ConfigOption<Long> SEED = ConfigOptions.key("seed").longType().defaultValue(0L);
  static final ConfigOption<Long> BASE_TIME =
      ConfigOptions.key("base-time").longType().defaultValue(1_704_067_200_000L);
  static final ConfigOption<Long> OUT_OF_ORDERNESS =
      ConfigOptions.key("out-of-orderness").longType().defaultValue(0L);

  @Override
  public String factoryIdentifier() {
    return "nexmark";
  }

  @Override
  public Set<ConfigOption<?>> requiredOptions() {
    return Set.of(EVENTS);
  }

  @Override
  public Set<ConfigOption<?>> optionalOptions() {
    return Set.of(FIRST_RATE, NEXT_RATE, PERSON, AUCTION, BID, SEED, BASE_TIME, OUT_OF_ORDERNESS);
  }

  @Override
  public DynamicTableSource createDynamicTableSource(Context context) {
    FactoryUtil.TableFactoryHelper helper = FactoryUtil.createTableFactoryHelper(this, context);
    helper.validate();
    ReadableConfig o = helper.getOptions();
    if (o.get(PERSON) != 1 || o.get(AUCTION) != 3 || o.get(BID) != 46) {
      throw new ValidationException("nexmark: only the proportions person 1, auction 3, bid 46 are supported, got "
          + o.get(PERSON) + "/" + o.get(AUCTION) + "/" + o.get(BID));
    }
    if (!o.get(FIRST_RATE).equals(o.get(NEXT_RATE))) {
      throw new ValidationException("nexmark: first-event.rate and next-event.rate must be equal (one event-time rate)");
    }
    if (o.get(EVENTS) <= 0) {
      throw new ValidationException("nexmark: events.num must be positive, got " + o.get(EVENTS));
    }
    return new Source(context.getPhysicalRowDataType(), o.get(EVENTS), o.get(SEED), o.get(FIRST_RATE),
        o.get(BASE_TIME), o.get(OUT_OF_ORDERNESS));
  }

  /** Event number -> row; builds its generator (the letter pool, the urls) when a reader opens. */
  static final class Rows implements GeneratorFunction<Long, RowData> {
    private final long seed;
    private final long rate;
    private final long baseTime;
    private final long outOfOrderness;
    private transient NexmarkRows rows;

    Rows(long seed, long rate, long baseTime, long outOfOrderness) {
      this.seed = seed;
      this.rate = rate;
      this.baseTime = baseTime;
      this.outOfOrderness = outOfOrderness;
    }

    @Override
    public void open(SourceReaderContext context) {
      rows = new NexmarkRows(seed, rate, baseTime, outOfOrderness);
    }

    @Override
    public RowData map(Long n) {
      return rows.row(n);
    }
  }

  static final class Source implements ScanTableSource {
    private final DataType rowType;
    private final long events;
    private final long seed;
    private final long rate;
    private final long baseTime;
    private final long outOfOrderness;

    Source(DataType rowType, long events, long seed, long rate, long baseTime, long outOfOrderness) {
      this.rowType = rowType;
      this.events = events;
      this.seed = seed;
      this.rate = rate;
      this.baseTime = baseTime;
      this.outOfOrderness = outOfOrderness;
    }

    @Override
    public ChangelogMode getChangelogMode() {
      return ChangelogMode.insertOnly();
    }

    @Override
    public ScanRuntimeProvider getScanRuntimeProvider(ScanContext context) {
      InternalTypeInfo<RowData> type = InternalTypeInfo.of((RowType) rowType.getLogicalType());
      return SourceProvider.of(
          new DataGeneratorSource<>(new Rows(seed, rate, baseTime, outOfOrderness), events, type));
    }

    @Override
    public DynamicTableSource copy() {
      return new Source(rowType, events, seed, rate, baseTime, outOfOrderness);
    }

    @Override
    public String asSummaryString() {
      return "Nexmark (Weir's generator)";
    }
  }
}
