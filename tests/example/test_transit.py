"""The demo API's Transit writer (decoding by the real SDK is covered in tests/sdk)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from example_project.demo_api.transit import Keyword, dumps

ID = uuid.UUID("6a1e3b52-3c1f-4f3e-9f3e-2c6f7d1b5a10")
WHEN = datetime(2024, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)


def test_maps_have_keyword_keys_and_typed_values():
    text = dumps({"data": {"id": ID, "type": Keyword("marketplace"), "n": 1, "ok": True, "none": None}})
    assert json.loads(text) == [
        "^ ",
        "~:data",
        ["^ ", "~:id", f"~u{ID}", "~:type", "~:marketplace", "~:n", 1, "~:ok", True, "~:none", None],
    ]


def test_instants_are_milliseconds_or_iso_when_verbose():
    assert json.loads(dumps({"at": WHEN})) == ["^ ", "~:at", f"~m{int(WHEN.timestamp() * 1000)}"]
    assert json.loads(dumps({"at": WHEN}, verbose=True)) == {"~:at": "~t2024-01-02T03:04:05.678Z"}


def test_verbose_maps_are_json_objects():
    assert json.loads(dumps({"a": {"b": [1, "x"]}}, verbose=True)) == {"~:a": {"~:b": [1, "x"]}}


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("~tilde", "~~tilde"),
        ("^ ", "~^ "),
        ("^0", "~^0"),
        ("`reserved", "~`reserved"),
        ("plain ~ inside", "plain ~ inside"),
        (2**53, "~i9007199254740992"),
        (-(2**60), f"~i{-(2**60)}"),
        (2**53 - 1, 2**53 - 1),
        (Decimal("1.50"), "~f1.50"),
        (float("nan"), "~zNaN"),
        (float("-inf"), "~z-INF"),
        (1.5, 1.5),
    ],
)
def test_scalars_that_need_escaping_or_tags(value, written):
    assert json.loads(dumps({"v": value})) == ["^ ", "~:v", written]


@pytest.mark.parametrize("value", [{"v": object()}, {1: "x"}, ["not", "a", "map"]])
def test_what_it_cannot_write_is_an_error(value):
    with pytest.raises(TypeError):
        dumps(value)


# -- reading (request bodies from the SDKs) --------------------------------------------------
def test_read_maps_keywords_cache_references_and_tags():
    from example_project.demo_api import transit as reader

    text = (
        '["^ ","~:idpId","g","~:nested",["^ ","^0","again","~:list",["~:idpId","~~tilde","~^caret"]],'
        '"~:when","~m1700000000000","~:id","~u6a1e3b52-3c1f-4f3e-9f3e-2c6f7d1b5a10","~:flag","~?t",'
        '"~:none","~_","~:big","~i9007199254740993","~:q",["~#\'","quoted"]]'
    )
    value = reader.loads(text)
    assert value["idpId"] == "g"
    assert value["nested"] == {"idpId": "again", "list": ["idpId", "~tilde", "^caret"]}
    assert value["when"].year == 2023 and value["id"] == "6a1e3b52-3c1f-4f3e-9f3e-2c6f7d1b5a10"
    assert value["flag"] is True and value["none"] is None and value["big"] == 9007199254740993
    assert value["q"] == "quoted"
    assert reader.loads('{"~:a": 1, "~:b": "~t2026-01-01T00:00:00.000Z"}')["b"].year == 2026


@pytest.mark.parametrize("text", ['["^ ","^5","x"]', '["^ ","~:a"]', '["~#unknown",1]', "nope", '"~zweird"'])
def test_read_refuses_what_it_does_not_understand(text):
    from example_project.demo_api import transit as reader

    with pytest.raises(reader.TransitError):
        reader.loads(text)
