"""Lambda's CPU share by memory size, and the duration model built on it."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from faaslib.tuning import cpu_share, model_duration, vcpus

memory_sizes = st.integers(min_value=128, max_value=10_240)
milliseconds = st.floats(min_value=0, max_value=1e6, allow_nan=False, allow_infinity=False)


@pytest.mark.parametrize(
    ("memory", "share", "cpus"),
    [
        (128, 128 / 1769, 1),
        (1769, 1.0, 1),
        (1770, 1770 / 1769, 2),
        (3008, 3008 / 1769, 2),
        (10_240, 10_240 / 1769, 6),
    ],
)
def test_the_share_is_one_vcpu_at_1769_mb_and_proportional(
    memory: int, share: float, cpus: int
) -> None:
    assert cpu_share(memory) == pytest.approx(share)
    assert vcpus(memory) == cpus


def test_single_threaded_cpu_work_scales_below_1769_mb_and_is_flat_above() -> None:
    # 50 ms of CPU in a 51 ms invocation on the host: 1 ms of it was waiting
    assert model_duration(51.0, 50.0, 1769) == pytest.approx(51.0)
    assert model_duration(51.0, 50.0, 3008) == pytest.approx(51.0)
    assert model_duration(51.0, 50.0, 10_240) == pytest.approx(51.0)
    assert model_duration(51.0, 50.0, 128) == pytest.approx(1.0 + 50.0 * 1769 / 128)


def test_waiting_does_not_scale() -> None:
    assert model_duration(20.0, 0.0, 128) == 20.0
    assert model_duration(20.0, 0.0, 10_240) == 20.0


def test_parallel_work_uses_the_vcpus_above_1769_mb() -> None:
    # 4 CPUs busy for 25 ms on the host: 100 ms of CPU
    assert model_duration(25.0, 100.0, 1769) == pytest.approx(100.0)
    assert model_duration(25.0, 100.0, 3538) == pytest.approx(50.0)
    assert model_duration(25.0, 100.0, 10_240) == pytest.approx(25.0)  # no faster than the host


@given(wall=milliseconds, cpu=milliseconds, smaller=memory_sizes, larger=memory_sizes)
def test_the_model_never_rises_with_memory(
    wall: float, cpu: float, smaller: int, larger: int
) -> None:
    smaller, larger = sorted((smaller, larger))
    assert model_duration(wall, cpu, larger) <= model_duration(wall, cpu, smaller) * (1 + 1e-12)


@given(wall=milliseconds, cpu=milliseconds, memory=memory_sizes)
def test_the_model_is_never_below_the_fully_parallel_bound(
    wall: float, cpu: float, memory: int
) -> None:
    waiting = max(0.0, wall - cpu)
    duration = model_duration(wall, cpu, memory)
    assert math.isfinite(duration)
    assert duration >= (waiting + cpu / 6) * (1 - 1e-12)
    assert duration >= waiting


@given(wall=milliseconds, fraction=st.floats(0, 1), memory=st.integers(1769, 10_240))
def test_single_threaded_code_is_flat_from_one_vcpu(
    wall: float, fraction: float, memory: int
) -> None:
    cpu = wall * fraction  # one thread: never more CPU than wall time
    assert model_duration(wall, cpu, memory) == pytest.approx(model_duration(wall, cpu, 1769))
