"""config.yaml: the documented file is the defaults; bad values name the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.config import Config, ConfigError, load_config

REPO_CONFIG = Path(__file__).resolve().parent.parent / "config.yaml"


def test_the_documented_file_is_exactly_the_defaults(config):
    documented = load_config(REPO_CONFIG, env={})
    # `rules` is compared as validated (the file spells out the default parameters).
    assert documented.model_dump(exclude={"rules"}) == config.model_dump(exclude={"rules"})
    assert documented.rule_chain == config.rule_chain


def test_every_section_and_rule_parameter_is_documented_in_the_file():
    text = REPO_CONFIG.read_text(encoding="utf-8")
    for key in Config.model_fields:
        if key != "source":
            assert f"\n{key}:" in text, key
    for name, params in load_config(REPO_CONFIG, env={}).rule_chain:
        assert f"rule: {name}" in text
        for field in type(params).model_fields:
            assert f"{field}:" in text, (name, field)


@pytest.mark.parametrize(("yaml_text", "message"), [
    ("lang: fr\n", "lang: Input should be 'zh' or 'en' (got 'fr')"),
    ("timezone: Mars/Olympus\n", "timezone: unknown time zone 'Mars/Olympus'"),
    ("run:\n  chunk_size: 5\n", "run.chunk_size: Input should be greater than or equal to 100"),
    ("winter_pause:\n  windows: ['13-01..03-31']\n", "winter_pause.windows"),
    ("colour: red\n", "colour: unknown key"),
    ("rules:\n  - rule: finished\n  - rule: schedule_lag\n    yellow_points: -1\n",
     "rules[1].yellow_points: Input should be greater than 0 (got -1)"),
    ("rules:\n  - rule: schedule_lag\n    yellow_points: 40\n    red_points: 30\n",
     "rules[0]: red_points must not be below yellow_points"),
    ("rules:\n  - rule: moon_phase\n", "rules[0].rule: unknown rule 'moon_phase'"),
    ("rules:\n  - rule: overdue\n    grace: 2\n", "rules[0].grace: unknown key"),
    ("lang: zh\nrun: [1\n", "line 3, column 1: not valid YAML"),
    ("- just\n- a list\n", "the top level must be a mapping"),
])
def test_a_bad_value_is_one_sentence_naming_file_and_key(tmp_path, yaml_text, message):
    path = tmp_path / "bad.yaml"
    path.write_text(yaml_text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path, env={})
    assert str(info.value).startswith(str(path))
    assert message in str(info.value)


def test_environment_overrides_the_file(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("lang: zh\ndatabase:\n  url: sqlite:///a.db\n", encoding="utf-8")
    config = load_config(path, env={"LIGHTS_DATABASE_URL": "sqlite:///b.db", "LIGHTS_LANG": "en"})
    assert config.database.url == "sqlite:///b.db" and config.lang == "en"


def test_missing_file_named_by_option_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.yaml", env={})


def test_a_rule_can_be_switched_off_and_bands_disabled(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("rules:\n  - rule: finished\n  - rule: schedule_lag\n"
                    "    yellow_points: null\n", encoding="utf-8")
    chain = load_config(path, env={}).rule_chain
    assert [name for name, _ in chain] == ["finished", "schedule_lag"]
    assert chain[1][1].yellow_points is None and chain[1][1].red_points == 30
