"""The instructions we give an LLM to rewrite one chunk, per genre, and the strict parser of its answer.

The answer must hold exactly one block between ``<simple>`` and ``</simple>``; anything else (no block,
two blocks, an empty block, a block that is only the markers' echo) is a parse failure, retried like an
endpoint fault and recorded if it persists.
"""

from __future__ import annotations

import re

OPEN, CLOSE = "<simple>", "</simple>"

RULES = (
    "Rewrite the text below in very plain English, as for a young child learning to read.\n"
    "- Use only the most common English words (about 2,000 everyday words). Swap rare words for common ones.\n"
    "- Use short sentences: one idea per sentence.\n"
    "- Keep every fact and the order of ideas. Do not add facts, opinions or a summary of your own.\n"
    "- Drop noise: web markup, ads, menus, links, cookie notices and other site text.\n"
    "- People: replace each real person's name with a simple first name that starts with the same letter "
    "(for example Albert Einstein -> Amy, Barack Obama -> Ben); keep it the same for the same person.\n"
    "- Places: write a city as \"XX city\", a country as \"XX country\", any other named place as \"XX place\".\n"
    "- Times: make dates and years vague (\"one day\", \"a year long ago\", \"some years later\").\n"
    "- Private data: write \"an email address\", \"a website\", \"a phone number\" instead of the real ones.\n"
)

GENRE_NOTES = {
    "web": "The text is from a web page.",
    "book": "The text is part of a book. Keep the story, the speakers and what they say.",
    "wiki": "The text is part of an encyclopedia article. Keep it factual and neutral.",
    "textbook": "The text is part of a lesson. Keep its headings, lists and questions, in simple words.",
    "conversation": "The text is a dialogue. Keep each turn and who speaks, in simple words.",
    "code": "The text describes a programming task. Keep code names, numbers and any code exactly as they are.",
    "instruction": "The text is an instruction and its answer. Keep what is asked and what is answered.",
}

CODE_RULES = (
    "Below is a block of code. Keep every line of code exactly as it is. Only rewrite the comments "
    "(after # or //) in very plain English with common words. Return the whole block.\n"
)

FORMAT = f"Write only the rewritten text between {OPEN} and {CLOSE}, nothing before or after."

# our own worked examples (they show the rules at work: a name by its initial, places, a vague time, an e-mail)
PROSE_EXAMPLE = (
    "Dr. Margaret Hollis relocated from Boston to Lisbon in March 2011 to pursue research in marine biology; "
    "inquiries may be sent to m.hollis@example.org.",
    "Mia moved from XX city to XX city one spring, some years ago. She went there to study the animals and plants "
    "of the sea. People who have questions can write to an email address.",
)
CODE_EXAMPLE = (
    "def mean(xs):\n    # compute the arithmetic average of the sequence\n    return sum(xs) / len(xs)",
    "def mean(xs):\n    # add up the numbers and divide by how many there are\n    return sum(xs) / len(xs)",
)


def build_messages(text: str, genre: str, kind: str = "prose", attempt: int = 0) -> list[dict]:
    """Chat messages for one chunk; a retry (``attempt`` > 0) stresses what usually went wrong."""
    if kind == "code":
        system = CODE_RULES + FORMAT
    else:
        system = RULES + GENRE_NOTES.get(genre, "") + "\n" + FORMAT
    if attempt:
        system += ("\nYour last answer was not usable: answer with the full rewritten text, in common words, "
                   f"inside one {OPEN}...{CLOSE} block.")
    example = CODE_EXAMPLE if kind == "code" else PROSE_EXAMPLE
    # one worked turn: small models follow a format they have seen far more often than one they were told
    return [{"role": "system", "content": system},
            {"role": "user", "content": f"Text:\n{example[0]}"},
            {"role": "assistant", "content": f"{OPEN}{example[1]}{CLOSE}"},
            {"role": "user", "content": f"Text:\n{text}"}]


class AnswerFormatError(ValueError):
    pass


_BLOCK_RE = re.compile(re.escape(OPEN) + r"(.*?)" + re.escape(CLOSE), re.S)


def parse_answer(answer: str | None) -> str:
    """The text inside the one ``<simple>...</simple>`` block of ``answer``; raises AnswerFormatError."""
    if not answer or not answer.strip():
        raise AnswerFormatError("empty answer")
    blocks = _BLOCK_RE.findall(answer)
    if len(blocks) != 1:
        raise AnswerFormatError(f"expected one {OPEN}...{CLOSE} block, found {len(blocks)}")
    body = blocks[0].strip()
    if not body or OPEN in body or CLOSE in body:
        raise AnswerFormatError("empty or nested answer block")
    return body
