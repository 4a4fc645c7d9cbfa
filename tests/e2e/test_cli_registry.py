"""The operator CLI, as an operator types it: register, dose, show, import, synth."""

from __future__ import annotations

import json
import textwrap

from kyvs.domain import reference_ids


def test_registering_and_vaccinating_a_person(cli):
    person = cli.json(
        "registry",
        "add",
        "--name",
        "Asha  Patel",
        "--mobile",
        "+91 98765 43210",
        "--birth-year",
        "1988",
        "--gender",
        "F",
        "--id-type",
        "aadhaar",
        "--id-number",
        "2341 2341 2346",
    )
    ref = person["reference_id"]
    assert person["full_name"] == "Asha Patel"
    assert person["mobile_masked"] == "XXXXXX3210"
    assert person["photo_id"] == {"type": "AADHAAR", "number_masked": "XXXXXXXX2346"}

    first = cli.json("registry", "dose", ref, "--vaccine", "covishield", "--date", "2021-05-01")
    assert first["dose"]["dose_number"] == 1
    assert first["status"]["label"] == "PARTIALLY_VACCINATED"
    second = cli.json("registry", "dose", ref, "--vaccine", "Covishield", "--date", "2021-08-01")
    assert second["status"]["code"] == 2

    shown = cli.json("registry", "show", ref)
    assert [d["date"] for d in shown["doses"]] == ["2021-05-01", "2021-08-01"]
    assert shown["status"]["text"] == "Fully vaccinated"


def test_the_human_view_shows_status_in_words_and_hides_identifiers(cli):
    ref = cli.json(
        "registry",
        "add",
        "--name",
        "Ravi Kumar",
        "--mobile",
        "9876500001",
        "--birth-year",
        "1975",
        "--gender",
        "M",
        "--id-type",
        "PAN",
        "--id-number",
        "ABCPE1234F",
    )["reference_id"]
    screen = cli.run("registry", "show", ref).stdout
    assert "Not vaccinated" in screen
    assert "ABCPE1234F" not in screen
    assert "9876500001" not in screen
    assert "XXXXXX0001" in screen


def test_a_bad_mobile_gets_a_clear_message_and_exit_code_1(cli):
    done = cli.run(
        "registry",
        "add",
        "--name",
        "X Y",
        "--mobile",
        "12345",
        "--birth-year",
        "1990",
        "--gender",
        "F",
        check=False,
    )
    assert done.returncode == 1
    assert "10 digits" in done.stderr
    assert "Traceback" not in done.stderr


def test_an_aadhaar_number_with_a_wrong_check_digit_is_refused_without_echoing_it(cli):
    done = cli.run(
        "registry",
        "add",
        "--name",
        "Asha Patel",
        "--mobile",
        "9876500002",
        "--birth-year",
        "1988",
        "--gender",
        "F",
        "--id-type",
        "AADHAAR",
        "--id-number",
        "2341 2341 2347",
        "--json",
        check=False,
    )
    assert done.returncode == 1
    problem = json.loads(done.stdout)
    assert problem["type"] == "https://kyvs.dev/problems/invalid-photo-id"
    assert "not a valid Aadhaar number" in problem["detail"]
    assert "2347" not in done.stdout + done.stderr


def test_errors_in_json_mode_are_problem_documents(cli):
    unknown = reference_ids.make("1234567890123")
    done = cli.run("registry", "show", unknown, "--json", check=False)
    assert done.returncode == 1
    problem = json.loads(done.stdout)
    assert problem["type"] == "https://kyvs.dev/problems/beneficiary-not-found"


def test_a_mistyped_reference_id_is_caught_by_its_check_digit(cli):
    ref = cli.json(
        "registry",
        "add",
        "--name",
        "Meera Patel",
        "--mobile",
        "9876500002",
        "--birth-year",
        "2008",
        "--gender",
        "F",
    )["reference_id"]
    typo = (
        ref[:-2] + ref[-1] + ref[-2]
        if ref[-1] != ref[-2]
        else ref[:-1] + str((int(ref[-1]) + 1) % 10)
    )
    done = cli.run("registry", "show", typo, check=False)
    assert done.returncode == 1
    assert "mistyped" in done.stderr


def test_a_mobile_holds_at_most_six_people(cli):
    for n in range(6):
        cli.json(
            "registry",
            "add",
            "--name",
            f"Person {n}",
            "--mobile",
            "9000000100",
            "--birth-year",
            "1990",
            "--gender",
            "O",
        )
    done = cli.run(
        "registry",
        "add",
        "--name",
        "Seventh",
        "--mobile",
        "9000000100",
        "--birth-year",
        "1990",
        "--gender",
        "O",
        check=False,
    )
    assert done.returncode == 1
    assert "already holds 6" in done.stderr


def test_a_csv_import_reports_bad_rows_and_a_second_import_adds_nothing(cli, tmp_path):
    registry_file = tmp_path / "people.csv"
    registry_file.write_text(
        textwrap.dedent(
            """\
            full_name,birth_year,gender,mobile,dose1_vaccine,dose1_date,dose2_vaccine,dose2_date
            Kiran Shah,1980,M,9123456780,COVISHIELD,2021-04-01,COVISHIELD,2021-07-01
            Bad Date,1980,F,9123456781,COVAXIN,2021-13-01,,
            નીતા શાહ,1982,F,9123456780,COVAXIN,2021-05-01,,
            """
        ),
        encoding="utf-8",
    )
    done = cli.run("registry", "import", str(registry_file), "--json", check=False)
    assert done.returncode == 2
    report = json.loads(done.stdout)
    assert (report["imported"], report["rejected"]) == (2, 1)
    assert report["errors"][0]["line"] == 3
    assert "dose1_date" in report["errors"][0]["reason"]

    again = cli.run("registry", "import", str(registry_file), "--json", check=False)
    assert (json.loads(again.stdout)["imported"], json.loads(again.stdout)["already_present"]) == (
        0,
        2,
    )


def test_a_fhir_bundle_is_imported(cli, tmp_path):
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {
                "fullUrl": "urn:uuid:p1",
                "resource": {
                    "resourceType": "Patient",
                    "id": "p1",
                    "name": [{"given": ["Lata"], "family": "Deshmukh"}],
                    "birthDate": "1961-02-03",
                    "gender": "female",
                    "telecom": [{"system": "phone", "use": "mobile", "value": "+91 91234 56790"}],
                },
            },
            {
                "resource": {
                    "resourceType": "Immunization",
                    "status": "completed",
                    "patient": {"reference": "urn:uuid:p1"},
                    "vaccineCode": {
                        "coding": [{"system": "http://hl7.org/fhir/sid/cvx", "code": "210"}]
                    },
                    "occurrenceDateTime": "2021-03-10T10:00:00+05:30",
                    "protocolApplied": [{"doseNumberPositiveInt": 1}],
                },
            },
        ],
    }
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle), encoding="utf-8")
    report = cli.json("registry", "import", str(path))
    assert report["imported"] == 1
    assert report["doses_added"] == 1


def test_synthetic_people_are_deterministic_by_seed(cli):
    first = cli.json("registry", "synth", "--count", "300", "--seed", "7")
    assert first["imported"] == 300
    again = cli.json("registry", "synth", "--count", "300", "--seed", "7")
    assert (again["imported"], again["already_present"]) == (0, 300)


def test_demo_data_loads_once_and_only_in_demo_mode(cli):
    production = dict(cli.env, KYVS_DEMO="0", KYVS_SECRET_KEY="x" * 40)
    refused = type(cli)(production, cli.cwd).run("demo", "load", check=False)
    assert refused.returncode == 1
    assert "KYVS_DEMO=1" in refused.stderr
    assert cli.json("demo", "load")["loaded"] is True
    assert cli.json("demo", "load")["loaded"] is False
    people = cli.json("demo", "people")
    asha = next(p for p in people if p["full_name"] == "Asha Patel")
    assert asha["status"]["precaution_dose"] is True
    assert cli.json("registry", "show", asha["reference_id"])["full_name"] == "Asha Patel"
