"""Posting times of the sample: when people post, and how the posting time changes engagement."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from influence_lib.synth.constants import (
    HOUR_ENGAGEMENT,
    HOUR_WEIGHTS,
    MONTH_WEIGHTS,
    TIMEZONE,
    WEEKDAY_ENGAGEMENT,
    WEEKDAY_WEIGHTS,
    WEEKEND_HOUR_DAMPING,
)


def utc(day: dt.date) -> np.datetime64:
    """Midnight UTC of ``day`` as a numpy datetime in seconds.

    Parameters
    ----------
    day : datetime.date
        The day.

    Returns
    -------
    numpy.datetime64
        ``day`` at 00:00:00, unit ``s``.
    """
    return np.datetime64(day.isoformat(), "s")


def sample_times(rng: np.random.Generator, n: int, start: dt.date, end: dt.date) -> np.ndarray:
    """Posting times in ``[start, end)`` UTC, drawn in Europe/Paris local time.

    Weekdays and office hours peak, August and the Christmas weeks dip.

    Parameters
    ----------
    rng : numpy.random.Generator
        The generator's random numbers.
    n : int
        Number of times.
    start, end : datetime.date
        The half-open UTC period.

    Returns
    -------
    numpy.ndarray
        ``n`` naive UTC times, ``datetime64[s]``, in draw order.
    """
    days = pd.date_range(start, end, freq="D", inclusive="left")
    w = np.array(WEEKDAY_WEIGHTS)[days.day_of_week] * np.array(MONTH_WEIGHTS)[days.month - 1]
    holidays = ((days.month == 12) & (days.day >= 23)) | ((days.month == 1) & (days.day <= 2))
    w = np.where(holidays, w * 0.45, w)
    day = days.to_numpy().astype("datetime64[s]")[rng.choice(len(days), n, p=w / w.sum())]
    hours = np.array(HOUR_WEIGHTS, dtype=float)
    seconds = rng.choice(24, n, p=hours / hours.sum()) * 3600 + rng.integers(0, 3600, n)
    seconds = seconds.astype("timedelta64[s]")
    local = pd.DatetimeIndex(day + seconds)
    zoned = local.tz_localize(TIMEZONE, ambiguous=np.zeros(n, dtype=bool), nonexistent="shift_forward")
    out = zoned.tz_convert("UTC").tz_localize(None).to_numpy().astype("datetime64[s]")
    one_day = np.timedelta64(1, "D")
    out = np.where(out < utc(start), out + one_day, out)  # local midnight hours of the first day
    return np.where(out >= utc(end), out - one_day, out)


def time_engagement(times: np.ndarray) -> np.ndarray:
    """Engagement factor of posts published at ``times`` (UTC), from their Europe/Paris weekday and hour.

    Weekday mornings (Tuesday to Thursday most of all) and lunch time do best; evenings, nights
    and weekends do worst.

    Parameters
    ----------
    times : numpy.ndarray
        Naive UTC times.

    Returns
    -------
    numpy.ndarray
        One positive factor per time (relative: only ratios matter).
    """
    local = pd.DatetimeIndex(times).tz_localize("UTC").tz_convert(TIMEZONE)
    weekday = local.day_of_week.to_numpy()
    hour = np.array(HOUR_ENGAGEMENT)[local.hour.to_numpy()]
    hour = np.where(weekday >= 5, hour**WEEKEND_HOUR_DAMPING, hour)
    return np.array(WEEKDAY_ENGAGEMENT)[weekday] * hour
