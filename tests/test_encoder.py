"""The semantic layer with the real packaged WordLlama model: no mocks, no network."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from matching.ingest.bundle import Bundle
from matching.nlp.encoder import (
    Encoder,
    EncoderError,
    SentenceTransformerEncoder,
    SkillVectors,
    StaticEncoder,
    encoder_from_setting,
)
from matching.nlp.taxonomy import SkillTaxonomy

VITAL = "http://data.europa.eu/esco/skill/60f826be-0c1b-413b-aad5-4f7546622e16"
TABLE_SERVICE = "http://data.europa.eu/esco/skill/42a6eff0-e9d9-423d-877b-e48fe91ff26f"
CYBER = "http://data.europa.eu/esco/skill/5898d99a-62a4-4e10-a2e3-0d815ce44248"


@pytest.fixture(scope="module")
def taxonomy(demo_bundle: Path) -> SkillTaxonomy:
    return SkillTaxonomy.from_bundle(Bundle(demo_bundle))


@pytest.fixture(scope="module")
def encoder() -> Encoder:
    found = encoder_from_setting("wordllama")
    assert found is not None
    return found


def test_default_encoder_is_one_packaged_static_model(encoder: Encoder) -> None:
    assert isinstance(encoder, StaticEncoder) and isinstance(encoder, Encoder)
    assert encoder_from_setting("wordllama") is encoder
    assert encoder_from_setting("none") is None
    assert encoder.dim == 256


def test_vectors_are_float32_unit_rows_and_empty_text_is_zero(encoder: Encoder) -> None:
    vectors = encoder.encode(["measure vital signs", "Python programming", ""])
    assert vectors.dtype == np.float32 and vectors.shape == (3, 256)
    np.testing.assert_allclose(np.linalg.norm(vectors[:2], axis=1), 1.0, atol=1e-5)
    assert not np.any(vectors[2])
    assert encoder.encode([]).shape == (0, 256)


def test_paraphrase_is_nearer_than_an_unrelated_skill(
    taxonomy: SkillTaxonomy, encoder: Encoder, tmp_path: Path
) -> None:
    vectors = SkillVectors.build(taxonomy, encoder, home=tmp_path)
    cos = vectors.cosines(["measure vital signs"])[0]
    vital, table = cos[vectors.pos[VITAL]], cos[vectors.pos[TABLE_SERVICE]]
    assert vital > table + 0.2
    ids, sims = vectors.nearest(["measure vital signs"], k=3)
    assert ids[0][0] == VITAL and sims.shape == (1, 3) and sims[0, 0] >= sims[0, 1]
    assert vectors.similar(VITAL, VITAL) == pytest.approx(1.0, abs=1e-5)
    near = vectors.near_matrix([VITAL], [VITAL, CYBER])
    assert near.shape == (1, 2) and near[0, 0] > near[0, 1]


def test_rows_follow_the_linker_positions(taxonomy: SkillTaxonomy, encoder: Encoder) -> None:
    from matching.nlp.extraction.linker import LinkIndex

    vectors = SkillVectors.build(taxonomy, encoder, cache=False)
    index = LinkIndex.build(taxonomy)
    assert vectors.ids == index.skill_ids
    p = index.positions()[VITAL]
    np.testing.assert_array_equal(vectors.matrix[p], vectors.vectors_for([VITAL])[0])
    with pytest.raises(KeyError, match="no vector"):
        vectors.vectors_for(["not-a-skill"])


def test_second_build_reads_the_cache(
    taxonomy: SkillTaxonomy, encoder: Encoder, tmp_path: Path
) -> None:
    first = SkillVectors.build(taxonomy, encoder, home=tmp_path)
    assert not first.from_cache and first.cache_dir is not None
    assert first.cache_dir.parent == tmp_path / "encoders"
    assert first.cache_dir.name.startswith("wordllama-l2_supercat-256-")
    second = SkillVectors.build(taxonomy, encoder, home=tmp_path)
    assert second.from_cache and second.cache_dir == first.cache_dir
    np.testing.assert_array_equal(first.matrix, second.matrix)
    other = SkillVectors.build(taxonomy, encoder, home=tmp_path, text="label_description")
    assert not other.from_cache and other.cache_dir != first.cache_dir
    assert not list(first.cache_dir.glob(".*.tmp"))


def test_bad_model_folder_is_one_clear_line(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-model"
    with pytest.raises(EncoderError) as err:
        encoder_from_setting(str(missing))
    assert str(missing) in str(err.value) and "\n" not in str(err.value)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(EncoderError) as err:
        SentenceTransformerEncoder(empty)
    assert str(empty) in str(err.value) and "\n" not in str(err.value)


def test_importing_matching_does_not_import_wordllama() -> None:
    code = (
        "import sys, matching.nlp.encoder, matching.nlp.extraction.linker; "
        "print('wordllama' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_max_cosines_takes_the_best_text_of_each_group(
    taxonomy: SkillTaxonomy, encoder: Encoder
) -> None:
    vectors = SkillVectors.build(taxonomy, encoder, cache=False)
    texts = ["serve dinner to guests", "measure vital signs"]
    best = vectors.max_cosines([texts, [], texts[1:]])
    each = vectors.cosines(texts)
    np.testing.assert_allclose(best[0], each.max(axis=0), atol=1e-6)
    assert not np.any(best[1])
    np.testing.assert_allclose(best[2], each[1], atol=1e-6)


def test_max_cosines_is_the_same_across_chunks(taxonomy: SkillTaxonomy, encoder: Encoder) -> None:
    import matching.nlp.encoder as module

    vectors = SkillVectors.build(taxonomy, encoder, cache=False)
    groups = [["measure vital signs", "serve food"], ["Python"], [], ["nursing care", "x", "y"]]
    whole = vectors.max_cosines(groups)
    old, module._CHUNK = module._CHUNK, 2
    try:
        chunked = vectors.max_cosines(groups)
    finally:
        module._CHUNK = old
    np.testing.assert_allclose(chunked, whole, atol=1e-6)


def test_fast_encode_equals_wordllamas_own_embed(encoder: Encoder) -> None:
    """Our word-level path must give WordLlama's vectors (its padded embed is the reference)."""
    import wordllama
    from wordllama import WordLlama

    package = Path(wordllama.__file__).parent
    reference = WordLlama.load("l2_supercat", dim=256, cache_dir=package, disable_download=True)
    texts = ["Monitor patient's vital signs, daily.", "C++ / Node.js", "ASP.NET; SQL-Server 2019"]
    expected = reference.embed(texts, norm=True)
    np.testing.assert_allclose(encoder.encode(texts), expected, atol=1e-5)


def test_skill_vectors_of_is_one_object_per_taxonomy(
    taxonomy: SkillTaxonomy, encoder: Encoder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from matching.nlp.encoder import skill_vectors_of

    monkeypatch.setenv("PATHMATCH_HOME", str(tmp_path))
    first = skill_vectors_of(taxonomy, encoder)
    assert skill_vectors_of(taxonomy, encoder) is first
    assert first.cache_dir is not None and first.cache_dir.parent == tmp_path / "encoders"


def test_loads_and_builds_with_no_network(demo_bundle: Path, tmp_path: Path) -> None:
    """In a fresh process with HF_HUB_OFFLINE and a home with no caches: nothing to fetch."""
    code = (
        "import sys; from pathlib import Path; from matching.ingest.bundle import Bundle; "
        "from matching.nlp.taxonomy import SkillTaxonomy; "
        "from matching.nlp.encoder import SkillVectors, encoder_from_setting; "
        f"t = SkillTaxonomy.from_bundle(Bundle(Path({str(demo_bundle)!r}))); "
        "v = SkillVectors.build(t, encoder_from_setting(), home=Path(sys.argv[1])); "
        "print(len(v), v.matrix.shape[1])"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path / "home"),
        "HF_HUB_OFFLINE": "1",
        "PATHMATCH_ENCODER": "wordllama",
        "https_proxy": "http://127.0.0.1:9",
        "http_proxy": "http://127.0.0.1:9",
    }
    out = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "pm")],
        capture_output=True,
        text=True,
        env=env,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split()[1] == "256"
    assert not (tmp_path / "home" / ".cache").exists()


def test_pair_max_cosines_equals_the_full_matrix_at_the_pairs(
    taxonomy: SkillTaxonomy, encoder: Encoder
) -> None:
    vectors = SkillVectors.build(taxonomy, encoder, cache=False)
    groups = [["measure vital signs", "vital signs"], [], ["serve food", "table service"]]
    full = vectors.max_cosines(groups)
    text = np.array([2, 0, 0, 1, 2])
    skill = np.array([vectors.pos[s] for s in (TABLE_SERVICE, VITAL, CYBER, VITAL, VITAL)])
    got = vectors.pair_max_cosines(groups, text, skill)
    np.testing.assert_allclose(got, full[text, skill], atol=1e-6)
    assert got[3] == 0.0 and got[1] > got[2]
