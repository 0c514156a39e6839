"""The same-mailbox rule (flex_auth_django.idp.mailbox) on its own: what is equal, what never matches."""

from __future__ import annotations

import pytest

from flex_auth_django.idp.mailbox import mailbox, same_mailbox, spellings, unicode_form


@pytest.mark.parametrize(
    "a, b",
    [
        ("Bob@Kiwi.Example", "bob@kiwi.example"),
        ("bob@k\u0131w\u0131.example", "bob@xn--kw-hpab.example"),
        ("bob@XN--KW-HPAB.EXAMPLE", "bob@k\u0131w\u0131.example"),
        ("  bob@kiwi.example ", "bob@kiwi.example"),
        ('"a@b"@kiwi.example', '"A@B"@kiwi.example'),  # the last "@" splits
    ],
)
def test_the_same_mailbox(a, b):
    assert same_mailbox(a, b) and same_mailbox(b, a)


@pytest.mark.parametrize(
    "a, b",
    [
        ("bob@kiwi.example", "bob@k\u0131w\u0131.example"),
        ("sam@kiwi.example", "\u017fam@kiwi.example"),
        ("kate@kiwi.example", "\u212aate@kiwi.example"),
        ("bob@kiwi.example", "bob@kiwi.example.org"),
        ("bob@kiwi.example", "rob@kiwi.example"),
        ("\u00e9@kiwi.example", "\u00c9@kiwi.example"),  # no Unicode case in the local part
    ],
)
def test_different_mailboxes(a, b):
    assert not same_mailbox(a, b) and not same_mailbox(b, a)


@pytest.mark.parametrize(
    "address",
    [
        "bob@\uff4b\uff49\uff57\uff49.example",  # full-width: nameprep would map it
        "bob@\u212aiwi.example",  # Kelvin sign
        "bob@\u017fam.example",  # long s
        "bob@stra\u00dfe.example",  # IDNA 2003 maps ß to "ss"
        "bob@cafe\u0301.example",  # NFD
        "bob@CAF\u00c9.example",  # a Unicode upper case letter
        "bob@xn--zz.example",  # an A-label that does not decode
        "bob@xn--kiwi-.example",
        "bob@kiwi..example",
        "bob@kiwi.example.",
        "bob@" + "a" * 64 + ".example",  # a label over 63 characters
        "bob@ki wi.example",
        "bob@kiwi\u3002example",  # an ideographic full stop, which IDNA 2003 reads as a dot
        "no-at-sign",
        "@kiwi.example",
        "bob@",
        "",
        None,
    ],
)
def test_addresses_the_rule_cannot_compare_match_nothing_not_even_themselves(address):
    assert mailbox(address) is None
    assert not same_mailbox(address, address)


def test_the_canonical_form_is_ascii_lower_case_local_and_a_labels():
    assert mailbox("B\u00f6b@K\u0131W\u0131.Example") == ("b\u00f6b", "xn--kw-hpab.example")


def test_spellings_cover_both_forms_of_the_domain_and_nothing_for_an_invalid_one():
    assert spellings("bob@xn--kw-hpab.example") == ["bob@xn--kw-hpab.example", "bob@k\u0131w\u0131.example"]
    assert spellings("bob@k\u0131w\u0131.example") == ["bob@k\u0131w\u0131.example", "bob@xn--kw-hpab.example"]
    assert spellings("bob@\u212aiwi.example") == ["bob@\u212aiwi.example"]
    assert unicode_form("Bob@XN--KW-HPAB.example") == "Bob@k\u0131w\u0131.example"
