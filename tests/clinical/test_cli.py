"""The formula and protocol commands, run in-process through register() as the main program will."""

import argparse
import json

import pytest

from ivmt.clinical import cli


def run(argv):
    parser = argparse.ArgumentParser(prog="ivmt")
    cli.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


def test_formula_list_names_every_formula(capsys):
    assert run(["formula", "list"]) == 0
    out = capsys.readouterr().out
    for formula_id in ("seed_recipe", "yale_2009", "teitelbaum_push"):
        assert formula_id in out


def test_formula_show_prints_the_recipe_and_asks_for_vitamin_c(capsys):
    assert run(["formula", "show", "seed_recipe"]) == 0
    out = capsys.readouterr().out
    assert "prescriber chooses (default 5 mL)" in out
    assert "set ascorbic_acid_500=ML" in out


def test_formula_show_with_a_volume_prints_the_bag(capsys):
    assert run(["formula", "show", "seed_recipe", "--set", "ascorbic_acid_500=5"]) == 0
    out = capsys.readouterr().out
    assert "37.0 mL" in out
    assert "1367 mOsm/L" in out
    assert "9.84 mEq" in out


def test_formula_calc_json_holds_the_documented_keys(capsys):
    code = run(
        [
            "formula",
            "calc",
            "seed_recipe",
            "--set",
            "ascorbic_acid_500=1",
            "--duration",
            "30",
            "--json",
        ]
    )
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert data["total_volume_ml"] == "33.0"
    assert data["osmolarity_mosm_per_l"] == "818"
    assert data["magnesium_meq"] == "9.84"
    assert data["magnesium_elemental_mg"] == "119.6"
    assert data["calcium_meq"] == "1.40"
    assert data["calcium_elemental_mg"] == "27.9"
    assert data["vitamin_c_mg"] == "500"
    assert data["magnesium_meq_per_min"] == "0.33"
    assert data["min_duration_min"] == "21"
    assert all(
        {"code", "severity", "message", "limit", "sources"} <= set(w) for w in data["warnings"]
    )


def test_formula_calc_into_saline_with_the_600_school(capsys):
    argv = [
        "formula",
        "calc",
        "seed_recipe",
        "--set",
        "ascorbic_acid_500=5",
        "--into-saline",
        "100",
        "--osmolarity-limit",
        "600",
        "--json",
    ]
    assert run(argv) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["total_volume_ml"], data["osmolarity_mosm_per_l"]) == ("137.0", "594")
    assert data["osmolarity_limit_mosm_per_l"] == "600"


def test_formula_calc_text_shows_warnings_and_drip_rate(capsys):
    argv = ["formula", "calc", "yale_2009", "--duration", "10"]
    assert run(argv) == 0
    out = capsys.readouterr().out
    assert "STOP" in out and "label limit of 48 mg/min" in out
    argv = [
        "formula",
        "calc",
        "seed_recipe",
        "--set",
        "ascorbic_acid_500=1",
        "--duration",
        "30",
        "--drop-factor",
        "20",
    ]
    assert run(argv) == 0
    assert "22 drops/min" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["formula", "show", "banana_bag"], "Unknown formula 'banana_bag'"),
        (["formula", "calc", "seed_recipe"], "must choose the volume"),
        (["formula", "calc", "seed_recipe", "--set", "ascorbic_acid_500=-2"], "negative"),
        (["formula", "calc", "seed_recipe", "--set", "ascorbic_acid_500=5000"], "not plausible"),
        (
            ["formula", "calc", "seed_recipe", "--set", "ascorbic_acid_500=20"],
            "outside the allowed",
        ),
        (["formula", "calc", "seed_recipe", "--set", "zinc=1"], "Unknown ingredient 'zinc'"),
        (["formula", "calc", "seed_recipe", "--set", "ascorbic_acid_500"], "NAME=VALUE"),
        (["formula", "calc", "yale_2009", "--duration", "0"], "more than 0 minutes"),
        (["formula", "calc", "yale_2009", "--osmolarity-limit", "750"], "Unknown osmolarity limit"),
        (
            ["formula", "calc", "yale_2009", "--into-saline", "100"],
            "cannot be added to a saline bag",
        ),
        (["formula", "calc", "yale_2009", "--drop-factor", "20"], "needs --duration"),
        (["protocol", "show", "seed_clinic", "--start", "next monday"], "YYYY-MM-DD"),
        (["protocol", "show", "nope", "--start", "2026-11-23"], "Unknown protocol"),
        (
            [
                "protocol",
                "show",
                "seed_clinic",
                "--start",
                "2026-11-23",
                "--closed-weekdays",
                "funday",
            ],
            "Unknown weekday",
        ),
    ],
)
def test_bad_input_prints_one_line_to_stderr_and_exits_2(capsys, argv, words):
    assert run(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("error: ")
    assert words in captured.err
    assert captured.err.count("\n") == 1
    assert "Traceback" not in captured.err


def test_protocol_show_lists_dated_doses_and_reviews(capsys):
    argv = [
        "protocol",
        "show",
        "seed_clinic",
        "--start",
        "2026-11-28",
        "--closed-weekdays",
        "sat,sun",
    ]
    assert run(argv) == 0
    out = capsys.readouterr().out
    assert "first open day 2026-11-30" in out
    assert "2026-11-30  Mon  dose 1" in out
    assert "Response review at week 6" in out
    assert "2027-01-11  Mon  review" in out


def test_protocol_show_moves_a_dose_off_a_closed_date(capsys):
    argv = [
        "protocol",
        "show",
        "yale_2009",
        "--start",
        "2026-12-18",
        "--closed-weekdays",
        "sat,sun",
        "--closed-dates",
        "2026-12-25",
    ]
    assert run(argv) == 0
    assert "moved -1 d" in capsys.readouterr().out


def test_protocol_list(capsys):
    assert run(["protocol", "list"]) == 0
    assert "migraine_article" in capsys.readouterr().out


def test_main_runs_standalone(capsys):
    assert cli.main(["formula", "list"]) == 0
    assert "seed_recipe" in capsys.readouterr().out
    assert cli.main(["formula", "show", "nope"]) == 2
