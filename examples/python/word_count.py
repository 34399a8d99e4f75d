"""Word count with Weir's Python API: a PyFlink program with `pyflink` changed to `weir` in its imports.

Run it with `python examples/python/word_count.py` (the job runs on an embedded MiniCluster in this
process). Prints each word's final count.
"""

from __future__ import annotations

from typing import Iterator

from weir.common import Types
from weir.datastream import StreamExecutionEnvironment

TEXT = [
    "To be, or not to be,--that is the question:--",
    "Whether 'tis nobler in the mind to suffer",
    "The slings and arrows of outrageous fortune",
    "Or to take arms against a sea of troubles,",
]


def split(line: str) -> Iterator[tuple[str, int]]:
    for word in line.lower().split():
        word = "".join(c for c in word if c.isalpha())
        if word:
            yield word, 1


def main() -> None:
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(2)
    counts = (
        env.from_collection(TEXT, type_info=Types.STRING())
        .flat_map(split, output_type=Types.TUPLE([Types.STRING(), Types.INT()]))
        .key_by(lambda t: t[0], key_type=Types.STRING())
        .reduce(lambda a, b: (a[0], a[1] + b[1]))
    )
    final: dict[str, int] = {}
    with counts.execute_and_collect() as results:
        for word, count in results:
            final[word] = max(final.get(word, 0), count)
    for word, count in sorted(final.items(), key=lambda kv: (-kv[1], kv[0])):
        print(f"{word}: {count}")


if __name__ == "__main__":
    main()
