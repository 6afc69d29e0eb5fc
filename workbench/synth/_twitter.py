"""Twitter: a Kaggle-format CSV whose volume falls with the 2016 suspension waves."""

from __future__ import annotations

import math
import time
from collections import Counter
from datetime import datetime, timezone

from ._channels import _Channel
from ._clock import _day, _parse_utc
from ._constants import AFFILIATED_GROUPS, DAY
from ._draws import _poisson, _rng
from ._texts import _denied, _name_word

TWITTER_START_TS = int(datetime(2015, 1, 1, tzinfo=timezone.utc).timestamp())
TWITTER_END_TS = int(datetime(2017, 1, 1, tzinfo=timezone.utc).timestamp())
TWITTER_SUSPENSIONS = ("2016-02-05", "2016-08-18")
TWITTER_COLUMNS = ("name", "username", "description", "location", "followers",
                   "numberstatuses", "time", "tweets")
TWITTER_FILE = "kaggle_how_isis_uses_twitter.csv"


class _Twitter:
    """Invented accounts tweeting Jan 2015 to Dec 2016; waves of suspensions in Feb and Aug 2016
    thin them out, while later accounts point to Telegram channels."""

    def __init__(self, seed: int, vocab: dict, channels: list[_Channel], scale: float) -> None:
        self.rng = _rng(seed, "twitter")
        self.vocab = vocab
        self.handles = [c.handle for c in channels if c.exported and c.group in AFFILIATED_GROUPS]
        self.scale = scale
        self.taken: set[str] = set()
        self.waves = [_parse_utc(d + "T12:00:00Z") for d in TWITTER_SUSPENSIONS]

    def account(self, born: int) -> dict:
        rng = self.rng
        while True:
            first = _name_word(rng, self.taken)
            last = _name_word(rng, self.taken)
            glue = rng.choice(("", "_", ""))
            username = f"{first.lower()}{glue}{last.lower()[:4]}{rng.randint(0, 99)}"
            if username not in self.taken and not _denied(username):
                self.taken.add(username)
                break
        desc = self.vocab["latin"].sentence(rng, rng.randint(4, 12))
        if born > self.waves[0] and rng.random() < 0.5:
            desc += " t.me/" + rng.choice(self.handles)
        location = "" if rng.random() < 0.5 else _name_word(rng, self.taken)
        return {"name": f"{first} {last}" if rng.random() < 0.7 else first, "username": username,
                "description": desc, "location": location, "born": born,
                "followers": int(rng.lognormvariate(6.0, 1.0)), "growth": rng.uniform(0.5, 8.0),
                "statuses": int(rng.lognormvariate(5.0, 1.2)),
                "rate": rng.lognormvariate(math.log(0.15), 0.3) * self.scale, "end": None,
                "tweets": []}

    def run(self) -> tuple[list[dict], dict]:
        rng = self.rng
        accounts = [self.account(TWITTER_START_TS) for _ in range(18)]
        recent: list[tuple[str, str]] = []
        for day in range(TWITTER_START_TS, TWITTER_END_TS, DAY):
            arrivals = 0.1 if day < self.waves[0] else 0.035 if day < self.waves[1] else 0.015
            accounts += [self.account(day) for _ in range(_poisson(rng, arrivals))]
            for wave, share in zip(self.waves, (0.75, 0.8)):
                if day == wave // DAY * DAY:  # a suspension wave over the next three weeks
                    for acc in accounts:
                        if acc["end"] is None and rng.random() < share:
                            acc["end"] = day + rng.randint(0, 20) * DAY
            for acc in accounts:
                if acc["end"] is None and rng.random() < 1 / 500:
                    acc["end"] = day
                if acc["end"] is not None and day >= acc["end"]:
                    continue
                for _ in range(_poisson(rng, acc["rate"])):
                    ts = day + rng.randrange(DAY)
                    text = self.tweet(acc, day, recent)
                    acc["tweets"].append((ts, text))
                    recent.append((acc["username"], text))
            del recent[:-200]
        return self.rows(accounts)

    def tweet(self, acc: dict, day: int, recent: list) -> str:
        rng = self.rng
        if recent and rng.random() < 0.2:
            user, text = rng.choice(recent[-50:])
            if user != acc["username"] and not text.startswith("RT @"):
                return f"RT @{user}: {text}"[:140]
        script = "arabic" if rng.random() < 0.25 else "latin"
        text = self.vocab[script].sentence(rng, rng.randint(5, 16))
        if recent and rng.random() < 0.1:
            text = f"@{rng.choice(recent)[0]} " + text
        if rng.random() < 0.2:
            text += " #" + self.vocab["latin"].sample(rng, 1)[0]
        telegram = 0.04 if day < self.waves[0] else 0.15 if day < self.waves[1] else 0.3
        roll = rng.random()
        if roll < telegram:
            text += " https://t.me/" + rng.choice(self.handles)
        elif roll < telegram + 0.12:
            code = "".join(rng.choice("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
                           for _ in range(8))
            text += f" https://example-short.invalid/{code}"
        return text[:140]

    def rows(self, accounts: list[dict]) -> tuple[list[dict], dict]:
        rows, monthly = [], Counter()
        retweets = 0
        for acc in accounts:
            if not acc["tweets"]:
                continue
            for i, (ts, text) in enumerate(sorted(acc["tweets"])):
                t = time.gmtime(ts)
                age = (ts - acc["born"]) / DAY
                rows.append({"name": acc["name"], "username": acc["username"],
                             "description": acc["description"], "location": acc["location"],
                             "followers": acc["followers"] + int(age * acc["growth"]),
                             "numberstatuses": acc["statuses"] + i + 1,
                             "time": (f"{t.tm_mon}/{t.tm_mday}/{t.tm_year} "
                                      f"{t.tm_hour}:{t.tm_min:02d}"),
                             "tweets": text, "_ts": ts})
                monthly[time.strftime("%Y-%m", t)] += 1
                retweets += text.startswith("RT @")
        summary = {
            "accounts": len({r["username"] for r in rows}), "tweets": len(rows),
            "start": _day(min(r["_ts"] for r in rows)), "end": _day(max(r["_ts"] for r in rows)),
            "suspensions": list(TWITTER_SUSPENSIONS), "retweets": retweets,
            "monthly": dict(sorted(monthly.items())),
        }
        for r in rows:
            del r["_ts"]
        return rows, summary
