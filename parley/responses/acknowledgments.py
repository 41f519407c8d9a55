"""Does a buyer message only thank or acknowledge? Conservative, English and German. Pure.

A message counts as an acknowledgment only when every word of it (after the greeting, the
closing and the signature are taken off, and quoted earlier mail is dropped) belongs to a
small vocabulary of thanks and "it arrived, all good", and at least one thanking or
acknowledging phrase is there. Anything else (a question mark, a word of a request, a
problem, a negation, a word the vocabulary does not know) makes it a message that needs an
answer. Wrong in the safe direction: a real thank-you with an unusual word still starts the
clock; a question never stops it.
"""

from __future__ import annotations

import re
import unicodedata

MAX_WORDS = 60

# Lines that start quoted mail: everything after them is the earlier conversation.
_QUOTE_START = re.compile(
    r"^\s*(>|-{2,}\s*(original message|ursprüngliche nachricht)|on .{0,200} wrote:|"
    r"am .{0,200} schrieb|from:|von:|sent from my|von meinem .{0,40} gesendet)",
    re.IGNORECASE,
)
_SIGNATURE = re.compile(r"^\s*--\s*$")

_GREETING = re.compile(
    r"^\s*(hi|hello|hey|dear|good (morning|afternoon|evening)|hallo|hi there|moin|servus|"
    r"guten (tag|morgen|abend)|liebe[rs]?|sehr geehrte[rs]?( damen und herren)?|"
    r"grüß gott|grüezi)\b[^\n.!]{0,40}?[,!:\n]",
    re.IGNORECASE,
)
_CLOSINGS = (
    "best regards|kind regards|regards|best wishes|best|cheers|thanks again|many thanks|"
    "all the best|greetings|sincerely|yours|"
    "viele grüße|viele grüsse|liebe grüße|liebe grüsse|beste grüße|beste grüsse|"
    "freundliche grüße|freundliche grüsse|mit freundlichen grüßen|mit freundlichen grüssen|"
    "schöne grüße|schöne grüsse|herzliche grüße|herzliche grüsse|grüße|grüsse|gruß|gruss|"
    "lg|vg|mfg|bg"
)
_CLOSING = re.compile(rf"(?:^|[\s,.!])({_CLOSINGS})\s*[,.!]?\s*(\n.*)?$", re.IGNORECASE | re.DOTALL)

# At least one of these must be present: the thanks or the acknowledgment itself.
_ACK = re.compile(
    r"\b(thanks?|thank you|thx|ty|much appreciated|appreciated|cheers|got it|received|"
    r"arrived|came|all good|perfect|great|danke|dank|dankeschön|"
    r"herzlichen dank|angekommen|erhalten|alles gut|alles bestens|bestens|passt|super|"
    r"prima|perfekt|top)\b",
    re.IGNORECASE,
)

# The whole vocabulary an acknowledgment may use (lowercase words).
_WORDS = """
    thanks thank you thx ty so much very many a lot again kindly appreciated appreciate
    much all good great perfect perfectly fine well wonderful excellent awesome lovely
    nice brilliant fantastic amazing super ok okay got it received receive arrived
    arrive came safely safe and sound today yesterday just now this morning in one piece
    the a an my your our item items order package parcel delivery goods product shoes
    everything has have is was were it its it's has been all looks look works working
    as described expected exactly what i we wanted needed love loved like happy very
    glad pleased satisfied quick fast prompt speedy service shipping for to with of
    quickly great job well done fine noted understood will do sounds sound that's that
    thats alright right cool wow just wanted say let you know confirm confirming
    also too really absolutely truly quite
    danke dankeschön dankesehr vielen lieben herzlichen besten dank schön schöne sehr
    alles gut bestens super prima perfekt toll klasse top passt wunderbar einwandfrei
    angekommen erhalten bekommen heil gut unbeschädigt wohlbehalten pünktlich schnell
    heute gestern eben gerade soeben das die der paket päckchen sendung ware artikel
    bestellung lieferung schuhe ist sind war hat haben alles ich wir bin sind sehr
    zufrieden glücklich froh begeistert freue mich uns genau wie beschrieben erwartet
    für den die das ihre ihren eure euren tolle tollen schnellen schnelle service versand
    nochmal nochmals mal auch wirklich echt ganz ok okay in ordnung verstanden alles
    klar bescheid sagen wollte wollten kurz geben gebe mitteilen funktioniert
    einwandfrei bestens und
    condition fit fits letting me confirmed info information warranty manual
    antwort info infos da euch ihnen dir lieben garantie anleitung
"""
_VOCABULARY = frozenset(_WORDS.split())

# Any of these anywhere means a question, a request or a problem: never an acknowledgment.
_NEEDS_ANSWER = re.compile(
    r"\?|"
    r"\b(not|no|never|n't|dont|didnt|doesnt|isnt|wasnt|havent|hasnt|cannot|cant|wont|but|"
    r"however|although|though|except|unfortunately|sadly|problem|issue|broken|damaged|"
    r"missing|wrong|defect|defective|faulty|late|delay|delayed|refund|return|cancel|"
    r"exchange|replace|replacement|please|pls|plz|could|would|can|should|need|want|"
    r"when|where|why|how|what|which|who|whether|if|still|yet|only|instead|complain|"
    r"disappointed|invoice|receipt|tracking|help|send|resend|question|wondering|"
    r"nicht|kein|keine|keinen|nie|niemals|aber|jedoch|allerdings|leider|problem|kaputt|"
    r"beschädigt|defekt|fehlt|fehlen|falsch|verspätet|erstattung|rückgabe|zurück|"
    r"storno|stornieren|umtausch|ersatz|bitte|könnten|können|kann|könnte|würden|würde|"
    r"sollte|brauche|brauchen|möchte|möchten|wann|wo|wieso|weshalb|warum|wie viel|welche|"
    r"welcher|wer|ob|noch|statt|reklamation|enttäuscht|rechnung|quittung|"
    r"sendungsnummer|hilfe|schicken|senden|frage|fragen|nur)\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"[\w']+", re.UNICODE)


def _body(text: str) -> str:
    """The message's own words: quoted mail and the signature taken off."""
    kept = []
    for line in text.replace("\r\n", "\n").split("\n"):
        if _QUOTE_START.match(line) or _SIGNATURE.match(line):
            break
        kept.append(line)
    return "\n".join(kept).strip()


def _strip_frame(text: str) -> str:
    """Greeting at the start, closing (and the name after it) at the end."""
    text = _GREETING.sub("", text, count=1).strip()
    text = _CLOSING.sub("", text).strip() or text  # "Many thanks!" alone is the message
    lines = [line for line in text.split("\n") if line.strip()]
    # A last line of one or two capitalized words and nothing else is a name.
    if len(lines) > 1 and re.fullmatch(r"\s*([A-ZÄÖÜ][\w.-]*\s*){1,2}", lines[-1]):
        lines.pop()
    return "\n".join(lines).strip()


def only_acknowledges(subject: str, text: str) -> bool:
    """True only for a message that does nothing but thank or acknowledge."""
    body = unicodedata.normalize("NFKC", _body(text))
    subject = unicodedata.normalize("NFKC", subject or "")
    # A reply's subject is the other side's words; a new message's subject is the buyer's.
    own_subject = not re.match(r"^\s*(re|aw|antw|sv)\s*:", subject, flags=re.IGNORECASE)
    if _NEEDS_ANSWER.search(body) or (own_subject and _NEEDS_ANSWER.search(subject)):
        return False
    words_of_body = _strip_frame(body)
    words = [w.lower() for w in _WORD.findall(words_of_body)]
    if not words or len(words) > MAX_WORDS:
        return False
    if any(w not in _VOCABULARY and not w.isdigit() for w in words):
        return False
    # Digits alone (an order number) are fine; a body of nothing but digits is not thanks.
    return bool(_ACK.search(words_of_body))
