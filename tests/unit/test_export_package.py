"""The exported ASK CLI project: ask-resources.json as ASK CLI v2 reads it, and the options of export-model."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ..package_support import ROOT, ExportedPackage, export, run_export

LOCALES = ("en-US", "en-GB", "en-CA", "en-AU", "en-IN")
# What the Skill Package API accepts at the top of a skill package; `ask deploy` zips the whole folder.
SKILL_PACKAGE_ENTRIES = {"skill.json", "interactionModels", "assets"}


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> ExportedPackage:
    return export(tmp_path_factory.mktemp("export") / "project")


def _check_ask_project(root: Path) -> dict[str, Any]:
    resources = json.loads((root / "ask-resources.json").read_text())
    assert resources["askcliResourcesVersion"] == "2020-03-31"
    profile = resources["profiles"]["default"]
    # The endpoint is self-hosted (or a Lambda function deployed on its own): ask deploy uploads the
    # skill package only, so there is no code to build and no infrastructure to deploy.
    assert set(profile) == {"skillMetadata"}
    src = profile["skillMetadata"]["src"]
    assert not Path(src).is_absolute()
    package = (root / src).resolve()
    assert package.is_relative_to(root.resolve()) and package != root.resolve()
    assert {p.name for p in package.iterdir()} <= SKILL_PACKAGE_ENTRIES
    manifest = json.loads((package / "skill.json").read_text())
    for locale in manifest["manifest"]["publishingInformation"]["locales"]:
        model = json.loads((package / "interactionModels" / "custom" / f"{locale}.json").read_text())
        assert model["interactionModel"]["languageModel"]["invocationName"] == "kind well"
    return manifest


def test_ask_resources_point_ask_deploy_at_the_skill_package(package: ExportedPackage) -> None:
    manifest = _check_ask_project(package.root)
    assert set(manifest["manifest"]["publishingInformation"]["locales"]) == set(LOCALES)


def test_the_committed_project_is_one_ask_deploy_can_use() -> None:
    # `ask deploy` is run at the repository root, where the committed ask-resources.json is.
    _check_ask_project(ROOT)
    assert ".ask/" in (ROOT / ".gitignore").read_text().splitlines()


def test_another_ask_profile(tmp_path: Path) -> None:
    project = export(tmp_path / "p", "--ask-profile", "work")
    resources = json.loads((project.root / "ask-resources.json").read_text())
    assert list(resources["profiles"]) == ["work"]


def test_a_bad_ask_profile_is_one_sentence(tmp_path: Path) -> None:
    result = run_export(tmp_path / "p", "--ask-profile", "my profile")
    assert result.returncode == 2
    assert (
        result.stderr.strip()
        == "kindwell: --ask-profile must be an ASK CLI profile name such as default (got 'my profile')."
    )


@pytest.mark.parametrize(
    ("options", "env", "endpoint", "base"),
    [
        ((), {}, "https://kindwell.example.com/alexa", "https://kindwell.example.com"),
        (("--endpoint", "https://kw.example.org/alexa"), {}, "https://kw.example.org/alexa", "https://kw.example.org"),
        (
            ("--endpoint", "https://kw.example.org/kw/alexa"),
            {},
            "https://kw.example.org/kw/alexa",
            "https://kw.example.org/kw",
        ),
        (
            (),
            {"KINDWELL_PUBLIC_URL": "https://kw.example.net/"},
            "https://kw.example.net/alexa",
            "https://kw.example.net",
        ),
        (
            ("--public-url", "https://pages.example.net", "--endpoint", "https://api.example.net/alexa"),
            {},
            "https://api.example.net/alexa",
            "https://pages.example.net",
        ),
    ],
)
def test_the_endpoint_and_public_address(
    tmp_path: Path, options: tuple[str, ...], env: dict[str, str], endpoint: str, base: str
) -> None:
    manifest = export(tmp_path / "p", *options, env=env).manifest()["manifest"]
    assert manifest["apis"]["custom"]["endpoint"]["uri"] == endpoint
    for locale in manifest["publishingInformation"]["locales"].values():
        assert locale["smallIconUri"] == f"{base}/icons/kindwell-108.png"
        assert locale["largeIconUri"] == f"{base}/icons/kindwell-512.png"


def test_a_public_url_alexa_cannot_reach_is_one_sentence(tmp_path: Path) -> None:
    result = run_export(tmp_path / "p", env={"KINDWELL_PUBLIC_URL": "http://kw.example.org"})
    assert result.returncode == 2
    assert result.stderr.startswith("kindwell: --public-url (or KINDWELL_PUBLIC_URL) must be the https:// address")
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "p").exists()


@pytest.mark.parametrize(
    ("given", "written"),
    [(None, "Wildcard"), ("Wildcard", "Wildcard"), ("SelfSigned", "SelfSigned"), ("trusted", "Trusted"),
     ("self-signed", "SelfSigned")],
)  # fmt: skip
def test_the_ssl_certificate_type_is_an_option(tmp_path: Path, given: str | None, written: str) -> None:
    options = ("--ssl-certificate-type", given) if given else ()
    endpoint = export(tmp_path / "p", *options).manifest()["manifest"]["apis"]["custom"]["endpoint"]
    assert endpoint["sslCertificateType"] == written


def test_the_ssl_certificate_type_is_a_setting_too(tmp_path: Path) -> None:
    project = export(tmp_path / "p", env={"KINDWELL_SSL_CERTIFICATE_TYPE": "Trusted"})
    assert project.manifest()["manifest"]["apis"]["custom"]["endpoint"]["sslCertificateType"] == "Trusted"


@pytest.mark.parametrize(
    ("options", "env", "named"),
    [
        (("--ssl-certificate-type", "LetsEncrypt"), {}, "--ssl-certificate-type"),
        ((), {"KINDWELL_SSL_CERTIFICATE_TYPE": "wild card!"}, "KINDWELL_SSL_CERTIFICATE_TYPE"),
    ],
)
def test_a_bad_ssl_certificate_type_is_one_sentence(
    tmp_path: Path, options: tuple[str, ...], env: dict[str, str], named: str
) -> None:
    result = run_export(tmp_path / "p", *options, env=env)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert lines[0].startswith(f"kindwell: {named} must be Wildcard, SelfSigned or Trusted")
    assert not (tmp_path / "p").exists()
