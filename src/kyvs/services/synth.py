"""The synthetic registry: reproducible, realistic people and doses for demos and load tests.

One seeded `random.Random` draws everything, so a seed always gives the same registry. People come
in households that share a mobile; their doses follow India's campaign of 2021-22 as the rule set
describes it (rollout dates, minimum intervals, the precaution programme). The hot path draws from
prepared tables rather than calling Faker, so a million people take seconds.
"""

from __future__ import annotations

import datetime as dt
import random
import string
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from itertools import accumulate
from typing import TypeVar

from kyvs.domain.doses import Dose, DoseKind
from kyvs.domain.mobile import MobileNumber
from kyvs.domain.people import Beneficiary, Gender, PhotoId, PhotoIdType, Registration
from kyvs.domain.rules import RuleSet
from kyvs.services.synth_names import (
    ADULT_BIRTH_YEARS,
    GENDERS,
    HOUSEHOLD_SIZES,
    LATIN,
    MIDDLE_NAME,
    PHOTO_IDS,
    SURNAME_SHARED,
    TEEN_MEMBER,
    Mobiles,
    NamePool,
    ReferenceIds,
    Region,
    document_number,
    homes,
)

# The vaccination record; the unit tests hold the output to these targets.
STATUS_END_2021 = (0.15, 0.35, 0.50)  # not, partially, fully vaccinated on 2021-12-31
COMPLETED_IN_2022 = 0.6  # of the partially vaccinated: took the rest of the series in 2022
PRECAUTION = 0.2  # of the fully vaccinated: took a precaution dose in 2022
# A gap drawn shorter than the minimum interval; a 2022 completion often waits past its gap,
# so about 1% of second doses end up too early.
SHORT_INTERVAL = 0.014
SAME_CENTRE = 0.7  # a later dose given at the centre of the one before
HISTORY_SLOTS = 8192  # adults' dose histories kept per region (see `_Synth._person`)
COVISHIELD = "COVISHIELD"  # the vaccine of most series, and of those no other vaccine fits
# Teens dilute the adults' shares, so that over everyone vaccinated Covishield is about 88%.
ADULT_VACCINES = (
    (COVISHIELD, 9020),
    ("COVAXIN", 950),
    ("SPUTNIK-V", 12),
    ("ZYCOV-D", 4),
    ("JANSSEN", 3),
    ("SPUTNIK-LIGHT", 3),
    ("COVOVAX", 2),
    ("CORBEVAX", 2),
)
FIRST_DOSE_MONTHS = (1, 2, 4, 7, 5, 10, 11, 13, 14, 9, 7, 5)  # weights of each month of 2021
# Teens by birth year: the vaccine of their age group's programme and its first day.
TEEN_PROGRAMMES = (
    (2004, 2007, "COVAXIN", dt.date(2022, 1, 3)),
    (2008, 2009, "CORBEVAX", dt.date(2022, 3, 16)),
)
TEEN_STATUS = (0.15, 0.20, 0.65)  # not, partially, fully vaccinated today

START = dt.date(2021, 1, 16).toordinal()
END_2021 = dt.date(2021, 12, 31).toordinal()
END_2022 = dt.date(2022, 12, 31).toordinal()
_DAYS = 3 * 366  # days are ordinals; dates are looked up, not built, from START on
_DATES = tuple(dt.date.fromordinal(day) for day in range(START, START + _DAYS))
_LETTERS = string.ascii_uppercase
_PRIMARY, _PRECAUTION = DoseKind.PRIMARY, DoseKind.PRECAUTION

T = TypeVar("T")
_Home = tuple[NamePool, Region, list[tuple[Dose, ...] | None]]  # names, region, dose histories


def generate(
    count: int, *, seed: int, rules: RuleSet, max_per_mobile: int = 6
) -> Iterator[Registration]:
    """`count` registrations, made lazily in constant memory; the same seed gives the same ones.

    Households of 1 to `max_per_mobile` people (never more than 6) share a mobile that no other
    household of the seed has. Dose dates respect each vaccine's rollout in `rules`. Adults'
    dose tuples come from a pool of histories per region, so registrations may share (immutable)
    `Dose` objects. Raises `ValueError` at once for a negative count or a `max_per_mobile` below 1.
    """
    if count < 0:
        raise ValueError("count must not be negative")
    if max_per_mobile < 1:
        raise ValueError("max_per_mobile must be at least 1")
    return _Synth(seed, rules, max_per_mobile).registrations(count)


def _table(items: Sequence[tuple[T, float]], size: int = 10_000) -> tuple[T, ...]:
    """The values repeated in proportion to their weights: a uniform pick is a weighted draw."""
    bounds = list(accumulate(weight for _, weight in items))
    step = bounds[-1] / size
    last = len(items) - 1
    return tuple(items[min(bisect_right(bounds, (i + 0.5) * step), last)][0] for i in range(size))


class _Synth:
    """One run: the seeded generator and the tables it draws people from."""

    def __init__(self, seed: int, rules: RuleSet, max_per_mobile: int) -> None:
        self.rng = random.Random(f"kyvs-synth:{seed}")  # a string: seeds -1 and 1 differ
        self.uniform = self.rng.random
        self._ids = ReferenceIds(seed)
        self._mobiles = Mobiles(seed)
        sizes = HOUSEHOLD_SIZES[:max_per_mobile]
        self._sizes = _table(list(enumerate(sizes, start=1)))
        later_members = 1 - sum(sizes) / sum(n * w for n, w in enumerate(sizes, start=1))
        self._doses = _Doses(self, rules, teen_share=TEEN_MEMBER * later_members)
        histories: dict[str, list[tuple[Dose, ...] | None]] = {}
        self._homes = _table(
            [
                ((pool, region, histories.setdefault(region.name, [None] * HISTORY_SLOTS)), weight)
                for (pool, region), weight in homes()
            ]
        )
        self._genders = _table(GENDERS)
        self._photo_ids = _table(PHOTO_IDS)
        self._years = _table([(y, w) for a, b, w in ADULT_BIRTH_YEARS for y in range(a, b + 1)])

    def registrations(self, count: int) -> Iterator[Registration]:
        """The people of the run, household after household."""
        uniform, sizes, homes_ = self.uniform, self._sizes, self._homes
        ids, person = self._ids, self._person
        index = household = 0
        while index < count:
            size = min(sizes[int(uniform() * len(sizes))], count - index)
            mobile = self._mobiles(household)
            home = homes_[int(uniform() * len(homes_))]
            last_names = home[0].last
            surname, teen = last_names[int(uniform() * len(last_names))], False
            for member in range(size):
                name = surname
                if member:  # the first member is an adult with the household's surname
                    if uniform() >= SURNAME_SHARED:
                        name = last_names[int(uniform() * len(last_names))]
                    teen = uniform() < TEEN_MEMBER
                yield person(ids(index + member), mobile, home, name, teen)
            index += size
            household += 1

    def _person(
        self, reference_id: str, mobile: MobileNumber, home: _Home, surname: str, teen: bool
    ) -> Registration:
        """One person of a household: name, birth year, photo ID and doses."""
        uniform, (pool, region, histories) = self.uniform, home
        gender = self._genders[int(uniform() * len(self._genders))]
        female = gender is Gender.FEMALE or (gender is Gender.OTHER and uniform() < 0.5)
        firsts = pool.female if female else pool.male
        first = firsts[int(uniform() * len(firsts))]
        if uniform() < MIDDLE_NAME:
            name = f"{first} {pool.male[int(uniform() * len(pool.male))]} {surname}"
        else:
            name = f"{first} {surname}"
        if teen:
            year = 2004 + int(uniform() * 6)
            kind = PhotoIdType.AADHAAR if uniform() < 0.96 else None  # no PAN, voter ID... yet
            doses = self._doses.teen(year, region.centres)
        else:
            year = self._years[int(uniform() * len(self._years))]
            kind = self._photo_ids[int(uniform() * len(self._photo_ids))]
            # Adults draw their doses from a pool of histories per region, each made on first use:
            # building Dose objects per person would halve the rate, and people who share a
            # history look like neighbours vaccinated together.
            slot = int(uniform() * HISTORY_SLOTS)
            history = histories[slot]
            if history is None:
                history = histories[slot] = self._doses.adult(region.centres)
            doses = history
        photo = None
        if kind is PhotoIdType.AADHAAR:  # the common case, made here for speed
            photo = PhotoId(kind, str(200_000_000_000 + int(uniform() * 800_000_000_000)))
        elif kind is not None:
            initial = surname[0] if pool.script == LATIN else ""
            photo = PhotoId(kind, document_number(kind, self.rng, year, initial, region))
        return Registration(Beneficiary(reference_id, name, year, gender, mobile, photo), doses)


class _Doses:
    """Dose histories like India's: the status mix of the end of 2021, then 2022's doses."""

    def __init__(self, synth: _Synth, rules: RuleSet, *, teen_share: float) -> None:
        self.uniform = synth.uniform
        self._on = _series_by_day(rules)
        if COVISHIELD not in self._on:
            raise ValueError(f"the rule set has no schedule for {COVISHIELD}")
        self._rollout = {code: _rollout(rules, code) for code in self._on}
        self._latest_complete = dict(self._latest_complete_2021())
        none, partial, full = STATUS_END_2021
        self._status = _table([(0, none - teen_share), (1, partial), (2, full)])
        self._teen_status = _table(list(enumerate(TEEN_STATUS)))
        self._vaccines = _table([(c, w) for c, w in ADULT_VACCINES if c in self._on])
        days_2021 = range(END_2021 - START + 1)
        self._busy = list(accumulate(FIRST_DOSE_MONTHS[_DATES[d].month - 1] for d in days_2021))
        self._precaution = _precaution_wait(rules)
        self._teens = {
            year: (code, max(begin.toordinal(), self._rollout[code]))
            for first, last, code, begin in TEEN_PROGRAMMES
            if code in self._on
            for year in range(first, last + 1)
        }
        self._batches = {
            code: tuple(_batch(code, synth.rng) for _ in range(60)) for code in self._on
        }

    def _latest_complete_2021(self) -> Iterator[tuple[str, int]]:
        """Per vaccine, the last first-dose day whose series can still be complete in 2021."""
        for code, series in self._on.items():
            in_2021 = series[: END_2021 - START + 1]
            doses, interval = max(d for d, _ in in_2021), max(i for _, i in in_2021)
            latest = END_2021 - (doses - 1) * interval
            if latest >= self._rollout[code]:
                yield code, latest

    def adult(self, centres: Sequence[str]) -> tuple[Dose, ...]:
        """An adult's doses: not, partially or fully vaccinated on 2021-12-31 as targeted."""
        status = self._status[int(self.uniform() * len(self._status))]
        if status == 0:
            return ()
        vaccine = self._vaccines[int(self.uniform() * len(self._vaccines))]
        return self._full(vaccine, centres) if status == 2 else self._partial(vaccine, centres)

    def teen(self, year: int, centres: Sequence[str]) -> tuple[Dose, ...]:
        """A teen's doses, all in 2022, of their age group's vaccine."""
        status = self._teen_status[int(self.uniform() * len(self._teen_status))]
        if status == 0 or year not in self._teens:
            return ()
        vaccine, begin = self._teens[year]
        days = [begin + int(self.uniform() ** 2 * 180)]
        doses, interval = self._on[vaccine][days[0] - START]
        while status == 2 and len(days) < doses:
            days.append(days[-1] + self._gap(interval))
        return self._record(vaccine, days, centres, None)

    def _full(self, vaccine: str, centres: Sequence[str]) -> tuple[Dose, ...]:
        if vaccine not in self._latest_complete:
            vaccine = COVISHIELD  # e.g. Covovax began too late to finish in 2021
        days = [self._first_day(self._rollout[vaccine], self._latest_complete[vaccine])]
        doses, interval = self._on[vaccine][days[0] - START]
        while len(days) < doses:
            day = days[-1] + self._gap(interval)
            days.append(day if day <= END_2021 else days[-1] + interval)
        booster = None
        if self._precaution and self.uniform() < PRECAUTION:
            programme, wait = self._precaution
            earliest = max(days[-1] + wait, programme)
            booster = max(earliest, min(earliest + int(self.uniform() * 100), END_2022))
        return self._record(vaccine, days, centres, booster)

    def _partial(self, vaccine: str, centres: Sequence[str]) -> tuple[Dose, ...]:
        if self._on[vaccine][END_2021 - START][0] < 2 or self._rollout[vaccine] > END_2021:
            vaccine = COVISHIELD  # one dose completes Janssen: it is never partial
        days = [self._first_day(self._rollout[vaccine], END_2021)]
        doses, interval = self._on[vaccine][days[0] - START]
        if self.uniform() < COMPLETED_IN_2022:
            next_year = END_2021 + 1 + int(self.uniform() ** 2 * 120)
            days.append(max(days[0] + self._gap(interval), next_year))
            while len(days) < doses:
                days.append(days[-1] + self._gap(interval))
        return self._record(vaccine, days, centres, None)

    def _first_day(self, low: int, high: int) -> int:
        """A day of 2021 from `low` to `high`, weighted by how busy its month was."""
        busy = self._busy
        base = busy[low - START - 1] if low > START else 0.0
        mark = base + self.uniform() * (busy[high - START] - base)
        return START + min(max(bisect_right(busy, mark), low - START), high - START)

    def _gap(self, interval: int) -> int:
        """Days to the next dose: 12-16 weeks for an 84-day minimum, else up to 1.5 times it."""
        spread = 28 if interval >= 84 else interval // 2
        draw = self.uniform()
        if draw < SHORT_INTERVAL:  # too early: the status engine warns
            return interval - 1 - int(draw / SHORT_INTERVAL * spread)
        return interval + int((draw - SHORT_INTERVAL) / (1 - SHORT_INTERVAL) * (spread + 1))

    def _record(
        self, vaccine: str, days: list[int], centres: Sequence[str], booster: int | None
    ) -> tuple[Dose, ...]:
        """The doses, numbered from 1, mostly at one centre, with the batch it used that day."""
        uniform, batches = self.uniform, self._batches[vaccine]
        centre = int(uniform() * len(centres))
        doses = []
        for number, day in enumerate(days, start=1):
            batch = batches[(day + 17 * centre) % len(batches)]
            doses.append(
                Dose(vaccine, number, _PRIMARY, _DATES[day - START], centres[centre], batch)
            )
            if uniform() >= SAME_CENTRE:
                centre = int(uniform() * len(centres))
        if booster is not None:
            batch = batches[(booster + 17 * centre) % len(batches)]
            date = _DATES[booster - START]
            doses.append(Dose(vaccine, len(days) + 1, _PRECAUTION, date, centres[centre], batch))
        return tuple(doses)


def _series_by_day(rules: RuleSet) -> dict[str, list[tuple[int, int]]]:
    """Per vaccine of the rule set: (doses, minimum interval) of a series begun on each day."""
    found: dict[str, list[tuple[int, int]]] = {}
    for code in rules.catalogue.codes:
        for date in _DATES:
            schedule = rules.schedule(code, date)
            if schedule is None:
                break
            found.setdefault(code, []).append((schedule.doses, schedule.min_interval_days))
    return found


def _rollout(rules: RuleSet, code: str) -> int:
    """The first day of the campaign the vaccine could be given (its earliest schedule's)."""
    earliest = rules.schedule(code, dt.date.min)
    return max(earliest.effective_from.toordinal() if earliest else START, START)


def _precaution_wait(rules: RuleSet) -> tuple[int, int] | None:
    """The first day of the precaution programme, and the days it then asked after a series."""
    start = rules.precaution_programme_start
    policy = rules.precaution_policy(start) if start else None
    if start is None or policy is None:
        return None
    return start.toordinal(), 7 * policy.min_weeks_after_primary


def _batch(vaccine: str, rng: random.Random) -> str:
    """A batch number: Covishield's look like `4121Z025`, the others' like `EB5847`."""
    if vaccine == COVISHIELD:
        return f"41{rng.randint(20, 22)}Z{rng.randint(1, 350):03d}"
    return f"{''.join(rng.choices(_LETTERS, k=2))}{rng.randint(1000, 9999)}"
