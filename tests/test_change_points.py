"""change_points: scored honestly.

* On the genuine annotated series of the Turing change-point benchmark (TCPD, in
  ``../shared/samples/change-points``) with TCPDBench's F1, against "no change points" and
  binary segmentation with a BIC penalty; one set of defaults for every series.
* On the fixture world and two generated worlds: the planted surge in every surging group,
  nothing near the event in the control group.
* On simulated Poisson and negative-binomial series with known shifts: precision and recall.
"""

from __future__ import annotations

import json
import warnings
from math import log

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from workbench.errors import ParameterError
from workbench.timeline import change_points, message_volume
from workbench.timeline import _change_points as cp


MARGIN = 5


# -- the TCPDBench F1 (van den Burg and Williams 2020, TCPDBench/analysis/scripts/metrics.py) --

def true_positives(truth: set, predicted: set, margin: int = MARGIN) -> set:
    """Annotations matched by a prediction within ``margin``; each prediction matches once."""
    left = set(predicted)
    found = set()
    for tau in sorted(truth):
        close = sorted((abs(tau - x), x) for x in left if abs(tau - x) <= margin)
        if close:
            found.add(tau)
            left.remove(close[0][1])
    return found


def f_measure(annotations: dict, predictions, margin: int = MARGIN) -> float:
    """Point 0 joins every annotator's set and the prediction; precision against the union of
    annotators, recall averaged over annotators."""
    sets = [set(v) | {0} for v in annotations.values()]
    pred = set(int(p) for p in predictions) | {0}
    union = set().union(*sets)
    precision = len(true_positives(union, pred, margin)) / len(pred)
    recall = np.mean([len(true_positives(s, pred, margin)) / len(s) for s in sets])
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def test_f_measure_matches_hand_computed_cases():
    # The worked examples of TCPDBench's metrics.py docstrings.
    assert true_positives({1, 10, 20, 23}, {3, 8, 20}) == {1, 10, 20}
    assert true_positives({1, 10, 20, 23}, {1, 3, 5, 8, 20}) == {1, 10, 20}
    assert f_measure({1: [10, 20], 2: [10, 20], 3: [10, 20]}, [10, 20]) == 1.0
    assert f_measure({1: [], 2: [10], 3: [50]}, [10]) == pytest.approx(10 / 11)
    assert f_measure({1: [], 2: [10], 3: [50]}, []) == pytest.approx(0.8)


# -- the baselines -------------------------------------------------------------------------------

def binseg_bic(y: np.ndarray, model: str) -> list[int]:
    """Binary segmentation (ruptures) with a BIC penalty: ``model="normal"`` changes in mean
    and variance (three parameters per change on -2 log-likelihood), ``model="l2"`` changes in
    mean with the noise variance from the MAD of first differences (two parameters)."""
    import ruptures as rpt

    n = len(y)
    z = (y - y.mean()) / (y.std() or 1.0)
    if model == "normal":
        pen = 3 * log(n)
    else:
        sigma = np.median(np.abs(np.diff(z) - np.median(np.diff(z)))) * 1.4826 / np.sqrt(2)
        pen = 2 * log(n) * max(sigma, 1e-9) ** 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ruptures' note about its covariance bias
        return rpt.Binseg(model=model, min_size=2, jump=1).fit(z).predict(pen=pen)[:-1]


@pytest.fixture(scope="module")
def tcpd(samples):
    folder = samples / "change-points"
    annotations = json.loads((folder / "annotations.json").read_text())
    series = {}
    for name in sorted(annotations):
        data = json.loads((folder / f"{name}.json").read_text())
        raw = [np.nan if v is None else v for v in data["series"][0]["raw"]]
        series[name] = np.asarray(raw, dtype=float)
    return annotations, series


@pytest.fixture(scope="module")
def tcpd_scores(tcpd):
    annotations, series = tcpd
    rows = []
    for name, y in series.items():
        ours = change_points(pd.Series(y))      # a RangeIndex: labels are the positions
        clean = y[~np.isnan(y)]
        methods = {"ours": list(ours), "zero": [],
                   "binseg_bic_normal": binseg_bic(clean, "normal"),
                   "binseg_bic_l2": binseg_bic(clean, "l2")}
        for method, found in methods.items():
            rows.append({"series": name, "method": method, "n_found": len(found),
                         "f1": f_measure(annotations[name], found)})
    table = pd.DataFrame(rows)
    print("\nTCPD F1 (margin 5), per series:\n",
          table.pivot(index="series", columns="method", values="f1").round(3).to_string(),
          "\nchange points found:\n",
          table.pivot(index="series", columns="method", values="n_found").to_string())
    return table


def test_beats_no_change_and_binary_segmentation_on_tcpd(tcpd_scores):
    mean = tcpd_scores.groupby("method")["f1"].mean()
    print("\nmean F1:", mean.round(3).to_dict())
    assert mean["ours"] > mean["zero"] + 0.05
    assert mean["ours"] > mean["binseg_bic_normal"] + 0.05
    assert mean["ours"] > mean["binseg_bic_l2"] + 0.05


def test_never_much_worse_than_predicting_nothing(tcpd_scores):
    wide = tcpd_scores.pivot(index="series", columns="method", values="f1")
    # Predicting nothing is a strong baseline on series without clear changes (bank,
    # gdp_japan): the defaults must not throw that away anywhere.
    assert (wide["ours"] >= wide["zero"] - 0.12).all(), wide[["ours", "zero"]]


def test_does_not_over_segment_seasonal_or_sawtooth_series(tcpd, tcpd_scores):
    annotations, _ = tcpd
    found = tcpd_scores[tcpd_scores["method"] == "ours"].set_index("series")["n_found"]
    for name in ("co2_canada", "lga_passengers", "bank"):
        most = max(len(v) for v in annotations[name].values())
        assert found[name] <= most, (name, found[name], most)
    assert found["bank"] == 0          # a monthly sawtooth: no annotator marks a change


# -- the search reaches the optimum of the exact PELT search ------------------------------------

def test_search_matches_exact_pelt_optimum(tcpd):
    import ruptures as rpt

    _, series = tcpd
    rng = np.random.default_rng(5)
    signals = [y[~np.isnan(y)] for y in series.values()]
    for _ in range(30):
        n = int(rng.integers(100, 600))
        lam = np.full(n, np.exp(rng.normal(1, 1.2)))
        for c in rng.integers(0, n, size=rng.integers(0, 6)):
            lam[c:] *= np.exp(rng.normal(0, 0.7))
        signals.append(rng.poisson(lam).astype(float))

    def cost(z, cps, pen):
        bounds = [0, *cps, len(z)]
        return sum(((z[a:b] - z[a:b].mean()) ** 2).sum()
                   for a, b in zip(bounds[:-1], bounds[1:])) + pen * len(cps)

    optimal = 0
    for y in signals:
        z = 2 * np.sqrt(y + 0.375) if (y >= 0).all() and (y % 1 == 0).all() else y
        lrv = cp._long_run_variance(z[:, None], None)[0]
        z = (z - np.median(z)) / np.sqrt(lrv)
        pen = 2 * log(len(z))
        ours = cp._search(z, pen, 3)
        exact = rpt.KernelCPD(kernel="linear", min_size=3).fit(z).predict(pen=pen)[:-1]
        optimal += cost(z, ours, pen) <= cost(z, exact, pen) + 1e-6
    assert optimal >= 0.95 * len(signals), f"optimal on {optimal} of {len(signals)}"


# -- simulated counts with known shifts ---------------------------------------------------------

def _simulate(rng, n, base, n_changes, shape=None, weekly=False):
    """Poisson (or gamma-Poisson with ``shape``) daily counts with multiplicative shifts by a
    factor of 2 to 3, at least 20 days apart and from the ends."""
    while True:
        cps = sorted(rng.choice(np.arange(20, n - 20), size=n_changes, replace=False).tolist())
        if np.all(np.diff([0, *cps, n]) >= 20):
            break
    rate, level = np.full(n, float(base)), float(base)
    for c in cps:
        factor = rng.uniform(2.0, 3.0)
        level = level / factor if level / factor >= base / 4 and rng.random() < 0.5 else \
            level * factor
        rate[c:] = level
    if weekly:
        rate = rate * np.tile([1.0, 1.0, 1.05, 1.1, 1.3, 0.85, 0.7], n // 7 + 1)[:n]
    if shape is not None:
        rate = rng.gamma(shape, rate / shape)
    return rng.poisson(rate).astype(float), cps


def _precision_recall(pairs, margin=3):
    hits = found = truth = 0
    for predicted, planted in pairs:
        hits += len(true_positives(set(planted), set(predicted), margin))
        found += len(predicted)
        truth += len(planted)
    return hits / max(found, 1), hits / max(truth, 1)


@pytest.mark.parametrize("base, shape, min_precision, min_recall", [
    (10, None, 0.9, 0.9),      # Poisson, ten a day
    (50, None, 0.95, 0.95),    # Poisson, fifty a day
    (10, 5.0, 0.75, 0.7),      # overdispersed: variance = mean + mean^2 / 5
])
def test_precision_and_recall_on_simulated_counts(base, shape, min_precision, min_recall):
    rng = np.random.default_rng(2016)
    pairs = []
    for _ in range(60):
        y, planted = _simulate(rng, 365, base, int(rng.integers(1, 5)), shape, weekly=True)
        days = pd.date_range("2016-01-01", periods=len(y), freq="D", tz="UTC")
        found = change_points(pd.Series(y, index=days))
        pairs.append(([days.get_loc(d) for d in found], planted))
    precision, recall = _precision_recall(pairs)
    print(f"\nbase {base}/day, shape {shape}: precision {precision:.2f}, recall {recall:.2f}")
    assert precision >= min_precision and recall >= min_recall


def test_no_changes_found_in_stationary_counts_with_a_weekly_cycle():
    rng = np.random.default_rng(7)
    false = 0
    for i in range(80):
        base = [0.5, 3, 20, 100][i % 4]
        y, _ = _simulate(rng, 730, base, 0, shape=None if i % 2 else 8.0, weekly=True)
        false += len(change_points(pd.Series(y)))
    assert false / 80 <= 0.1, f"{false} false change points in 80 stationary series"


# -- the planted surge ----------------------------------------------------------------------------

def _check_surge(messages, truth, slack=1):
    vol = message_volume(messages, by="group")
    found = change_points(vol)
    event_day = pd.Timestamp(truth["surge"]["date"], tz="UTC")
    for group in truth["surge"]["groups"]:
        gaps = [abs((d - event_day).days) for d in found[group]]
        assert gaps and min(gaps) <= slack, (group, list(found[group]))
    control = [d for d in found["control"] if abs((d - event_day).days) <= 3]
    assert not control, list(found["control"])
    return found


def test_surge_found_in_every_surging_group_and_not_in_control(corpus, truth):
    found = _check_surge(corpus.messages, truth)
    ends = {g: [d for d in found[g] if d > pd.Timestamp(truth["surge"]["date"], tz="UTC")]
            for g in truth["surge"]["groups"]}
    # The surge lasts truth["surge"]["days"]: its end is a change point too.
    for group, after in ends.items():
        expected = pd.Timestamp(truth["surge"]["date"], tz="UTC") + pd.Timedelta(
            days=truth["surge"]["days"])
        assert any(abs((d - expected).days) <= 2 for d in after), (group, after)


def test_surge_found_in_generated_worlds(generated_worlds):
    for corpus, truth in generated_worlds:
        # An event late in the UTC day (Istanbul, 22:15) leaves under two hours of surge on
        # the event day, so the onset is the event day or the next; one more day of slack.
        late = pd.Timestamp(truth["surge"]["time"]).hour >= 18
        _check_surge(corpus.messages, truth, slack=2 if late else 1)


# -- the contract: labels, never positions -------------------------------------------------------

def test_returns_labels_of_the_series_index():
    y = [5, 6, 4, 5, 6, 5, 4, 6] * 3 + [20, 22, 19, 21, 20, 23, 19, 21] * 3
    labels = [f"week {i}" for i in range(len(y))]
    found = change_points(pd.Series(y, index=labels))
    assert list(found) == ["week 24"]
    dated = change_points(pd.Series(y, index=pd.date_range("2016-12-01", periods=len(y),
                                                          tz="Europe/Berlin")))
    assert isinstance(dated, pd.DatetimeIndex) and str(dated.tz) == "Europe/Berlin"
    assert dated[0] == pd.Timestamp("2016-12-25", tz="Europe/Berlin")


def test_missing_values_are_skipped_not_counted_as_zero():
    y = pd.Series([5.0, 6, 4, 5, np.nan, 6, 5, 4, 6] * 3 + [20.0, 22, 19, np.nan, 21] * 5)
    assert list(change_points(y)) == [27]
    # The first value of the new regime is missing: the change is reported at the next one.
    z = pd.Series([1.0, 1.1, 0.9, 1.0, 1.05, 0.95, np.nan, 5.0, 5.1, 4.9, 5.0, 5.05])
    assert list(change_points(z)) == [7]


def test_dataframe_gives_one_result_per_column_and_inputs_are_not_mutated():
    frame = pd.DataFrame({"a": [1.0] * 10 + [9.0] * 10, "b": [3.0, 3.1] * 10})
    before = frame.copy()
    found = change_points(frame)
    assert list(found) == ["a", "b"] and list(found["a"]) == [10] and len(found["b"]) == 0
    pd.testing.assert_frame_equal(frame, before)


def test_degenerate_inputs():
    assert len(change_points(pd.Series([], dtype=float))) == 0
    assert len(change_points(pd.Series([np.nan] * 10))) == 0
    assert len(change_points(pd.Series([4.0] * 50))) == 0
    with pytest.raises(ParameterError, match="numeric"):
        change_points(pd.Series(["a", "b", "c"]))
    with pytest.raises(ParameterError, match="min_size"):
        change_points(pd.Series([1.0, 2.0]), min_size=0)
    with pytest.raises(ParameterError, match="infinite"):
        change_points(pd.Series([1.0, np.inf, 2.0]))


@given(st.lists(st.one_of(st.floats(-1e6, 1e6), st.just(np.nan)), max_size=80),
       st.integers(0, 1000))
def test_labels_come_from_the_index_in_order(values, offset):
    series = pd.Series(values, index=pd.RangeIndex(offset, offset + len(values)) * 3,
                       dtype=float)
    found = change_points(series)
    assert set(found) <= set(series.index[series.notna()])
    assert list(found) == sorted(found)
    relabelled = change_points(series.reset_index(drop=True))
    assert [series.index.get_loc(x) for x in found] == list(relabelled)


def test_regimes_tabulate_levels_between_change_points():
    from workbench.timeline import regimes

    days = pd.date_range("2016-12-01", periods=30, freq="D", tz="UTC")
    y = pd.Series([4.0, 6.0] * 5 + [20.0, 22.0] * 5 + [5.0, 5.0] * 5, index=days, name="x")
    table = regimes(y, pd.DatetimeIndex([days[10], days[20]]))
    assert table[["start", "end", "length"]].values.tolist() == [
        [days[0], days[9], 10], [days[10], days[19], 10], [days[20], days[29], 10]]
    assert table["mean"].tolist() == [5.0, 21.0, 5.0]
    assert np.isnan(table["ratio"].iloc[0]) and table["ratio"].iloc[1] == 21 / 5
    frame = pd.DataFrame({"x": y, "flat": 3.0})
    both = regimes(frame)
    assert list(both["series"]) == ["x", "x", "x", "flat"]
