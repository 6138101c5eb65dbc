"""The rules every backend's output must follow, as code: noise removal, private data, vague times, names.

The LLM backends are asked to follow them in their prompt and get :func:`scrub_private` applied after
(cheap insurance); the offline simplifier applies all of them itself. Our fixed name lists replace a
person's name by a name with the same initial, the same one for the same person within a document.
"""

from __future__ import annotations

import html
import re

# Our own replacement names, a few per initial (plain, short, common in children's books).
NAMES_BY_INITIAL = {
    "A": ["Amy", "Adam", "Anna"], "B": ["Ben", "Bella", "Bob"], "C": ["Carl", "Cora", "Cody"],
    "D": ["Dan", "Dora", "Dave"], "E": ["Emma", "Eli", "Eva"], "F": ["Fred", "Fay", "Finn"],
    "G": ["Gus", "Gina", "Gabe"], "H": ["Hal", "Hana", "Hugo"], "I": ["Ivy", "Ian", "Ida"],
    "J": ["Jack", "Jane", "Joe"], "K": ["Kate", "Kim", "Kyle"], "L": ["Lily", "Leo", "Lucy"],
    "M": ["Max", "Mia", "Mark"], "N": ["Nina", "Ned", "Nora"], "O": ["Olly", "Owen", "Olga"],
    "P": ["Pam", "Paul", "Pete"], "Q": ["Quinn", "Queenie", "Quentin"], "R": ["Rosa", "Ray", "Ruby"],
    "S": ["Sam", "Sara", "Sid"], "T": ["Tom", "Tina", "Ted"], "U": ["Uma", "Ulf", "Una"],
    "V": ["Vic", "Vera", "Vince"], "W": ["Will", "Wendy", "Walt"], "X": ["Xena", "Xavi", "Xia"],
    "Y": ["Yuri", "Yara", "Yves"], "Z": ["Zoe", "Zack", "Zara"],
}
REPLACEMENT_NAMES = frozenset(n for names in NAMES_BY_INITIAL.values() for n in names)
PLACE_WORDS = {"city": "XX city", "country": "XX country", "place": "XX place"}

EMAIL_RE = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
URL_RE = re.compile(r"\b(?:https?://|www\.)[^\s<>\"')\]]+|\b[\w-]+(?:\.[\w-]+)*\.(?:com|org|net|edu|gov|io)\b(?:/[^\s]*)?",
                    re.I)
PHONE_RE = re.compile(r"(?<![\w-])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{2,4}\)[\s.-]?)?\d{3,4}[\s.-]\d{3,4}(?:[\s.-]\d{2,4})?(?![\w-])")
_MONTHS = r"(?:January|February|March|April|May|June|July|August|September|October|November|December|" \
          r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.?"
DATE_RES = [
    (re.compile(rf"\b(?:on\s+)?{_MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{3,4}}\b"), "one day"),
    (re.compile(rf"\b(?:on\s+)?\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTHS},?\s+\d{{3,4}}\b"), "one day"),
    (re.compile(rf"\b{_MONTHS}\s+\d{{3,4}}\b"), "one month"),
    (re.compile(r"\b\d{4}-\d{2}-\d{2}\b"), "one day"),
    (re.compile(r"\b(?:1[0-9]|20)\d0s\b"), "a time long ago"),
    (re.compile(r"\b(?:1[0-9]|20)\d\d\s*[-–]\s*(?:1[0-9]|20)?\d\d\b"), "some years"),
    # a bare year only where it reads as one ("in 1153", "(1527", "1527)"), not "nearly 1000 species"
    (re.compile(r"\b(?P<pre>in|of|by|to|on|since|from|until|after|before|around|about|circa|c\.) (?:1[0-9]|20)\d\d\b",
                re.I), r"\g<pre> a year long ago"),
    (re.compile(r"(?<=\()(?:1[0-9]|20)\d\d\b|\b(?:1[0-9]|20)\d\d(?=[),;])"), "a year long ago"),
    (re.compile(r"\b\d{1,2}:\d{2}\s*(?:[ap]\.?m\.?)?", re.I), "some time"),
]
_BOILERPLATE_RE = re.compile(
    r"cookie|subscribe|sign up|log in|click here|all rights reserved|advertisement|sponsored|share this|"
    r"terms of (?:use|service)|privacy policy|follow us|read more|skip to (?:main )?content|copyright ©|^\s*©",
    re.I)
_MARKUP = [
    (re.compile(r"<!--.*?-->", re.S), ""),
    (re.compile(r"<(script|style)\b.*?</\1>", re.S | re.I), ""),
    (re.compile(r"</?[A-Za-z][^>]*>"), ""),
    (re.compile(r"\{\{[^{}]*\}\}"), ""),                     # wiki templates
    (re.compile(r"\[\[(?:[^|\]]*\|)?([^\]]+)\]\]"), r"\1"),  # wiki links -> their label
    (re.compile(r"!\[[^\]]*\]\([^)]*\)"), ""),               # markdown images
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),           # markdown links -> their label
    (re.compile(r"'{2,}"), ""),                              # wiki bold / italics
    (re.compile(r"[ \t]{2,}"), " "),
]


def remove_noise(text: str) -> str:
    """Markup out, HTML entities decoded, and lines that are ads or site boilerplate dropped."""
    text = html.unescape(text)
    for pattern, repl in _MARKUP:
        text = pattern.sub(repl, text)
    lines = [ln for ln in text.split("\n") if not (_BOILERPLATE_RE.search(ln) and len(ln.split()) < 25)]
    return "\n".join(lines)


def scrub_private(text: str) -> str:
    """E-mail addresses, URLs and phone numbers replaced by what they are."""
    text = EMAIL_RE.sub("an email address", text)
    text = URL_RE.sub("a website", text)
    return PHONE_RE.sub(_phone, text)


def _phone(m: re.Match) -> str:
    return "a phone number" if sum(ch.isdigit() for ch in m.group()) >= 7 else m.group()


def vague_times(text: str) -> str:
    for pattern, repl in DATE_RES:
        text = pattern.sub(repl, text)
    return text


def private_data(text: str) -> list[str]:
    """What private data is left in ``text`` (for the validator)."""
    found = EMAIL_RE.findall(text) + URL_RE.findall(text)
    found += [m.group() for m in PHONE_RE.finditer(text) if sum(ch.isdigit() for ch in m.group()) >= 7]
    return found


class NameMap:
    """Original person name -> our replacement, stable within one document (same person, same name)."""

    def __init__(self):
        self.names: dict[str, str] = {}

    def person(self, original: str) -> str:
        key = original.split()[-1].lower() if len(original.split()) > 1 else original.lower()
        if key not in self.names:
            initial = original[0].upper()
            options = NAMES_BY_INITIAL.get(initial, NAMES_BY_INITIAL["S"])
            used = set(self.names.values())
            self.names[key] = next((n for n in options if n not in used), options[len(self.names) % len(options)])
        return self.names[key]
