"""NIST SP 1500-100 Election Results Reporting, version 2, XML form (reading).

The XML is turned into the JSON form's shape (``ObjectId`` → ``@id``, ``xsi:type`` →
``@type``, repeated elements → lists, ID lists split on spaces, numbers parsed) and then read
by :func:`tallyroom.formats.nist_read.elections_from_report`, so both forms give the same
elections.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from decimal import Decimal, InvalidOperation
from typing import Any

from tallyroom.errors import ParseError, ValidationError
from tallyroom.formats.conversion import Loaded
from tallyroom.formats.nist_read import elections_from_report
from tallyroom.limits import MAX_DIGITS

__all__ = ["NAMESPACE", "read_nist_xml"]

NAMESPACE = "http://itl.nist.gov/ns/voting/1500-100/v2"
_XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"

_LISTS = frozenset(
    {
        "GpUnit",
        "Party",
        "Person",
        "Office",
        "Election",
        "Candidate",
        "Contest",
        "ContestSelection",
        "VoteCounts",
        "OtherCounts",
        "BallotCounts",
        "Text",
        "ExternalIdentifier",
        "BallotStyle",
        "OrderedContent",
        "CountStatus",
        "Header",
    }
)
_ID_LISTS = frozenset(
    {
        "ComposingGpUnitIds",
        "CandidateIds",
        "PrimaryPartyIds",
        "OfficeIds",
        "GpUnitIds",
        "EndorsementPartyIds",
        "AuthorityIds",
        "OrderedContestSelectionIds",
        "PartyIds",
        "PartyScopeGpUnitIds",
    }
)
_NUMBERS = frozenset(
    {
        "Count",
        "Overvotes",
        "Undervotes",
        "WriteIns",
        "BallotsCast",
        "BallotsOutstanding",
        "BallotsRejected",
        "Round",
        "VotersRegistered",
        "VotersParticipated",
        "VotesAllowed",
        "NumberElected",
        "NumberRunoff",
        "SequenceStart",
        "SequenceEnd",
        "SequenceOrder",
    }
)
_BOOLEANS = frozenset(
    {"IsWriteIn", "IsIncumbent", "IsTest", "IsTopTicket", "IsSuppressedForPrivacy"}
)


def read_nist_xml(text: str, source: str = "<nist-xml>") -> Loaded:
    """Elections of a NIST ERR v2 XML report."""
    try:
        root = ET.fromstring(text)
    except ET.ParseError as error:
        line, column = error.position
        raise ParseError(
            f"expected XML: {error.msg} (column {column})", source=source, line=line
        ) from None
    warnings: list[str] = []
    if root.tag != f"{{{NAMESPACE}}}ElectionReport":
        if _local(root.tag) != "ElectionReport":
            raise ParseError(
                f"expected an ElectionReport element in namespace {NAMESPACE}, found {root.tag}",
                source=source,
            )
        found = root.tag[1:].split("}", 1)[0] if root.tag.startswith("{") else "no namespace"
        warnings.append(
            f"{source}: the ElectionReport is in {found}, not {NAMESPACE}; read as NIST ERR v2"
        )
    report = _element(root, source, "ElectionReport")
    try:
        loaded = elections_from_report(report, source)
        return Loaded(loaded.elections, (*warnings, *loaded.warnings))
    except KeyError as error:
        raise ValidationError(
            f"a required element is missing: {error.args[0]}", source=source
        ) from None
    except (TypeError, AttributeError):  # an element where a structure was expected, or back
        raise ValidationError(
            "an element holds text where child elements are expected (or the reverse)",
            source=source,
        ) from None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _value(element: ET.Element, name: str, source: str, path: str) -> Any:
    text = (element.text or "").strip()
    if name in _NUMBERS:
        if len(text) > MAX_DIGITS:
            raise ValidationError(
                f"a number of {len(text):,} characters is longer than the limit of {MAX_DIGITS}",
                source=source,
                key=path,
            )
        try:
            number = Decimal(text)
            if not number.is_finite():
                raise InvalidOperation
        except InvalidOperation:
            raise ValidationError(
                f"expected a number, found {text!r}", source=source, key=path
            ) from None
        return int(number) if number == number.to_integral_value() else number
    if name in _BOOLEANS:
        if text not in ("true", "false", "1", "0"):
            raise ValidationError(
                f"expected true or false, found {text!r}", source=source, key=path
            )
        return text in ("true", "1")
    if name in _ID_LISTS:
        return text.split()
    return text


def _element(element: ET.Element, source: str, path: str) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if "ObjectId" in element.attrib:
        body["@id"] = element.attrib["ObjectId"]
    if _XSI_TYPE in element.attrib:
        body["@type"] = "ElectionResults." + element.attrib[_XSI_TYPE].rsplit(":", 1)[-1]
    for child in element:
        name = _local(child.tag)
        child_path = f"{path}.{name}"
        value: Any
        if name == "Text":
            value = {
                "Content": (child.text or "").strip(),
                "Language": child.attrib.get("Language", ""),
            }
        elif len(child) or child.attrib.get("ObjectId"):
            value = _element(child, source, child_path)
        else:
            value = _value(child, name, source, child_path)
        if name in _LISTS:
            body.setdefault(name, []).append(value)
        elif name in _ID_LISTS and name in body:
            body[name].extend(value)
        else:
            body[name] = value
    return body
