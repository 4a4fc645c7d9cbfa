"""Name matching: which one person on a mobile number a typed full name means.

A provider types a full name; the registry holds up to six people on the mobile. The typed name
picks a person when it matches that person's registered name and no one else's.

Both names become a `NameKey` (`name_key`): Unicode NFKC, Indic script transliterated to Latin
by the `ToLatin` function the caller passes in, diacritics stripped, case folded, punctuation
dropped, titles dropped (Mr, Smt, Dr, Thiru, श्री, શ્રીમતી, ਸਰਦਾਰ, শ্রীমতী, திருமதி...), each
word folded phonetically so that common spellings of one Indian name agree (Lakshmi/Laxmi,
Chaudhary/Choudhary, Pooja/Puja, Kamla/Kamala, Bhaveshbhai/Bhavesh, Shah/Sha,
Mohd/Mohammed/Muhammad). "Selvi" (Tamil Miss, and a common first name) is dropped only while
two other words remain. "Ji" is a title only as a word of its own ("Ramesh ji"): joined to a
name it is often part of it (Premji, Lalji, Mukherji). A word written in Tamil script, which
has one letter each for k/g, c/j/s, t/d and p/b (and gives the first), also pairs with a word
of another script that folds alike but for those (முருகன் murukan and Murugan); other words keep
their voicing.

Two keys match (`names_match`) when their words pair up one to one in any order, where
  * a word pairs with an equal folded word (or, when just one of the two is Tamil-written, one
    that differs only in the voicing Tamil leaves out);
  * an initial (one letter, as in "R. K. Patel") pairs with a word or initial starting with
    that letter, on either side;
  * at least one pair is two whole words, so initials alone never match;
  * one middle word may be missing: when one name has three or more words and the other has
    one word fewer, the longer one may drop one word that is neither its first nor its last
    ("Asha Patel" matches "Asha Ramesh Patel", not "Asha Ramesh"; and the other way round,
    so the rule is symmetric).
A name made only of titles ("Baby Kumari") keeps them; "Jr" and "Sr" are words, not titles, so a
father and a son can be told apart. A trailing "a" is not folded away (Ankit/Ankita,
Amrit/Amrita are different people); reading `राम` as Ram rather than Rama is the
transliteration's job.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TypeVar

ToLatin = Callable[[str], str]
"""Turns Indic-script text into Latin letters; Latin text passes through."""

K = TypeVar("K")

# Titles and honorifics, dropped as whole words (after punctuation is gone, case folded).
# Checked on the word as typed and on its Latin form, so श्रीमती and shrimati both go.
HONORIFICS = frozenset(
    {
        "mr", "mrs", "ms", "miss", "mx", "dr", "prof", "shri", "shree", "sri", "shriman",
        "smt", "shrimati", "srimati", "kumari", "kum", "km", "ku", "sushri", "sau", "master",
        "baby", "late", "swargiya", "adv", "er", "col", "capt", "maj", "lt", "sardar",
        "bhai", "ben", "bahen", "behen",  # Gujarati "brother"/"sister" after a name
        "ji", "shrimti",  # "ji" written apart after a name; श्रीमती as Hindi says it
        "thiru", "tiru", "thirumathi", "thirumati", "tirumati",  # Tamil Mr, Mrs
        "श्री", "श्रीमान", "श्रीमती", "श्रीमति", "कुमारी", "कु", "सुश्री", "सौ", "डॉ", "डॉक्टर",
        "डा", "स्व", "स्वर्गीय", "भाई", "बहन", "बेन",
        "શ્રી", "શ્રીમાન", "શ્રીમતી", "કુમારી", "કુ", "સૌ", "ડૉ", "ડો", "ડોક્ટર", "સ્વ",
        "ભાઈ", "બેન", "બહેન", "જી", "जी",
        "ਸ੍ਰੀ", "ਸ਼੍ਰੀ", "ਸ੍ਰੀਮਤੀ", "ਸ਼੍ਰੀਮਤੀ", "ਸ੍ਰੀਮਾਨ", "ਕੁਮਾਰੀ", "ਸਰਦਾਰ", "ਡਾ", "ਜੀ",
        "শ্রী", "শ্রীমতী", "শ্রীমতি", "শ্রীমান", "কুমারী", "ডাঃ", "ডা",
        "திரு", "திருமதி", "ஸ்ரீ", "ஸ்ரீமதி", "குமாரி", "டாக்டர்",
    }
)  # fmt: skip
# Titles that are also given names (Tamil "Selvi", Miss, is a common first name): dropped only
# while two other words remain ("Selvi Kavitha Rajan" is Kavitha Rajan; "Selvi Raman" stays).
TITLES_ALSO_NAMES = frozenset({"selvi", "செல்வி"})

_CONSONANT = "[bcdfghjklmnpqrstvwxyz]"

# Phonetic folding of one Latin word, applied in this order; each rule is (pattern, result).
_FOLDS = tuple(
    (re.compile(pattern), result)
    for pattern, result in (
        (r"^(?:m[ou]h[ae]?m{1,2}[ae]d|mohd|mhd|md)$", "muhammad"),  # Mohd, Mohammed, Muhammad
        (r"^ch[ao][uw]dh?[au]?r[iy]$", "chaudhari"),  # Chaudhary, Choudhary, Chowdhury
        (r"^verma$", "varma"),  # वर्मा is varma, written Verma
        (r"sing?h$", "sing"),  # Singh, and Sinh as Gujarati writes it (Jaysinh)
        (r"(?<=[a-z]{3})(?:a?bhai|ben|bahen|behen)$", ""),  # Gujarati Rameshbhai, Ashaben
        (r"(?<=[aeiou])h$", ""),  # Shah/Sha, Farah/Fara
        (r"inder$", "indar"),  # Punjabi -inder as Gurmukhi writes it: ਬਲਵਿੰਦਰ Balwindar
        (r"ksh?", "x"),  # Lakshmi, Laksmi, Laxmi
        (r"^jn|dny|gny", "gy"),  # ज्ञ: Jnanesh, Dnyanesh (Marathi), Gyanesh
        (r"ph", "f"),
        (r"q", "k"),  # Tariq, Tarik
        (r"ou|ow(?![aeiou])", "au"),  # Sourabh/Saurabh, Gowda/Gauda
        (r"e{2,}|i{2,}", "i"),  # Preeti/Priti
        (r"o{2,}|u{2,}", "u"),  # Pooja/Puja
        (r"a{2,}", "a"),  # Aakash/Akash
        (r"ey$", "e"),  # Pandey/Pande
        (rf"(?<={_CONSONANT})y$", "i"),  # Shelly/Shelli
        (r"([bcdgjkpt])h+", r"\1"),  # aspirates: bh ch chh dh gh jh kh th
        (r"sh", "s"),  # Shrinivas/Srinivas, and श/ष/स alike
        (r"z", "j"),  # Zakir/Jakir
        (r"[wb]", "v"),  # Ashwin/Ashvin, and Bengali b/v: Bikash/Vikash, Sourav/Saurabh
        (rf"(?<={_CONSONANT})ru", "ri"),  # Marathi ऋ: Amruta/Amrita, Trupti/Tripti
        (rf"aya(?={_CONSONANT})", "ai"),  # Gaikwad/Gayakwad
        # an unwritten a between two consonants: Kamla/Kamala, Arvind/Aravind, Harpreet; kept
        # before h (Rahul, Shah) and between equal letters (Manan is not Mann, Mamta)
        (rf"(?<=({_CONSONANT}))a(?!\1|h)(?={_CONSONANT})", ""),
        (r"(.)\1+", r"\1"),  # doubled letters: Bhatt/Bhat, Mohammad
    )
)
# A registered full name has at most 120 characters, so at most 60 words; longer text names
# nobody (and pairing its words would take time quadratic in their number).
MAX_WORDS = 60
_APOSTROPHES = frozenset("'`\u2018\u2019\u02bc")


# Tamil script writes one letter for k and g, c and j and s, t and d, p and b, and the
# transliteration gives the voiceless one: in a word written in Tamil each of these letters of the
# fold stands for any of its group in the other word's fold (`NameToken.unvoiced`). The Grantha
# letters ஜ ஸ ஷ are written apart, give j and s, and stand for themselves alone.
_TAMIL_STANDS_FOR = {"k": "kg", "c": "csj", "t": "td", "p": "pbv"}
_UNVOICED_SCRIPTS = ((0x0B80, 0x0BFF),)  # Tamil


@dataclass(frozen=True, slots=True)
class NameToken:
    """One word of a name: its Latin spelling and its phonetic fold; `unvoiced` when it was
    written in a script that does not mark voicing (Tamil)."""

    latin: str
    folded: str
    unvoiced: bool = False

    @property
    def is_initial(self) -> bool:
        """A single letter, as in "R. K. Patel"."""
        return len(self.latin) == 1

    @property
    def head(self) -> str:
        """The first letter of the Latin spelling."""
        return self.latin[0]


@dataclass(frozen=True, slots=True)
class NameKey:
    """A name ready for matching: its words in the order written."""

    tokens: tuple[NameToken, ...]


def name_key(name: str, to_latin: ToLatin) -> NameKey:
    """Normalise a full name as typed or registered (see the module docstring); never raises."""
    words = _words(unicodedata.normalize("NFKC", name).casefold())
    latin = [_words(_plain(to_latin(word))) for word in words]
    written = list(zip(words, latin, strict=True))
    kept = [(word, parts) for word, parts in written if not _is_title(word, parts)]
    named = [(word, parts) for word, parts in kept if not _is_title(word, parts, TITLES_ALSO_NAMES)]
    if len(named) >= 2:
        kept = named
    # a name that is all titles ("Baby Kumari") keeps them
    chosen = [(parts, _is_unvoiced(word)) for word, parts in kept or written]
    return NameKey(
        tuple(NameToken(part, fold(part), unvoiced) for parts, unvoiced in chosen for part in parts)
    )


@lru_cache(maxsize=65536)  # a country has far fewer distinct name words than people
def fold(word: str) -> str:
    """The phonetic fold of one Latin word (lower case, no diacritics)."""
    folded = word
    for pattern, result in _FOLDS:
        folded = pattern.sub(result, folded)
    return folded or word


def _unvoiced_fits(unvoiced: str, other: str) -> bool:
    """Whether `other` spells `unvoiced`, a Tamil-written fold, with voicing Tamil leaves out."""
    return len(unvoiced) == len(other) and all(
        a == b or b in _TAMIL_STANDS_FOR.get(a, "") for a, b in zip(unvoiced, other, strict=True)
    )


def _is_unvoiced(word: str) -> bool:
    return any(low <= ord(ch) <= high for ch in word for low, high in _UNVOICED_SCRIPTS)


def names_match(typed: NameKey, registered: NameKey) -> bool:
    """Whether two keys name the same person by the rule in the module docstring."""
    shorter, longer = sorted((typed.tokens, registered.tokens), key=len)
    if len(longer) > MAX_WORDS:
        return False
    if _pair_up(shorter, longer):
        return True
    if len(longer) < 3 or len(shorter) != len(longer) - 1:
        return False
    return any(_pair_up(shorter, longer[:i] + longer[i + 1 :]) for i in range(1, len(longer) - 1))


def match_one(typed: str, candidates: Sequence[tuple[K, str]], to_latin: ToLatin) -> K | None:
    """The key of the one candidate whose name matches `typed`; None if none or several do."""
    wanted = name_key(typed, to_latin)
    hits = [key for key, name in candidates if names_match(wanted, name_key(name, to_latin))]
    return hits[0] if len(hits) == 1 else None


def _words(text: str) -> list[str]:
    """Split on anything but letters and combining marks; apostrophes join (D'Souza)."""
    chars = []
    for ch in text:
        category = unicodedata.category(ch)
        if ch in _APOSTROPHES or category == "Cf":
            continue
        chars.append(ch if category[0] in "LM" else " ")
    return "".join(chars).split()


def _plain(text: str) -> str:
    """Without diacritics (combining marks of Latin letters), case folded."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return unicodedata.normalize("NFC", bare).casefold()


def _is_title(word: str, latin: list[str], titles: frozenset[str] = HONORIFICS) -> bool:
    return word in titles or "".join(latin) in titles


def _pair_up(a: tuple[NameToken, ...], b: tuple[NameToken, ...]) -> bool:
    """Whether the words of `a` and `b` pair one to one, at least one pair being whole words.

    A search for a pairing, not a greedy one: "Vikash" and "Bikash" fold alike but start with
    different letters, so which of them pairs with "B." decides whether the rest pairs up.
    """
    if len(a) != len(b):
        return False
    options = [[j for j, y in enumerate(b) if _pairs(x, y)] for x in a]
    partner = _pairing(options, len(b))
    if partner is None:
        return False
    whole = [
        (i, j)
        for i, js in enumerate(options)
        for j in js
        if not a[i].is_initial and not b[j].is_initial
    ]
    # A pair outside the pairing found can join another pairing when it closes a cycle of
    # pairs and swaps: word j of b leads back to word i of a.
    return any(partner[j] == i or i in _reachable(j, partner, options) for i, j in whole)


def _pairs(x: NameToken, y: NameToken) -> bool:
    """Whether two words may pair: equal folds, or an initial and a word with its letter; a word
    written in Tamil also pairs with one that differs only in voicing (when the other is not
    written in Tamil too: in one script, different letters are different names)."""
    if x.unvoiced and not y.unvoiced:
        x, y = y, x
    fits = _unvoiced_fits if y.unvoiced and not x.unvoiced else str.__eq__
    if x.is_initial or y.is_initial:
        return fits(y.head, x.head)
    return fits(y.folded, x.folded)


def _pairing(options: list[list[int]], size: int) -> list[int] | None:
    """For each word of b, the word of a it pairs with, all one to one; None if impossible.

    `options[i]` lists the words of b that word i of a may pair with (augmenting paths, Kuhn).
    """
    partner: list[int | None] = [None] * size

    def augment(i: int, seen: set[int]) -> bool:
        for j in options[i]:
            if j not in seen:
                seen.add(j)
                held = partner[j]
                if held is None or augment(held, seen):
                    partner[j] = i
                    return True
        return False

    if not all(augment(i, set()) for i in range(len(options))):
        return None
    return [i for i in partner if i is not None]


def _reachable(j: int, partner: list[int], options: list[list[int]]) -> set[int]:
    """The words of a reached from word j of b by following its pair, then other options."""
    reached: set[int] = set()
    stack = [partner[j]]
    while stack:
        i = stack.pop()
        if i not in reached:
            reached.add(i)
            stack.extend(partner[k] for k in options[i] if k != j)
    return reached
