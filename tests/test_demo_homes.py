"""The shared test homes (tests/demo_homes.py): a copy stands on its own.

Many test files take a copy of a home built once per session. If a copy's MLflow store
still pointed at the template's artifacts, a test deleting or replacing its models would
silently read the template's, and tests would depend on one another. Here a home with a
registered model (a real title normalizer, logged to MLflow on SQLite) is copied the way
the fixtures copy templates; the copy must resolve and load its champion from its own
folder, and miss it once its own artifacts are gone, while the original still works.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from demo_homes import HomeTemplate, copy_home

from matching.ingest.bundle import Bundle


def register_title_model(home: Path) -> None:
    import mlflow

    from matching.nlp.titles import fit_from_bundle
    from matching.settings import Settings
    from training import registry

    model_dir = fit_from_bundle(Bundle(home / "bundle")).save(home / "runs" / "titles")
    with mlflow.start_run(experiment_id=registry.experiment("copy-test", Settings(home=home))):
        registry.log_model_directory("pathmatch-titles", Path(model_dir), card="copy test")


def test_the_shared_bundle_and_home_template_hold_the_same_demo_bundle(
    demo_bundle: Path, demo_home_template: HomeTemplate
) -> None:
    assert Bundle(demo_bundle).hash == Bundle(demo_home_template.bundle).hash
    assert any((demo_home_template.path / "pipelines").iterdir()), "pipeline saved once"
    assert not (demo_home_template.path / "models").exists(), "no models in this template"


def test_a_copied_home_resolves_and_loads_its_own_champion(
    demo_home_template: HomeTemplate, tmp_path: Path
) -> None:
    from matching.nlp.titles import TitleNormalizer
    from matching.settings import Settings
    from training.registry import ModelStoreError, resolve, try_resolve

    original = demo_home_template.copy(tmp_path / "original")
    register_title_model(original)
    assert resolve("pathmatch-titles", settings=Settings(home=original)).path.is_dir()

    home = copy_home(original, tmp_path / "copy")
    assert str(original.resolve()).encode() not in (home / "mlflow.db").read_bytes()
    ref = resolve("pathmatch-titles", settings=Settings(home=home))
    assert ref.path.resolve().is_relative_to(home.resolve())
    assert TitleNormalizer.load(ref.path).predict(["certified nursing assistant"])[0]

    shutil.rmtree(home / "mlartifacts")
    shutil.rmtree(home / "models")
    with pytest.raises(ModelStoreError, match="artifacts that are missing"):
        try_resolve("pathmatch-titles", Settings(home=home))
    shutil.rmtree(original / "models")  # the original downloads again from its own store
    assert resolve("pathmatch-titles", settings=Settings(home=original)).path.is_dir()
