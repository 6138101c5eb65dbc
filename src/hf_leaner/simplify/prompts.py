"""The instructions we give an LLM to rewrite one chunk, per genre, and the parser of its answer.

Two prompt styles: ``full`` (every rule, a genre note, one worked turn, the answer inside ``<simple>`` and
``</simple>``) for capable models, and ``short`` (one plain request, no markers) for small ones: SmolLM2-135M
echoes the input or the worked example under the full prompt, but rewrites a sentence or two asked plainly.

The parser takes the one ``<simple>`` block when there is one; without markers it takes the reply itself once
a chatty preamble ("Here is the simpler text:"), an echoed "Text: ..." prefix and closing chatter are cut off.
It never takes chatter alone, a copy of the input, a copy of our worked example, or a reply looping on one
phrase: those are parse failures, asked again and recorded if they persist.
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


SHORT_REQUEST = "Rewrite this text in simple words for a young child. Use short sentences."
PROMPT_STYLES = ("full", "short")


def build_messages(text: str, genre: str, kind: str = "prose", attempt: int = 0, style: str = "full") -> list[dict]:
    """Chat messages for one chunk; a retry (``attempt`` > 0) stresses what usually went wrong."""
    if style == "short" and kind == "prose":
        # one user turn, as small instruct models saw rewrite requests in training; a retry is the same
        # request (the backend asks it at a higher temperature)
        return [{"role": "user", "content": f"{SHORT_REQUEST}\n\n{text}"}]
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
# a first line that only announces the answer: "Sure! Here's a simpler version:", "Simple text:", "Rewrite:"
_PREAMBLE_RE = re.compile(r"^\s*(?:(?:sure|okay|ok|of course|certainly)\b[^\n]*?[.!:,]\s*)?"
                          r"(?:here(?:'s| is| are)\b[^\n]*?:|(?:the\s+)?(?:simple|simpler|simplified|rewritten|new|"
                          r"easy|easier)\s+(?:text|version|words|sentences?)\s*:|rewrite\s*:|answer\s*:)[ \t]*\n?",
                          re.I)
_ECHO_PREFIX_RE = re.compile(r"^\s*text\s*:\s*", re.I)
# a closing paragraph about the answer rather than part of it
_CHATTER_RE = re.compile(r"^\s*(?:this (?:is a|rewrite|version|text|simple)|i hope|i (?:have|'ve) |note:|in this "
                         r"(?:version|rewrite)|rewrite:|let me know|the (?:rewritten|simplified|simple) (?:text|version))",
                         re.I)
_ONLY_CHATTER_RE = re.compile(r"^\s*(?:sure|of course|certainly|i can|i'd be happy|i will|i'll|here(?:'s| is) (?:the|a|"
                             r"your) (?:simpl|rewrit|new|easi))[^\n]*$", re.I)


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+(?:'[a-z]+)?", text.lower())


def is_echo(reply: str, source: str, threshold: float = 0.9) -> bool:
    """Whether ``reply`` is (nearly) a copy of ``source``, word for word: the model did not rewrite."""
    from difflib import SequenceMatcher

    a, b = _words(reply), _words(source)
    return bool(a) and bool(b) and SequenceMatcher(None, a, b, autojunk=False).ratio() >= threshold


def is_looping(reply: str, n: int = 4, times: int = 3) -> bool:
    """Whether one ``n``-word phrase comes back ``times`` times or more (a small model stuck in a loop)."""
    ws = _words(reply)
    counts: dict[tuple, int] = {}
    for i in range(len(ws) - n + 1):
        key = tuple(ws[i:i + n])
        counts[key] = counts.get(key, 0) + 1
        if counts[key] >= times:
            return True
    return False


def _unmarked_body(answer: str, source: str | None) -> str:
    """The rewrite in a reply without markers: a preamble, an echoed "Text: <input>" and closing chatter cut."""
    body = answer.strip()
    if OPEN in body:  # an open marker the model never closed (or ran out of tokens before closing)
        body = body.split(OPEN, 1)[1]
    body = body.replace(CLOSE, "")
    if source and _ECHO_PREFIX_RE.match(body):  # "Text: <the input> ... <rewrite>": drop the echoed input
        rest = _ECHO_PREFIX_RE.sub("", body, count=1)
        if rest.startswith(source.strip()):
            body = rest[len(source.strip()):]
    body = _PREAMBLE_RE.sub("", body, count=1).strip()
    paragraphs = re.split(r"\n\s*\n", body)
    while len(paragraphs) > 1 and _CHATTER_RE.match(paragraphs[-1]):
        paragraphs.pop()
    return "\n\n".join(paragraphs).strip()


def parse_answer(answer: str | None, source: str | None = None, kind: str = "prose") -> str:
    """The rewrite in ``answer``; ``source`` (the chunk asked about) lets it reject a copy of the input (prose
    only: a code block whose comments are plain already comes back unchanged, rightly).

    Raises AnswerFormatError for no usable rewrite: an empty reply, two blocks, chatter alone, a copy of the
    input or of our worked example, a loop."""
    if not answer or not answer.strip():
        raise AnswerFormatError("empty answer")
    blocks = _BLOCK_RE.findall(answer)
    if len(blocks) > 1:
        raise AnswerFormatError(f"expected one {OPEN}...{CLOSE} block, found {len(blocks)}")
    body = blocks[0].strip() if blocks else _unmarked_body(answer, source)
    if not body or OPEN in body or CLOSE in body:
        raise AnswerFormatError("empty or nested answer block")
    if kind != "prose":
        return body
    if not blocks and _ONLY_CHATTER_RE.match(body):
        raise AnswerFormatError("chatter, no rewrite")
    if source and is_echo(body, source):
        raise AnswerFormatError("a copy of the input, not a rewrite")
    if is_echo(body, PROSE_EXAMPLE[1], 0.8) and not (source and is_echo(source, PROSE_EXAMPLE[0], 0.5)):
        raise AnswerFormatError("a copy of the worked example, not a rewrite")
    if is_looping(body) and not (source and is_looping(source)):
        raise AnswerFormatError("the answer loops on one phrase")
    return body
