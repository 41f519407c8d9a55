"""Is a message really from the domain in its From header? DMARC-aligned authentication.

Pure: the only DNS look-up it may need (a DKIM public key) goes through a function the
caller passes in, so the same code runs over the system resolver in Lambda and over a static
zone locally and in tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from parley.core.lookups import TemporaryDnsError, TxtLookup

if TYPE_CHECKING:
    from publicsuffixlist import PublicSuffixList

STRICT = "strict"
DMARC_POLICY = "dmarc-policy"
MODES = (STRICT, DMARC_POLICY)
MAX_SIGNATURES = 5  # each costs a DNS look-up and an RSA verification: bounded
_ENFORCED = {"reject", "quarantine"}


@dataclass(frozen=True)
class Verdicts:
    """SES's receipt verdicts: PASS, FAIL, GRAY or PROCESSING_FAILED."""

    spf: str = "GRAY"
    dkim: str = "GRAY"
    dmarc: str = "GRAY"
    virus: str = "GRAY"
    spam: str = "GRAY"
    dmarc_policy: str | None = None  # only when DMARC fails: none, quarantine, reject

    @property
    def dmarc_enforced(self) -> bool:
        """DMARC failed and the From domain's owner asks receivers to refuse the message."""
        return self.dmarc == "FAIL" and (self.dmarc_policy or "").lower() in _ENFORCED

    @property
    def spoofed(self) -> bool:
        return self.dmarc_enforced or (self.spf == "FAIL" and self.dkim == "FAIL")


@dataclass(frozen=True)
class Authentication:
    aligned: bool  # DMARC pass, or no DMARC record and an aligned SPF or DKIM pass
    accepted: bool  # what the marketplace's setting lets in (the same as aligned when strict)
    method: str  # dmarc, spf-aligned, dkim-aligned, dmarc-policy-none; or dmarc-<verdict>


@lru_cache(maxsize=1)
def _psl() -> PublicSuffixList:
    from publicsuffixlist import PublicSuffixList

    return PublicSuffixList()


def organizational_domain(domain: str) -> str:
    """The registrable domain (a public suffix plus one label), per the Public Suffix List."""
    name = domain.lower().rstrip(".")
    found = _psl().privatesuffix(name)
    return str(found) if found else name


def aligned(a: str, b: str, *, strict: bool = False) -> bool:
    """DMARC identifier alignment: relaxed compares organizational domains."""
    a, b = a.lower().rstrip("."), b.lower().rstrip(".")
    if not a or not b:
        return False
    return a == b if strict else organizational_domain(a) == organizational_domain(b)


def mail_from_domain(mail_from: str) -> str:
    """The domain of the envelope sender (SES's mail.source); '' for the null sender."""
    address = mail_from.strip().strip("<>")
    return address.rpartition("@")[2].lower().rstrip(".") if "@" in address else ""


def verified_dkim_domains(raw: bytes, lookup: TxtLookup) -> list[str]:
    """The d= domains of the DKIM signatures that verify (dkimpy), of the first few.

    A signature with a body length limit (l=) does not count: anything may follow the signed
    part, so it vouches for nothing the recipient reads.
    """
    import dkim
    from dkim.util import parse_tag_value

    def dnsfunc(name: bytes | str, timeout: int = 5) -> bytes | None:
        text = name.decode("ascii", "replace") if isinstance(name, bytes) else name
        keys = [r for r in lookup(text.rstrip(".")) if "p=" in r]
        return keys[0].encode() if keys else None

    try:
        verifier = dkim.DKIM(raw, minkey=1024, timeout=5)
    except Exception:  # dkimpy parses the message itself; what it cannot read is unsigned
        return []
    signatures = [v for k, v in verifier.headers if k.lower() == b"dkim-signature"]
    domains = []
    for index, value in enumerate(signatures[:MAX_SIGNATURES]):
        try:
            if b"l" in parse_tag_value(value):
                continue
            valid = verifier.verify(idx=index, dnsfunc=dnsfunc)
        except TemporaryDnsError:
            raise
        except Exception:  # dkim.DKIMException and the crypto layer's errors: not valid
            valid = False
        if valid and verifier.domain:
            domains.append(verifier.domain.decode("ascii", "replace").lower())
    return domains


def authenticate(
    *,
    from_domain: str,
    mail_from: str,
    verdicts: Verdicts,
    raw: bytes | None,
    lookup: TxtLookup,
    mode: str = STRICT,
) -> Authentication:
    """Whether the From domain authenticated the message, with DMARC alignment.

    DMARC PASS (SES evaluated the From domain's policy) is enough. Without a DMARC record
    (GRAY), SPF must pass for a MAIL FROM domain that aligns (relaxed) with the From domain,
    or a DKIM signature whose d= aligns must verify: checked here from the raw mail, because
    SES's dkimVerdict does not say for which domain. DMARC FAIL or PROCESSING_FAILED is not
    authenticated. This is stricter than DMARC's `p=none` on purpose; the `dmarc-policy` mode
    also lets in a DMARC FAIL whose domain publishes `p=none` (never for a notice).
    """
    method = _aligned_method(from_domain, mail_from, verdicts, raw, lookup)
    if method is not None:
        return Authentication(aligned=True, accepted=True, method=method)
    if mode == DMARC_POLICY and verdicts.dmarc == "FAIL" and not verdicts.dmarc_enforced:
        return Authentication(aligned=False, accepted=True, method="dmarc-policy-none")
    return Authentication(aligned=False, accepted=False, method=f"dmarc-{verdicts.dmarc.lower()}")


def _aligned_method(
    from_domain: str, mail_from: str, verdicts: Verdicts, raw: bytes | None, lookup: TxtLookup
) -> str | None:
    if verdicts.dmarc == "PASS":
        return "dmarc"
    if verdicts.dmarc != "GRAY":
        return None
    if verdicts.spf == "PASS" and aligned(mail_from_domain(mail_from), from_domain):
        return "spf-aligned"
    signed = verdicts.dkim == "PASS" and raw is not None
    if signed and any(aligned(d, from_domain) for d in verified_dkim_domains(raw or b"", lookup)):
        return "dkim-aligned"
    return None
