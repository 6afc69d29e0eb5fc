"""Comparing two series of one volume or share table: when one overtook the other."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import ParameterError

__all__ = ["crossover"]

_COLUMNS = ["leader", "trailer", "date", "leader_first", "left_censored", "periods_led",
            "periods"]


def crossover(table: pd.DataFrame, leader: str, trailer: str, *, sustain: int = 4
              ) -> pd.DataFrame:
    """When ``leader`` overtook ``trailer`` for good: the first period from which it is ahead
    in ``sustain`` consecutive periods.

    Parameters
    ----------
    table : DataFrame
        A wide table over time with both columns: :func:`platform_share`,
        :func:`message_volume` or any other. Periods where either value is NaN (no message at
        all, so no share) are skipped, not counted as a lead of either.
    leader, trailer : str
        The column expected to overtake, and the one it overtakes.
    sustain : int, default 4
        Periods in a row ``leader`` must be strictly ahead (ties are not a lead), so a single
        noisy week is not a crossover. A lead that starts fewer than ``sustain`` periods
        before the end of the table does not count.

    Returns
    -------
    DataFrame
        One row: ``leader``, ``trailer``; ``date``, the first period of the lasting lead (NaT
        if there is none); ``leader_first``, the first period where ``leader`` is above zero
        (it has any activity at all); ``left_censored``, True when ``date`` is that period:
        ``leader`` was ahead from its very first period, so the table cannot say when it
        overtook ``trailer``, only that it had by then (e.g. its data start there);
        ``periods_led`` and ``periods``, the periods from ``date`` to the end where ``leader``
        is ahead, and all periods with values in that stretch.

    Raises
    ------
    ParameterError
        If a column is missing or ``sustain`` is below 1 (a table without any column, as
        from no messages in range, gives the no-lead row instead).

    Examples
    --------
    >>> import pandas as pd
    >>> idx = pd.date_range("2016-08-01", periods=7, freq="W-MON", tz="UTC")
    >>> share = pd.DataFrame({"telegram": [0.1, 0.6, 0.3, 0.7, 0.8, None, 0.9],
    ...                       "twitter": [0.9, 0.4, 0.7, 0.3, 0.2, None, 0.1]}, index=idx)
    >>> crossover(share, "telegram", "twitter", sustain=3).iloc[0].to_dict()
    ... # doctest: +NORMALIZE_WHITESPACE
    {'leader': 'telegram', 'trailer': 'twitter',
     'date': Timestamp('2016-08-22 00:00:00+0000', tz='UTC'),
     'leader_first': Timestamp('2016-08-01 00:00:00+0000', tz='UTC'), 'left_censored': False,
     'periods_led': 3, 'periods': 3}
    """
    if not len(table.columns):  # nothing in range (no messages): no lead to find
        return pd.DataFrame([[leader, trailer, pd.NaT, pd.NaT, False, 0, 0]], columns=_COLUMNS)
    for name, col in (("leader", leader), ("trailer", trailer)):
        if col not in table.columns:
            raise ParameterError(f"{name}={col!r} is not a column of the table; columns are "
                                 f"{list(table.columns)}")
    if int(sustain) < 1:
        raise ParameterError(f"sustain={sustain!r}: at least 1 period")
    a = pd.to_numeric(table[leader], errors="coerce").to_numpy(dtype="float64")
    b = pd.to_numeric(table[trailer], errors="coerce").to_numpy(dtype="float64")
    valid = ~(np.isnan(a) | np.isnan(b))
    labels = table.index[valid]
    ahead = (a > b)[valid]
    active = np.flatnonzero(np.nan_to_num(a) > 0)
    first = table.index[active[0]] if len(active) else pd.NaT
    date, led, periods = pd.NaT, 0, 0
    run = 0
    for i, lead in enumerate(ahead):
        run = run + 1 if lead else 0
        if run == int(sustain):
            start = i - run + 1
            date = labels[start]
            led, periods = int(ahead[start:].sum()), int(len(ahead) - start)
            break
    censored = bool(not pd.isna(date) and not pd.isna(first) and date == first)
    return pd.DataFrame([[leader, trailer, date, first, censored, led, periods]],
                        columns=_COLUMNS)
