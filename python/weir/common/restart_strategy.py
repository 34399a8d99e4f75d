"""Restart strategies, as PyFlink's ``RestartStrategies`` (also settable with ``restart-strategy.*`` keys)."""

from __future__ import annotations

from weir.common.time import Duration, _millis

__all__ = ["RestartStrategies", "RestartStrategyConfiguration"]


class RestartStrategyConfiguration:
    """One restart strategy, as configuration keys."""

    def __init__(self, keys: dict[str, str]) -> None:
        self._keys = keys


class RestartStrategies:
    """Factories of restart strategies."""

    @staticmethod
    def no_restart() -> RestartStrategyConfiguration:
        return RestartStrategyConfiguration({"restart-strategy.type": "none"})

    @staticmethod
    def fixed_delay_restart(
        restart_attempts: int, delay_between_attempts: Duration | int
    ) -> RestartStrategyConfiguration:
        return RestartStrategyConfiguration(
            {
                "restart-strategy.type": "fixed-delay",
                "restart-strategy.fixed-delay.attempts": str(restart_attempts),
                "restart-strategy.fixed-delay.delay": f"{_millis(delay_between_attempts, 'delay')} ms",
            }
        )

    @staticmethod
    def failure_rate_restart(
        failure_rate: int, failure_interval: Duration | int, delay_interval: Duration | int
    ) -> RestartStrategyConfiguration:
        return RestartStrategyConfiguration(
            {
                "restart-strategy.type": "failure-rate",
                "restart-strategy.failure-rate.max-failures-per-interval": str(failure_rate),
                "restart-strategy.failure-rate.failure-rate-interval": f"{_millis(failure_interval, 'interval')} ms",
                "restart-strategy.failure-rate.delay": f"{_millis(delay_interval, 'delay')} ms",
            }
        )

    @staticmethod
    def exponential_delay_restart(
        initial_backoff: Duration | int,
        max_backoff: Duration | int,
        backoff_multiplier: float,
        reset_backoff_threshold: Duration | int,
        jitter_factor: float,
    ) -> RestartStrategyConfiguration:
        return RestartStrategyConfiguration(
            {
                "restart-strategy.type": "exponential-delay",
                "restart-strategy.exponential-delay.initial-backoff": f"{_millis(initial_backoff, 'backoff')} ms",
                "restart-strategy.exponential-delay.max-backoff": f"{_millis(max_backoff, 'backoff')} ms",
                "restart-strategy.exponential-delay.backoff-multiplier": str(backoff_multiplier),
                "restart-strategy.exponential-delay.reset-backoff-threshold": (
                    f"{_millis(reset_backoff_threshold, 'threshold')} ms"
                ),
                "restart-strategy.exponential-delay.jitter-factor": str(jitter_factor),
            }
        )
