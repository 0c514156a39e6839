"""/metrics: off by default in the package, 127.0.0.1 and ::1 (or a bearer token) when on, the counters' names."""

from __future__ import annotations

import sys

import pytest
from django.core import checks
from django.test import RequestFactory

from flex_auth_django.checks.metrics import check_prometheus_installed, check_prometheus_multiprocess
from flex_auth_django.settings import SETTINGS
from flex_auth_django.views.metrics import MetricsView

pytestmark = pytest.mark.django_db

pytest.importorskip("prometheus_client")

TOKEN = "a-scraper-token-of-some-length"


def get(ip: str = "127.0.0.1", **headers):
    request = RequestFactory().get("/metrics", REMOTE_ADDR=ip, **headers)
    return MetricsView.as_view()(request)


@pytest.fixture
def metrics_on(settings):
    def configure(**extra):
        settings.FLEX_AUTH = {**settings.FLEX_AUTH, "PROMETHEUS_METRICS": True, **extra}

    configure()
    return configure


def test_off_by_default_in_the_package(settings):
    assert SETTINGS["PROMETHEUS_METRICS"][0] is False
    settings.FLEX_AUTH = {**settings.FLEX_AUTH, "PROMETHEUS_METRICS": False}
    assert get().status_code == 404


def test_the_loopback_addresses_may_scrape_and_others_may_not(metrics_on):
    assert get("127.0.0.1").status_code == 200
    assert get("::1").status_code == 200
    refused = get("203.0.113.9")
    assert refused.status_code == 403 and b"flex_auth" not in refused.content


def test_networks_and_the_address_behind_the_trusted_proxy(metrics_on):
    metrics_on(METRICS_ALLOWED_IPS=["10.0.0.0/8"], NUM_PROXIES=1)
    assert get("127.0.0.1", HTTP_X_FORWARDED_FOR="10.1.2.3").status_code == 200
    # nginx on the same host: the proxy's own 127.0.0.1 is not who is asking.
    assert get("127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 403


def test_a_bearer_token_lets_a_scraper_elsewhere_in(metrics_on):
    metrics_on(METRICS_ALLOWED_IPS=[], METRICS_TOKEN=TOKEN)
    assert get("203.0.113.9", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 200
    assert get("203.0.113.9", HTTP_AUTHORIZATION=f"Bearer {TOKEN}x").status_code == 403
    assert get("203.0.113.9").status_code == 403
    assert get("127.0.0.1").status_code == 403  # the allow-list is empty


def test_the_counters_are_named_and_labelled_as_the_contract_says(metrics_on, token_endpoint, marketplace_app):
    params = {"client_id": str(marketplace_app.client_id), "grant_type": "client_credentials"}
    before = _issued(get().content.decode())
    token_endpoint.post(params)
    token_endpoint.post({**params, "client_secret": "wrong"})
    text = get().content.decode()
    assert _issued(text) == before + 1
    assert 'flex_auth_tokens_refused_total{endpoint="token",error="invalid_client"}' in text
    assert "# TYPE flex_auth_live_sessions gauge" in text


def _issued(text: str) -> float:
    for line in text.splitlines():
        if line.startswith('flex_auth_tokens_issued_total{api_type="marketplace",grant="client_credentials"}'):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_malformed_allow_lists_and_short_tokens_are_setting_errors(settings):
    from flex_auth_django.settings import flex_settings

    settings.FLEX_AUTH = {**settings.FLEX_AUTH, "METRICS_ALLOWED_IPS": ["not an address"], "METRICS_TOKEN": "short"}
    assert {name for name, _, _ in flex_settings.problems()} >= {"METRICS_ALLOWED_IPS", "METRICS_TOKEN"}


def test_on_without_prometheus_client_is_a_check_error(metrics_on, monkeypatch):
    monkeypatch.setitem(sys.modules, "prometheus_client", None)  # import fails
    assert [m.id for m in check_prometheus_installed(None)] == ["flex_auth.E160"]


def test_several_workers_without_the_multiprocess_directory_is_a_deploy_warning(metrics_on, monkeypatch):
    monkeypatch.setenv("WEB_CONCURRENCY", "4")
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    found = check_prometheus_multiprocess(None)
    assert [m.id for m in found] == ["flex_auth.W161"] and found[0].level == checks.WARNING
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", "/run/flex-auth/prometheus")
    assert check_prometheus_multiprocess(None) == []


def test_the_grafana_dashboard_queries_only_metrics_the_endpoint_serves(metrics_on, token_endpoint, marketplace_app):
    import json
    import re

    from tests.serving import ROOT

    token_endpoint.post({"client_id": str(marketplace_app.client_id), "grant_type": "client_credentials"})
    served = set(re.findall(r"^# TYPE (\w+) (\w+)", get().content.decode(), re.M))
    names = set()
    for name, kind in served:  # what a query may name, and a histogram's _bucket, _sum and _count
        names.add(name)  # a counter's TYPE line already names its _total
        if kind == "histogram":
            names |= {f"{name}_bucket", f"{name}_sum", f"{name}_count"}
    dashboard = json.loads((ROOT / "deploy" / "grafana-dashboard.json").read_text())
    queried = {
        metric
        for panel in dashboard["panels"]
        for target in panel["targets"]
        for metric in re.findall(r"\b(flex_auth_\w+)", target["expr"])
    }
    assert queried and queried <= names, queried - names
