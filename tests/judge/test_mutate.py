"""A smoke test of the mutation-testing tool (tools/mutate.py); the full run
is a benchmark (benchmarks/bench_mutation.py)."""
import json

import pytest

import mutate
from release_markers import solution_regions


def _changed_lines(before, after):
    a, b = before.splitlines(), after.splitlines()
    first = next(i for i, (x, y) in enumerate(zip(a, b)) if x != y)
    return first + 1


def test_classic_mistakes_are_edits_of_the_reference():
    mutants = mutate.classic_mutants()
    assert len(mutants) == len(mutate.CLASSIC) >= 20
    for m in mutants:
        reference = (mutate.MML / m.file).read_text(encoding="utf-8")
        assert m.text != reference and m.function != "?"
        compile(m.text, m.file, "exec")


def test_random_mutants_stay_inside_the_solution_regions():
    mutants = mutate.random_mutants()
    kinds = {m.change.split(":")[0] for m in mutants}
    assert kinds == {"operator swap", "comparison swap", "index shift", "dropped term"}
    references = {f: (mutate.MML / f).read_text(encoding="utf-8") for f in mutate.MUTATED_FILES}
    regions = {f: solution_regions(text, f) for f, text in references.items()}
    for m in mutants:
        line = _changed_lines(references[m.file], m.text)
        assert any(r.begin < line < r.end for r in regions[m.file]), m.change
        assert m.function is not None


def _folder_with(tmp_path, mutant):
    mutate._write_student(mutant, tmp_path)
    return tmp_path


def test_independent_check_tells_equivalent_from_different(tmp_path):
    classic = {m.name: m for m in mutate.classic_mutants()}
    reference = mutate.Mutant("reference", "classic", "rnn_layers.py", "-", 0, "",
                              (mutate.MML / "rnn_layers.py").read_text(encoding="utf-8"))
    assert mutate.oracle_difference(_folder_with(tmp_path / "a", reference)) == ""
    assert mutate.oracle_difference(_folder_with(tmp_path / "b", classic["step_without_bias"])) \
        == "differs in rnn_step_forward"
    assert "CaptioningRNN.sample" in mutate.oracle_difference(_folder_with(tmp_path / "c", classic["sample_hard_coded_end"]))
    # Words after <END> are not part of the contract: padding with <END> instead of <NULL> is equivalent.
    text = (mutate.MML / "classifiers/rnn.py").read_text(encoding="utf-8")
    padded = text.replace("captions = np.full((N, max_length), self._null", "captions = np.full((N, max_length), self._end")
    assert padded != text
    after_end = mutate.Mutant("after_end", "classic", "classifiers/rnn.py", "CaptioningRNN.sample", 0, "", padded)
    assert mutate.oracle_difference(_folder_with(tmp_path / "d", after_end)) == ""


def test_a_run_reports_the_killed_classic_mistake(tmp_path, capsys):
    out = tmp_path / "mutation.json"
    assert mutate.main(["--classic-only", "--only", "float32_upcast_lstm_forward", "--json", str(out)]) == 0
    result = json.loads(out.read_text(encoding="utf-8"))
    assert result["summary"]["classic"] == pytest.approx(
        {"total": 1, "killed": 1, "equivalent": 0, "missed": 0, "score": 1.0, "diagnosed": 1})
    (mutant,) = result["mutants"]
    assert (mutant["killed_by"], mutant["detail"], mutant["diagnosed"]) == ("captioning_lstm_gradient", "dtype", True)
    assert "killed 100.0%" in capsys.readouterr().out
