package dev.weir.bench.flink;

import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.data.TimestampData;

/**
 * Event number n -> the n-th Nexmark event as a row of nexmark-flink's {@code datagen} table
 * (event_type, person, auction, bid). The same algorithm, draws and constants as Weir's generator
 * (src/weir/connectors/nexmark/generator.cc, shared/NEXMARK.md), so that both engines read the same
 * events for the same seed: event n depends on (seed, n) alone, whichever subtask makes it.
 *
 * <p>Immutable after construction; {@link #row} may run on several threads at once.
 */
final class NexmarkRows {
  private static final long GOLDEN = 0x9e3779b97f4a7c15L;
  private static final long JITTER_SALT = 0x6a09e667f3bcc908L;
  private static final long URL_SALT = 0xbb67ae8584caa73bL;
  private static final long POOL_SALT = 0x3c6ef372fe94f82bL;

  private static final long PROPORTION_DENOMINATOR = 50;
  private static final long PERSON_PROPORTION = 1;
  private static final long AUCTION_PROPORTION = 3;
  private static final long FIRST_PERSON_ID = 1000;
  private static final long FIRST_AUCTION_ID = 1000;
  private static final long FIRST_CATEGORY_ID = 10;
  private static final long NUM_CATEGORIES = 5;
  private static final long HOT_ID_ROUNDING = 100;
  private static final long IN_FLIGHT_AUCTIONS = 100;
  private static final long AUCTION_ID_LEAD = 10;
  private static final long ACTIVE_PEOPLE = 1000;
  private static final long PERSON_ID_LEAD = 10;
  private static final long NUM_CHANNELS = 10000;
  private static final long AVG_PERSON_BYTES = 200;
  private static final long AVG_AUCTION_BYTES = 500;
  private static final long AVG_BID_BYTES = 100;
  private static final int LETTER_POOL_SIZE = 16384;
  private static final long AUCTION_HORIZON_EVENTS =
      IN_FLIGHT_AUCTIONS * PROPORTION_DENOMINATOR / AUCTION_PROPORTION;

  private static final String[] FIRST_NAMES = {
    "Peter", "Paul", "Luke", "John", "Saul", "Vicky", "Kate", "Julie", "Sarah", "Deiter", "Walter"
  };
  private static final String[] LAST_NAMES = {
    "Shultz", "Abrams", "Spencer", "White", "Bartels", "Walton", "Smith", "Jones", "Noris"
  };
  private static final String[] CITIES = {
    "Phoenix", "Los Angeles", "San Francisco", "Boise", "Portland", "Bend", "Redmond", "Seattle",
    "Kent", "Cheyenne"
  };
  private static final String[] STATES = {"AZ", "CA", "ID", "OR", "WA", "WY"};
  private static final String[] HOT_CHANNELS = {"Google", "Facebook", "Baidu", "Apple"};

  private final long seed;
  private final long rate;
  private final long baseTime;
  private final long outOfOrdernessMs;
  private final long urlSalt;
  private final byte[] letters = new byte[LETTER_POOL_SIZE];
  private final StringData[] cities = strings(CITIES);
  private final StringData[] states = strings(STATES);
  // Channel names and urls depend on the channel alone (but for the channel_id suffix): made once.
  private final StringData[] channelNames = new StringData[(int) NUM_CHANNELS + HOT_CHANNELS.length];
  private final StringData[] urlsWithId = new StringData[channelNames.length];
  private final StringData[] urlsWithoutId = new StringData[channelNames.length];

  NexmarkRows(long seed, long rate, long baseTime, long outOfOrdernessMs) {
    if (rate <= 0) {
      throw new IllegalArgumentException("nexmark: rate must be a positive number of events per second, got " + rate);
    }
    if (outOfOrdernessMs < 0) {
      throw new IllegalArgumentException("nexmark: out-of-orderness must not be negative, got " + outOfOrdernessMs);
    }
    this.seed = seed;
    this.rate = rate;
    this.baseTime = baseTime;
    this.outOfOrdernessMs = outOfOrdernessMs;
    this.urlSalt = mix64(seed ^ URL_SALT);
    Random r = new Random(seed ^ POOL_SALT, -1);
    for (int i = 0; i < LETTER_POOL_SIZE; ++i) {
      letters[i] = (byte) ('a' + r.uniform(26));
    }
    for (int ch = 0; ch < channelNames.length; ++ch) {
      channelNames[ch] =
          StringData.fromString(ch < NUM_CHANNELS ? "channel-" + ch : HOT_CHANNELS[ch - (int) NUM_CHANNELS]);
      String base = baseUrl(ch);
      urlsWithoutId[ch] = StringData.fromString(base);
      urlsWithId[ch] =
          StringData.fromString(base + "&channel_id=" + (Integer.reverse(ch) >>> 1));
    }
  }

  static long mix64(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  /** The draws of one event: a counter-based generator seeded from (seed, event number). */
  static final class Random {
    private long state;

    Random(long seed, long eventNumber) {
      state = mix64(mix64(seed) + eventNumber * GOLDEN);
    }

    long nextLong() {
      state += GOLDEN;
      return mix64(state);
    }

    /** Uniform in [0, bound), bound > 0: the high 64 bits of the unsigned 128-bit product. */
    long uniform(long bound) {
      long x = nextLong();
      return Math.multiplyHigh(x, bound) + ((x >> 63) & bound);
    }

    double nextDouble() {
      return (nextLong() >>> 11) * 0x1.0p-53;
    }
  }

  static int kindOf(long n) {
    long offset = n % PROPORTION_DENOMINATOR;
    if (offset < PERSON_PROPORTION) return 0;
    if (offset < PERSON_PROPORTION + AUCTION_PROPORTION) return 1;
    return 2;
  }

  long nominalTime(long n) {
    return baseTime + n * 1000 / rate;
  }

  static long lastBase0PersonId(long n) {
    long epoch = n / PROPORTION_DENOMINATOR;
    long offset = Math.min(n % PROPORTION_DENOMINATOR, PERSON_PROPORTION - 1);
    return epoch * PERSON_PROPORTION + offset;
  }

  static long lastBase0AuctionId(long n) {
    long epoch = n / PROPORTION_DENOMINATOR;
    long offset = n % PROPORTION_DENOMINATOR;
    if (offset < PERSON_PROPORTION) {
      --epoch;
      offset = AUCTION_PROPORTION - 1;
    } else if (offset >= PERSON_PROPORTION + AUCTION_PROPORTION) {
      offset = AUCTION_PROPORTION - 1;
    } else {
      offset -= PERSON_PROPORTION;
    }
    return epoch * AUCTION_PROPORTION + offset;
  }

  private static long nextBase0PersonId(long n, Random r) {
    long numPeople = lastBase0PersonId(n) + 1;
    long active = Math.min(numPeople, ACTIVE_PEOPLE);
    return numPeople - active + r.uniform(active + PERSON_ID_LEAD);
  }

  private static long nextBase0AuctionId(long n, Random r) {
    long maxAuction = lastBase0AuctionId(n);
    long minAuction = Math.max(maxAuction - IN_FLIGHT_AUCTIONS, 0);
    return minAuction + r.uniform(maxAuction - minAuction + 1 + AUCTION_ID_LEAD);
  }

  private static long nextPrice(Random r) {
    return Math.round(Math.pow(10.0, r.nextDouble() * 6.0) * 100.0);
  }

  /** A slice of the letter pool; its length is {@code len}. */
  private StringData randomLetters(Random r, long len) {
    int offset = (int) r.uniform(LETTER_POOL_SIZE - len + 1);
    return StringData.fromBytes(letters, offset, (int) len);
  }

  private void appendRandomLetters(Random r, int len, StringBuilder out) {
    int offset = (int) r.uniform(LETTER_POOL_SIZE - len + 1);
    for (int i = 0; i < len; ++i) out.append((char) letters[offset + i]);
  }

  /** The padding that brings an event of {@code current} bytes to {@code avg} +- 20 %. */
  private StringData padExtra(Random r, long current, long avg) {
    if (current >= avg) return EMPTY;
    long desired = avg - current;
    long delta = Math.round(desired * 0.2);
    long size = desired - delta + (delta == 0 ? 0 : r.uniform(2 * delta));
    return randomLetters(r, Math.min(size, LETTER_POOL_SIZE));
  }

  private static final StringData EMPTY = StringData.fromString("");

  /** The n-th event as a datagen row. */
  RowData row(long n) {
    Random r = new Random(seed, n);
    long ts = nominalTime(n);
    if (outOfOrdernessMs > 0) {
      Random jitter = new Random(seed ^ JITTER_SALT, n);
      ts -= jitter.uniform(outOfOrdernessMs + 1);
    }
    int kind = kindOf(n);
    GenericRowData event = new GenericRowData(4);
    event.setField(0, kind);
    switch (kind) {
      case 0:
        event.setField(1, person(n, r, ts));
        break;
      case 1:
        event.setField(2, auction(n, r, ts));
        break;
      default:
        event.setField(3, bid(n, r, ts));
        break;
    }
    return event;
  }

  private RowData person(long n, Random r, long ts) {
    String name = FIRST_NAMES[(int) r.uniform(FIRST_NAMES.length)] + ' '
        + LAST_NAMES[(int) r.uniform(LAST_NAMES.length)];
    StringBuilder email = new StringBuilder(16);
    appendRandomLetters(r, 7, email);
    email.append('@');
    appendRandomLetters(r, 5, email);
    email.append(".com");
    StringBuilder card = new StringBuilder(19);
    for (int i = 0; i < 4; ++i) {
      if (i > 0) card.append(' ');
      long v = r.uniform(10000);
      card.append((char) ('0' + v / 1000)).append((char) ('0' + v / 100 % 10))
          .append((char) ('0' + v / 10 % 10)).append((char) ('0' + v % 10));
    }
    int city = (int) r.uniform(CITIES.length);
    int state = (int) r.uniform(STATES.length);
    long size = 8 * 2 + name.length() + email.length() + card.length() + CITIES[city].length()
        + STATES[state].length();
    StringData extra = padExtra(r, size, AVG_PERSON_BYTES);
    return GenericRowData.of(
        FIRST_PERSON_ID + lastBase0PersonId(n),
        StringData.fromString(name),
        StringData.fromString(email.toString()),
        StringData.fromString(card.toString()),
        cities[city],
        states[state],
        TimestampData.fromEpochMillis(ts),
        extra);
  }

  private RowData auction(long n, Random r, long ts) {
    long id = FIRST_AUCTION_ID + lastBase0AuctionId(n);
    long seller = r.uniform(4) > 0
        ? lastBase0PersonId(n) / HOT_ID_ROUNDING * HOT_ID_ROUNDING
        : nextBase0PersonId(n, r);
    long category = FIRST_CATEGORY_ID + r.uniform(NUM_CATEGORIES);
    long initialBid = nextPrice(r);
    long reserve = initialBid + nextPrice(r);
    long horizonMs = nominalTime(n + AUCTION_HORIZON_EVENTS) - nominalTime(n);
    long expires = ts + 1 + r.uniform(Math.max(2 * horizonMs, 1));
    long itemNameLength = 3 + r.uniform(18);
    StringData itemName = randomLetters(r, itemNameLength);
    long descriptionLength = 3 + r.uniform(98);
    StringData description = randomLetters(r, descriptionLength);
    long size = 8 * 7 + itemNameLength + descriptionLength;
    StringData extra = padExtra(r, size, AVG_AUCTION_BYTES);
    return GenericRowData.of(
        id,
        itemName,
        description,
        initialBid,
        reserve,
        TimestampData.fromEpochMillis(ts),
        TimestampData.fromEpochMillis(expires),
        FIRST_PERSON_ID + seller,
        category,
        extra);
  }

  private RowData bid(long n, Random r, long ts) {
    long auction = r.uniform(2) > 0
        ? lastBase0AuctionId(n) / HOT_ID_ROUNDING * HOT_ID_ROUNDING
        : nextBase0AuctionId(n, r);
    long bidder = r.uniform(4) > 0
        ? lastBase0PersonId(n) / HOT_ID_ROUNDING * HOT_ID_ROUNDING + 1
        : nextBase0PersonId(n, r);
    long price = nextPrice(r);
    int channel;
    if (r.uniform(2) > 0) {
      channel = (int) (NUM_CHANNELS + r.uniform(HOT_CHANNELS.length));
    } else {
      channel = (int) r.uniform(NUM_CHANNELS);
    }
    StringData url = r.uniform(10) > 0 ? urlsWithId[channel] : urlsWithoutId[channel];
    StringData extra = padExtra(r, 8 * 4, AVG_BID_BYTES);
    return GenericRowData.of(
        FIRST_AUCTION_ID + auction,
        FIRST_PERSON_ID + bidder,
        price,
        channelNames[channel],
        url,
        TimestampData.fromEpochMillis(ts),
        extra);
  }

  /** https://www.nexmark.com/ + three parts of five letters fixed by (seed, channel) + the query. */
  private String baseUrl(long channel) {
    long[] bits = {mix64(urlSalt + channel), mix64(urlSalt ^ (channel << 20))};
    StringBuilder url = new StringBuilder("https://www.nexmark.com/");
    for (int part = 0; part < 3; ++part) {
      for (int i = 0; i < 5; ++i) {
        int k = part * 5 + i;
        long b = (bits[k / 8] >>> (8 * (k % 8))) & 0xff;
        url.append((char) ('a' + b % 26));
      }
      url.append('/');
    }
    return url.append("item.htm?query=1").toString();
  }

  private static StringData[] strings(String[] values) {
    StringData[] out = new StringData[values.length];
    for (int i = 0; i < values.length; ++i) out[i] = StringData.fromString(values[i]);
    return out;
  }
}
